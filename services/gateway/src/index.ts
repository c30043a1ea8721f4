export { createGateway, type GatewayOptions } from './gateway.ts';
export { inProcessLive, type LiveUpstream, remoteLive } from './live.ts';
export { defaultLiveLimits, type LiveLimits } from './live-limits.ts';
export { createRateLimits, defaultLimits, type GatewayLimits, type RateLimits } from './rate-limits.ts';
export { defaultResilience, type ResilienceOptions } from './resilience.ts';
export { publicRoutes, type RouteRule } from './routes.ts';
export {
  type ForwardRequest,
  type ForwardResponse,
  httpUpstream,
  injectUpstream,
  type Upstream,
} from './upstream.ts';
