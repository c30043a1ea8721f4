export { createGateway, type GatewayOptions } from './gateway.ts';
export { inProcessLive, type LiveUpstream, remoteLive } from './live.ts';
export {
  type ForwardRequest,
  type ForwardResponse,
  httpUpstream,
  injectUpstream,
  type Upstream,
} from './upstream.ts';
