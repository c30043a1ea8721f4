// The embedded tier: every service in this process, sharing one PGlite (a schema each) and an
// in-process event bus; the gateway reaches them by injection instead of HTTP.
import { mkdir } from 'node:fs/promises';
import { PgliteHost } from '@canvass/database';
import { createInProcessBus, type EventBus } from '@canvass/eventing';
import { createGateway, injectUpstream, type Upstream } from '@canvass/gateway';
import { createLogger, createServiceRuntime, type Logger, type ServiceRuntime } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { dataServices } from './services.ts';

export interface EmbeddedPlatform {
  gateway: FastifyInstance;
  runtimes: readonly ServiceRuntime[];
  host: PgliteHost;
  bus: EventBus;
  logger: Logger;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** A folder to keep data in, or `memory://` for nothing kept. */
  dataDir: string;
  logLevel?: string;
}

export async function startEmbeddedPlatform(options: EmbeddedOptions): Promise<EmbeddedPlatform> {
  const logger = createLogger('canvass', options.logLevel ?? 'warn');
  if (!options.dataDir.startsWith('memory://')) await mkdir(options.dataDir, { recursive: true });
  const host = new PgliteHost(options.dataDir);
  const bus = createInProcessBus();
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });

  const runtimes: ServiceRuntime[] = [];
  for (const service of dataServices) {
    runtimes.push(
      await createServiceRuntime({
        name: service.name,
        create: service.create,
        db: host.database(service.name),
        bus,
        logger: logger.child({ service: service.name }),
        metrics,
      }),
    );
  }
  // Every consumer subscribes before any outbox is relayed: the in-process bus keeps no backlog.
  for (const runtime of runtimes) await runtime.prepare();
  for (const runtime of runtimes) runtime.startRelay();

  const upstreams: Record<string, Upstream> = {};
  for (const runtime of runtimes) upstreams[runtime.name] = injectUpstream(runtime.name, runtime.app);
  const gateway = createGateway({
    logger: logger.child({ service: 'gateway' }),
    tier: 'embedded',
    upstreams,
    metrics,
    readiness: runtimes.map((runtime) => ({
      name: runtime.name,
      async check() {
        const response = await runtime.app.inject({ method: 'GET', url: '/readyz' });
        if (response.statusCode !== 200) throw new Error(response.json().detail);
      },
    })),
  });
  await gateway.ready();

  return {
    gateway,
    runtimes,
    host,
    bus,
    logger,
    async stop() {
      await gateway.close();
      for (const runtime of runtimes) await runtime.stopHttp();
      // Relays flush while consumers still listen, so every committed event is consumed.
      for (const runtime of runtimes) await runtime.flushOutbox();
      for (const runtime of runtimes) await runtime.stopConsumers();
      await bus.close();
      await host.close();
    },
  };
}
