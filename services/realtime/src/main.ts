// A realtime process of the cluster tier: NATS for updates, analytics over HTTP for access,
// Redis (when set) for viewer counts shared with the other realtime processes.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { loadConfigOrExit } from '@canvass/config';
import { createNatsBus } from '@canvass/eventing-nats';
import { announceReady, createLogger, drain, internalTlsFromConfig, onShutdown } from '@canvass/service-kit';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createClient } from 'redis';
import { RealtimeConfig } from './config.ts';
import { httpResultsClient } from './results-client.ts';
import { createRealtimeService } from './service.ts';
import { redisViewerCounts } from './viewers/redis-viewer-counts.ts';

const config = loadConfigOrExit(RealtimeConfig, 'realtime');
const logger = createLogger('realtime', config.LOG_LEVEL);
const instanceId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 6)}`.replace(/[^\w-]/g, '_');
const metrics = new Registry();
collectDefaultMetrics({ register: metrics });
const tls = internalTlsFromConfig(config, (error) =>
  logger.warn({ err: error }, 'could not reload the TLS files; keeping the current ones'),
);
const bus = await createNatsBus({ url: config.NATS_URL, name: 'realtime', logger });
// Counts degrade to this process's own while Redis is away; the client reconnects by itself.
const redis = config.REDIS_URL
  ? await createClient({ url: config.REDIS_URL })
      .on('error', () => {})
      .connect()
  : undefined;
const realtime = createRealtimeService({
  bus,
  logger,
  metrics,
  instanceId,
  internalSecret: config.CANVASS_INTERNAL_SECRET,
  adminToken: config.CANVASS_ADMIN_TOKEN,
  fetchResults: httpResultsClient(config.ANALYTICS_URL, { tls }),
  fetchStage: httpResultsClient(config.POLLS_URL, {
    tls,
    path: (eventId) => `/api/v1/events/${encodeURIComponent(eventId)}/stage`,
  }),
  fetchQuestions: httpResultsClient(config.POLLS_URL, {
    tls,
    path: (eventId) => `/api/v1/events/${encodeURIComponent(eventId)}/questions`,
  }),
  ...(tls ? { tls } : {}),
  ...(redis ? { viewerCounts: redisViewerCounts(redis, instanceId) } : {}),
});
await realtime.start();
await realtime.app.listen({ port: config.PORT, host: config.HOST });
onShutdown(logger, async (signal) => {
  if (signal === 'SIGTERM') await drain(realtime.app, config.CANVASS_DRAIN_MS);
  // Viewers first, with 1001 (going away), so their clients reconnect to another process.
  await realtime.stop();
  await realtime.app.close();
  await bus.close();
  await redis?.close();
});
logger.info({ port: config.PORT, instanceId }, 'ready');
announceReady();
