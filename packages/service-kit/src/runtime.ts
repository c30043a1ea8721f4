// A service's life around its module: migrate, consume, relay its outbox, serve HTTP, and stop in
// an order that loses nothing. The same runtime runs alone (cluster tier, see start-service.ts)
// or beside the others in one process (embedded tier).
import { fileURLToPath } from 'node:url';
import type { Database, Migration } from '@canvass/database';
import { loadMigrations, migrate } from '@canvass/database';
import {
  type Consumer,
  type ConsumerSpec,
  createConsumer,
  createOutbox,
  createRelay,
  type EventBus,
  type EventLog,
  eventingMigrations,
  type Outbox,
  outboxLog,
  type Relay,
} from '@canvass/eventing';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import { adminRoutes } from './admin.ts';
import { buildServiceApp } from './app.ts';
import { registerEventingMetrics } from './eventing-metrics.ts';
import type { InternalTls } from './internal-tls.ts';
import type { Logger } from './logger.ts';
import type { OpenApiOptions } from './openapi.ts';
import { telemetryRoutes } from './telemetry-routes.ts';

export interface ServiceContext {
  db: Database;
  outbox: Outbox;
  /** For what must not wait for a transaction: superseding notifications (results snapshots). */
  bus: EventBus;
  logger: Logger;
  /** Verifies the identity the gateway forwards (see identity.ts); undefined: nobody is signed in. */
  internalSecret?: string | undefined;
  /** The registry /metrics serves; a service adds its own metrics to it. */
  metrics: Registry;
  /** This deployment's region and the regions it exchanges polls and counters with (docs/regions.md). */
  region?: RegionConfig | undefined;
}

export interface RegionConfig {
  name: string;
  peers: readonly string[];
}

/** What a service's factory (`createPollsService(deps)`) returns. */
export interface ServiceModule {
  name: string;
  /** Folder of the service's `*.sql` migrations. */
  migrationsDir: URL;
  routes(app: FastifyInstance): void | Promise<void>;
  /** Service-specific operator routes under /admin/v1, behind the operator token. */
  adminRoutes?(app: FastifyInstance, consumers: ReadonlyMap<string, Consumer>): void | Promise<void>;
  consumers?: readonly ConsumerSpec[];
  /**
   * The ordered log its relay publishes (default: the outbox). Polls relays its poll streams,
   * which are its outbox: each event is written once.
   */
  eventLog?: EventLog;
  /** How its public routes are described in OpenAPI (tags, credentials). */
  openapi?: OpenApiOptions;
  /** Background work (schedulers, batchers): started with the relay, stopped before HTTP closes. */
  background?: { start(): void; stop(): Promise<void> };
}

export interface RuntimeOptions {
  name: string;
  db: Database;
  bus: EventBus;
  logger: Logger;
  metrics?: Registry;
  /** Operator token for /admin/v1; without one the operator API answers 403. */
  adminToken?: string | undefined;
  internalSecret?: string | undefined;
  /** Chaos switches, for fault tests only (see docs/operations.md). */
  chaos?: readonly string[];
  /** Mutual TLS between services (cluster tier). */
  tls?: InternalTls;
  region?: RegionConfig | undefined;
  create(context: ServiceContext): ServiceModule;
}

