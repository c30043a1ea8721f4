export { createGateway, type GatewayOptions } from './gateway.ts';
export {
  type ForwardRequest,
  type ForwardResponse,
  httpUpstream,
  injectUpstream,
  type Upstream,
} from './upstream.ts';
