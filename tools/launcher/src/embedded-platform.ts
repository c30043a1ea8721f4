// The embedded tier: every service in this process, sharing one PGlite (a schema each) and an
// in-process event bus; the gateway reaches them by injection instead of HTTP.
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type BillingOptions, stripeProvider } from '@canvass/billing';
import { PgliteHost } from '@canvass/database';
import { createInProcessBus, type InProcessBus, subjectFor, subjectMatches } from '@canvass/eventing';
import {
  createGateway,
  createRateLimits,
  defaultLimits,
  type GatewayLimits,
  injectUpstream,
  inProcessLive,
  type LiveLimits,
  type Upstream,
} from '@canvass/gateway';
import { type MailTransport, memoryTransport, type NotificationsOptions } from '@canvass/notifications';
import {
  createPaymentProvider,
  type PaymentProvider as LocalPaymentProvider,
} from '@canvass/payment-provider';
import type { RealtimeService } from '@canvass/realtime';
import { createLogger, createServiceRuntime, type Logger, type ServiceRuntime } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { startEmbeddedRealtime } from './embedded-realtime.ts';
import { readOrCreateSecret } from './secret-file.ts';
import { dataServices } from './services.ts';

export interface EmbeddedPlatform {
  gateway: FastifyInstance;
  runtimes: readonly ServiceRuntime[];
  /** Live results; its app is not listening (the gateway hands it live connections). */
  realtime: RealtimeService;
  host: PgliteHost;
  bus: InProcessBus;
  logger: Logger;
  /** Signs identities forwarded by the gateway (tests use it to act as a signed-in user). */
  internalSecret: string;
  /** The in-repo payment provider billing charges, when no other was given (its control API: faults, ledger). */
  payments: LocalPaymentProvider | undefined;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Overrides of the gateway's default rate limits (CANVASS_RATE_LIMITS). */
  rateLimits?: Partial<GatewayLimits>;
  /**
   * Live connections: open ones per address and per poll (the gateway's, CANVASS_LIVE_LIMITS), and
   * how long a viewer may stop reading before it is cut off (realtime's `stallMs`).
   */
  liveLimits?: Partial<LiveLimits & { stallMs: number }>;
  /** A folder to keep data in, or `memory://` for nothing kept. */
  dataDir: string;
  logLevel?: string;
  /** Operator token for /admin/v1 (the CLI's); without one the operator API answers 403. */
  adminToken?: string;
  /** Where mails go (default: kept in memory and dropped). */
  mail?: MailTransport;
  /** Notifications' other settings: the local mailbox to serve, webhook test settings. */
  notifications?: Partial<NotificationsOptions>;
  publicUrl?: string;
  /** How long the gateway trusts a verified API key (default 5 s). */
  apiKeyCacheMs?: number;
  /** The built web app the gateway serves (web/dist); without it `/` is a plain page. */
  webRoot?: string;
  /**
   * Billing's settings. Without a provider, the in-repo payment provider runs in this process
   * (services/payment-provider), sending its webhooks to `paymentWebhookUrl` if given.
   */
  billing?: Partial<BillingOptions>;
  paymentWebhookUrl?: string;
}

