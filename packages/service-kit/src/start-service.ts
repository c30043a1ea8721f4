// The bootstrap every cluster-tier service's main.ts calls: config, adapters, listen, shut down.
import { loadConfigOrExit } from '@canvass/config';
import { createPostgresDatabase } from '@canvass/database';
import { createNatsBus } from '@canvass/eventing-nats';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { ServiceConfig } from './config.ts';
import { announceReady, drain } from './drain.ts';
import { internalTlsFromConfig } from './internal-tls.ts';
import { createLogger } from './logger.ts';
import { createServiceRuntime, type RuntimeOptions } from './runtime.ts';
import { onShutdown } from './shutdown.ts';

export async function startService(options: Pick<RuntimeOptions, 'name' | 'create'>): Promise<void> {
  const config = loadConfigOrExit(ServiceConfig, options.name);
  const logger = createLogger(options.name, config.LOG_LEVEL);
  const db = createPostgresDatabase({
    url: config.DATABASE_URL,
    schema: options.name,
    poolSize: config.DATABASE_POOL_SIZE,
    idleSeconds: config.DATABASE_POOL_IDLE_SECONDS,
  });
  const region = config.CANVASS_REGION
    ? {
        name: config.CANVASS_REGION,
        peers: config.CANVASS_PEER_REGIONS.split(',').filter(
          (peer) => peer && peer !== config.CANVASS_REGION,
        ),
      }
    : undefined;
  const bus = await createNatsBus({
    url: config.NATS_URL,
    name: options.name,
    logger,
    runs: config.CANVASS_EVENT_RUNS === 'on',
    ...(region ? { region } : {}),
  });
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const chaos = config.CANVASS_CHAOS.split(',').filter(Boolean);
  if (chaos.length > 0) logger.warn({ chaos }, 'chaos switches are on');
  const tls = internalTlsFromConfig(config, (error) =>
    logger.warn({ err: error }, 'could not reload the TLS files; keeping the current ones'),
  );
  const runtime = await createServiceRuntime({
    ...options,
    ...(tls ? { tls } : {}),
    db,
    bus,
    logger,
    metrics,
    adminToken: config.CANVASS_ADMIN_TOKEN,
    internalSecret: config.CANVASS_INTERNAL_SECRET,
    chaos,
    region,
  });
  await runtime.app.listen({ port: config.PORT, host: config.HOST });
  onShutdown(logger, async (signal) => {
    if (signal === 'SIGTERM') await drain(runtime.app, config.CANVASS_DRAIN_MS);
    await runtime.stopHttp();
    await runtime.flushOutbox();
    await runtime.stopConsumers();
    await bus.close();
    await db.close();
  });
  await runtime.prepare({ retry: true });
  runtime.startRelay();
  logger.info({ port: config.PORT }, 'ready');
  announceReady();
}
