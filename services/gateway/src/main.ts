import { loadConfigOrExit } from '@canvass/config';
import { createLogger, onShutdown } from '@canvass/service-kit';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { GatewayConfig } from './config.ts';
import { createGateway } from './gateway.ts';
import { remoteLive } from './live.ts';
import { httpUpstream } from './upstream.ts';

const config = loadConfigOrExit(GatewayConfig, 'gateway');
const logger = createLogger('gateway', config.LOG_LEVEL);
const metrics = new Registry();
collectDefaultMetrics({ register: metrics });
const app = createGateway({
  logger,
  tier: 'cluster',
  metrics,
  adminToken: config.CANVASS_ADMIN_TOKEN,
  internalSecret: config.CANVASS_INTERNAL_SECRET,
  publicUrl: config.PUBLIC_URL ?? `http://localhost:${config.PORT}`,
  upstreams: {
    polls: httpUpstream('polls', config.POLLS_URL),
    analytics: httpUpstream('analytics', config.ANALYTICS_URL),
    identity: httpUpstream('identity', config.IDENTITY_URL),
  },
  live: remoteLive(config.REALTIME_URL.split(',')),
});
await app.listen({ port: config.PORT, host: config.HOST });
onShutdown(logger, () => app.close());