export async function startEmbeddedPlatform(options: EmbeddedOptions): Promise<EmbeddedPlatform> {
  const logger = createLogger('canvass', options.logLevel ?? 'warn');
  if (!options.dataDir.startsWith('memory://')) await mkdir(options.dataDir, { recursive: true });
  const host = new PgliteHost(options.dataDir);
  let internalSecret: string;
  try {
    internalSecret = await internalSecretFor(options.dataDir, host);
  } catch (error) {
    await host.close();
    throw error;
  }
  const bus = createInProcessBus();
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });

  // Billing charges the in-repo provider unless told otherwise: the same Stripe adapter as in
  // production, over HTTP to 127.0.0.1, so nothing leaves the machine.
  const webhookSecret = `whsec_${randomBytes(24).toString('base64url')}`;
  const payments = options.billing?.provider
    ? undefined
    : await createPaymentProvider(
        options.paymentWebhookUrl
          ? { webhook: { url: options.paymentWebhookUrl, secret: webhookSecret } }
          : {},
      );
  const settings = {
    publicUrl: options.publicUrl ?? 'http://localhost:8080',
    internalSecret,
    mail: options.mail ?? memoryTransport(),
    ...(options.notifications ? { notifications: options.notifications } : {}),
    billing: {
      ...options.billing,
      provider:
        options.billing?.provider ??
        stripeProvider({ apiKey: 'sk_test_canvass_embedded', apiBase: payments!.url, webhookSecret }),
    },
  };
  const runtimes: ServiceRuntime[] = [];
  for (const service of dataServices) {
    runtimes.push(
      await createServiceRuntime({
        name: service.name,
        create: service.create(settings),
        db: host.database(service.name),
        bus,
        logger: logger.child({ service: service.name }),
        metrics,
        adminToken: options.adminToken,
        internalSecret,
      }),
    );
  }
  // Every consumer subscribes before any outbox is relayed: the in-process bus keeps no backlog.
  for (const runtime of runtimes) await runtime.prepare();
  const { stallMs, ...connectionLimits } = options.liveLimits ?? {};
  const realtime = await startEmbeddedRealtime({
    bus,
    logger: logger.child({ service: 'realtime' }),
    metrics,
    internalSecret,
    analytics: runtimes.find((runtime) => runtime.name === 'analytics')!.app,
    polls: runtimes.find((runtime) => runtime.name === 'polls')!.app,
    ...(stallMs !== undefined ? { limits: { stallMs } } : {}),
  });
  for (const runtime of runtimes) runtime.startRelay();

  const upstreams: Record<string, Upstream> = {};
  for (const runtime of runtimes) upstreams[runtime.name] = injectUpstream(runtime.name, runtime.app);
  const gateway = createGateway({
    logger: logger.child({ service: 'gateway' }),
    tier: 'embedded',
    upstreams,
    metrics,
    liveAlerts: true,
    adminToken: options.adminToken,
    internalSecret,
    publicUrl: settings.publicUrl,
    webRoot: options.webRoot,
    ...(options.apiKeyCacheMs !== undefined ? { apiKeyCacheMs: options.apiKeyCacheMs } : {}),
    adminRoutes: (admin) => tailRoute(admin, bus),
    resultsUpdates: bus,
    rateLimits: createRateLimits({ ...defaultLimits, ...options.rateLimits }),
    live: inProcessLive(realtime.app),
    liveLimits: connectionLimits,
    readiness: [...runtimes, { name: 'realtime', app: realtime.app }].map((runtime) => ({
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
    realtime,
    host,
    bus,
    logger,
    internalSecret,
    payments,
    async stop() {
      // Live viewers first (WebSocket 1001, going away), or the gateway would wait on them.
      await realtime.stop();
      await gateway.close();
      await realtime.app.close();
      for (const runtime of runtimes) await runtime.stopHttp();
      // Relays flush while consumers still listen, so every committed event is consumed.
      for (const runtime of runtimes) await runtime.flushOutbox();
      for (const runtime of runtimes) await runtime.stopConsumers();
      await bus.close();
      await host.close();
      await payments?.close();
    },
  };
}

/** The internal secret's file in an embedded data folder. */
export const INTERNAL_SECRET_FILE = 'canvass-internal-secret';

/**
 * The secret that signs forwarded identities, receipts and manage tokens. It is never sent
 * anywhere (one process), but it must outlive a restart, or receipts and manage tokens issued
 * before it stop unlocking results: it is kept in the data folder, readable by its owner only and
 * checked on reuse (secret-file.ts). Written once PGlite has opened the folder (initdb wants an
 * empty one). `memory://` data keeps it in memory, as it keeps everything else.
 */
async function internalSecretFor(dataDir: string, host: PgliteHost): Promise<string> {
  if (dataDir.startsWith('memory://')) return randomBytes(32).toString('base64url');
  await host.pg.waitReady;
  return readOrCreateSecret(join(dataDir, INTERNAL_SECRET_FILE), {
    what: 'the internal secret',
    minLength: 32,
  });
}

/** `canvass events tail` in the embedded tier: every published event matching a subject pattern, as SSE. */
function tailRoute(admin: FastifyInstance, bus: InProcessBus): void {
  admin.get<{ Querystring: { subject?: string } }>('/admin/v1/events/tail', (request, reply) => {
    const pattern = request.query.subject || '>';
    reply.hijack();
    // A quiet tail sends nothing for minutes: exempt it from the idle timeout (service-kit).
    request.raw.socket?.setTimeout(0);
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    reply.raw.write(': tailing\n\n');
    const stop = bus.tap((event) => {
      const subject = subjectFor(event);
      if (subjectMatches(pattern, subject))
        reply.raw.write(`data: ${JSON.stringify({ subject, event })}\n\n`);
    });
    request.raw.on('close', stop);
  });
}
