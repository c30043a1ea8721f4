import { loadConfigOrExit } from '@canvass/config';
import { createNatsBus } from '@canvass/eventing-nats';
import { announceReady, createLogger, drain, internalTlsFromConfig, onShutdown } from '@canvass/service-kit';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createClient } from 'redis';
import { GatewayConfig } from './config.ts';
import { createGateway } from './gateway.ts';
import { remoteLive } from './live.ts';
import { createRateLimits, defaultLimits } from './rate-limits.ts';
import { httpUpstream } from './upstream.ts';

const config = loadConfigOrExit(GatewayConfig, 'gateway');
const logger = createLogger('gateway', config.LOG_LEVEL);
const metrics = new Registry();
collectDefaultMetrics({ register: metrics });
const tls = internalTlsFromConfig(config, (error) =>
  logger.warn({ err: error }, 'could not reload the TLS files; keeping the current ones'),
);
const instances = (name: string, urls: string) =>
  urls.split(',').map((url, i) => httpUpstream(`${name}-${i + 1}`, url, { tls }));
const redis = config.REDIS_URL
  ? await createClient({ url: config.REDIS_URL })
      .on('error', (error: unknown) => logger.warn({ err: error }, 'redis error'))
      .connect()
  : undefined;
const bus = config.NATS_URL
  ? await createNatsBus({ url: config.NATS_URL, name: 'gateway', logger })
  : undefined;
const app = createGateway({
  logger,
  tier: 'cluster',
  batch: config.CANVASS_BATCH === 'on',
  batchGatherMs: config.CANVASS_BATCH_GATHER_MS,
  metrics,
  adminToken: config.CANVASS_ADMIN_TOKEN,
  internalSecret: config.CANVASS_INTERNAL_SECRET,
  publicUrl: config.PUBLIC_URL ?? `http://localhost:${config.PORT}`,
  upstreams: {
    polls: instances('polls', config.POLLS_URL),
    analytics: instances('analytics', config.ANALYTICS_URL),
    identity: instances('identity', config.IDENTITY_URL),
    notifications: instances('notifications', config.NOTIFICATIONS_URL),
    billing: instances('billing', config.BILLING_URL),
  },
  rateLimits: createRateLimits(
    { ...defaultLimits, ...(config.CANVASS_RATE_LIMITS ? JSON.parse(config.CANVASS_RATE_LIMITS) : {}) },
    redis,
  ),
  ...(bus ? { events: bus } : {}),
  live: remoteLive(config.REALTIME_URL.split(','), tls),
  tracePeers: instances('realtime', config.REALTIME_URL),
  liveAlerts: true,
  ...(config.CANVASS_LIVE_LIMITS ? { liveLimits: JSON.parse(config.CANVASS_LIVE_LIMITS) } : {}),
  webRoot: config.CANVASS_WEB_ROOT,
});
// fastify hands listen's options to net.Server#listen, which takes reusePort (Node 23.1 and later).
await app.listen({
  port: config.PORT,
  host: config.HOST,
  ...(config.CANVASS_REUSE_PORT === 'on' ? { reusePort: true } : {}),
} as { port: number; host: string });
announceReady();
onShutdown(logger, async (signal) => {
  if (signal === 'SIGTERM') await drain(app, config.CANVASS_DRAIN_MS);
  await app.close();
  tls?.close();
  await bus?.close();
  await redis?.quit();
});