export interface ServiceRuntime {
  readonly name: string;
  readonly app: FastifyInstance;
  readonly relay: Relay;
  readonly consumers: ReadonlyMap<string, Consumer>;
  /** Applies migrations (retrying while the database is unreachable) and starts the consumers. */
  prepare(options?: { retry?: boolean }): Promise<void>;
  /** Starts publishing the outbox; call once every consumer in the process is subscribed. */
  startRelay(): void;
  stopHttp(): Promise<void>;
  /** Publishes what is pending, stops the relay and hands its partitions over. */
  flushOutbox(): Promise<void>;
  stopConsumers(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function createServiceRuntime(options: RuntimeOptions): Promise<ServiceRuntime> {
  const { db, bus, logger } = options;
  const chaos = new Set(options.chaos ?? []);
  const outbox = createOutbox(db);
  const metrics = options.metrics ?? new Registry();
  const module = options.create({
    db,
    outbox,
    bus,
    logger,
    internalSecret: options.internalSecret,
    metrics,
    region: options.region,
  });
  const relay = createRelay({
    db,
    bus,
    logger,
    log: module.eventLog ?? outboxLog(),
    service: options.name,
    ...(chaos.has('outbox-crash-after-publish')
      ? { afterPublish: () => process.kill(process.pid, 'SIGKILL') }
      : {}),
  });
  const consumers = new Map<string, Consumer>();
  const afterCommit = chaos.has('consumer-crash-after-commit')
    ? () => process.kill(process.pid, 'SIGKILL')
    : undefined;
  for (const spec of module.consumers ?? []) {
    consumers.set(
      spec.name,
      createConsumer(spec, { db, logger, service: options.name, ...(afterCommit ? { afterCommit } : {}) }),
    );
  }
  let migrated = false;
  let pruneTimer: NodeJS.Timeout | undefined;
  registerEventingMetrics(metrics, {
    service: options.name,
    db,
    relay,
    bus,
    consumers: [...consumers.keys()],
  });
  const app = buildServiceApp({
    name: options.name,
    logger,
    metrics,
    ...(options.tls ? { tls: options.tls } : {}),
    ...(module.openapi ? { openapi: module.openapi } : {}),
    readiness: [
      { name: 'database', check: () => db.ping() },
      {
        name: 'migrations',
        check: () => {
          if (!migrated) throw new Error('not applied yet');
        },
      },
      {
        name: 'broker',
        check: () => {
          if (!bus.isConnected()) throw new Error('not connected');
        },
      },
    ],
  });
  await app.register(async (scope) => module.routes(scope));
  await app.register(async (scope) => {
    adminRoutes(scope, { service: options.name, db, relay, bus, consumers, token: options.adminToken });
    telemetryRoutes(scope, options.name);
    await module.adminRoutes?.(scope, consumers);
  });

  async function applyMigrations(retry: boolean): Promise<void> {
    const migrations: Migration[] = [
      ...eventingMigrations,
      ...(await loadMigrations(fileURLToPath(module.migrationsDir))),
    ];
    for (let attempt = 1; ; attempt++) {
      try {
        const applied = await migrate(db, migrations);
        if (applied.length > 0) logger.info({ applied }, 'migrations applied');
        migrated = true;
        return;
      } catch (error) {
        if (!retry) throw error;
        const delay = Math.min(5_000, 250 * 2 ** attempt);
        logger.warn({ err: error, attempt, retryInMs: delay }, 'cannot migrate yet; retrying');
        await sleep(delay);
      }
    }
  }

  return {
    name: options.name,
    app,
    relay,
    consumers,
    async prepare(prepareOptions) {
      await applyMigrations(prepareOptions?.retry ?? false);
      for (const consumer of consumers.values()) await consumer.subscribe(bus);
    },
    startRelay() {
      relay.start();
      module.background?.start();
      // Inbox rows only guard against redeliveries, which cannot come once JetStream has dropped
      // the event (7 days): prune them a day after that.
      pruneTimer ??= setInterval(() => {
        sql`delete from inbox where processed_at < now() - interval '8 days'`
          .execute(db.kysely)
          .catch((error: unknown) => logger.warn({ err: error }, 'inbox pruning failed'));
      }, 3_600_000);
      pruneTimer.unref();
    },
    async stopHttp() {
      clearInterval(pruneTimer);
      await app.close();
      await module.background?.stop();
    },
    flushOutbox: () => relay.stop(),
    async stopConsumers() {
      await Promise.all([...consumers.values()].map((consumer) => consumer.pause()));
    },
  };
}
