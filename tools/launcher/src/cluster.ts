// `npm run start:cluster`: one process per service (two for realtime, to show live viewers of
// one poll served by several processes) plus the gateway, against PostgreSQL, NATS JetStream and
// Redis from the environment. Every process's log lines go to stdout and to a file of its own in
// .canvass/logs (CANVASS_LOG_DIR), which `canvass logs` reads.
import { mkdirSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigOrExit } from '@canvass/config';
import { LogLevel } from '@canvass/service-kit';
import Type from 'typebox';
import { DEFAULT_ADMIN_TOKEN_FILE, ensureAdminToken } from './admin-token.ts';
import { DEFAULT_PKI_DIR, ensurePki, PKI_PEERS } from './pki.ts';
import { provisionDatabases } from './provision.ts';
import { exitOnUnsafeSecret, readOrCreateSecret } from './secret-file.ts';
import { dataServices, realtimeService } from './services.ts';
import { type ProcessSpec, supervise } from './supervisor.ts';
import { WEB_ROOT } from './web-app.ts';

const ClusterConfig = Type.Object({
  PORT: Type.Integer({ minimum: 1, maximum: 65_000, default: 8080 }),
  HOST: Type.String({ default: '127.0.0.1' }),
  POSTGRES_URL: Type.String({
    pattern: '^postgres(ql)?://',
    default: 'postgres://postgres@127.0.0.1:5432/postgres',
  }),
  CANVASS_DB_PREFIX: Type.String({ pattern: '^[a-z][a-z0-9_]*$', default: 'canvass_' }),
  NATS_URL: Type.String({ default: 'nats://127.0.0.1:4222' }),
  REDIS_URL: Type.String({ pattern: '^rediss?://', default: 'redis://127.0.0.1:6379' }),
  LOG_LEVEL: LogLevel,
  /** Where each process's log lines also go, one file each, for `canvass logs`; default .canvass/logs. */
  CANVASS_LOG_DIR: Type.Optional(Type.String({ minLength: 1 })),
  /** A log file that would grow past this becomes <name>.log.1, replacing the one before. */
  CANVASS_LOG_MAX_BYTES: Type.Integer({ minimum: 65_536, default: 20 * 2 ** 20 }),
  CANVASS_ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  CANVASS_INTERNAL_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  /** Realtime processes; the gateway spreads live connections over them. */
  REALTIME_PROCESSES: Type.Integer({ minimum: 1, maximum: 16, default: 2 }),
  /** The gateway's rate limits, overriding the defaults, as JSON (see docs/operations.md). */
  CANVASS_RATE_LIMITS: Type.Optional(Type.String({ minLength: 2 })),
  /** Open live connections per address and per poll, as JSON (see docs/operations.md). */
  CANVASS_LIVE_LIMITS: Type.Optional(Type.String({ minLength: 2 })),
  /** Where clients reach Canvass (links in mails, the OIDC issuer); default http://localhost:<PORT>. */
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** Mutual TLS between the processes (internal CA in .canvass/pki); off where a mesh does it. */
  CANVASS_INTERNAL_TLS: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'on' }),
  /** Where notifications sends mail; without it a local mailbox keeps it (shown at /mailbox). */
  SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://' })),
  /** Notifications' test settings, passed on (see services/notifications/README.md). */
  CANVASS_WEBHOOKS_ALLOW_LOOPBACK: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
  CANVASS_WEBHOOK_RETRY_MS: Type.Optional(Type.String({ pattern: '^\\d+(,\\d+)*$' })),
  CANVASS_RESULTS_CHANGED_MS: Type.Optional(Type.String({ pattern: '^\\d+$' })),
  CANVASS_WEBHOOK_TIMEOUT_MS: Type.Optional(Type.String({ pattern: '^\\d+$' })),
  /** A real Stripe account for billing; without it the in-repo payment provider runs as one more process. */
  STRIPE_API_KEY: Type.Optional(Type.String({ pattern: '^(sk|rk)_(test|live)_' })),
  STRIPE_API_BASE: Type.Optional(Type.String({ pattern: '^https?://' })),
  STRIPE_WEBHOOK_SECRET: Type.Optional(Type.String({ pattern: '^whsec_' })),
  /** Billing's test settings, passed on (see docs/billing.md). */
  CANVASS_BILLING_PERIOD_MS: Type.Optional(Type.String({ pattern: '^\\d+$' })),
  CANVASS_DUNNING_MS: Type.Optional(Type.String({ pattern: '^\\d+(,\\d+)*$' })),
  CANVASS_PAYMENT_TIMEOUT_MS: Type.Optional(Type.String({ pattern: '^\\d+$' })),
  CANVASS_SAGA_RETRY_MS: Type.Optional(Type.String({ pattern: '^\\d+$' })),
  CANVASS_SAGA_LEASE_MS: Type.Optional(Type.String({ pattern: '^\\d+$' })),
  CANVASS_SAGA_DEADLINE_SCALE: Type.Optional(Type.String({ pattern: '^[0-9.]+$' })),
  /** Fault tests only: chaos switches passed to billing (see docs/operations.md). */
  CANVASS_CHAOS: Type.Optional(Type.String()),
});

const config = loadConfigOrExit(ClusterConfig, 'Canvass (cluster tier)');
const root = fileURLToPath(new URL('../../../', import.meta.url));
const databaseUrls = await provisionDatabases({
  adminUrl: config.POSTGRES_URL,
  prefix: config.CANVASS_DB_PREFIX,
  services: dataServices.map((service) => service.name),
});

const adminToken = await ensureAdminToken(
  config.CANVASS_ADMIN_TOKEN,
  join(root, DEFAULT_ADMIN_TOKEN_FILE),
).catch(exitOnUnsafeSecret);
// Signs the identities the gateway forwards to services, receipts and manage tokens: kept like the
// operator token (owner-only file, checked on reuse), so receipts outlive a restart.
const internalSecret =
  config.CANVASS_INTERNAL_SECRET ??
  (await readOrCreateSecret(join(root, '.canvass/internal-secret'), {
    what: 'the internal secret',
    minLength: 32,
  }).catch(exitOnUnsafeSecret));
// Mutual TLS between the processes: the internal CA and one certificate per service, reused
// while good, re-issued near their end (tools/launcher/src/pki.ts).
const pki =
  config.CANVASS_INTERNAL_TLS === 'on'
    ? await ensurePki(join(root, DEFAULT_PKI_DIR), PKI_PEERS).catch(exitOnUnsafeSecret)
    : undefined;
if (pki) {
  const issued = Object.entries(pki.services).filter(([, c]) => c.issued);
  if (pki.caIssued || issued.length > 0) {
    process.stdout.write(
      `launcher | internal TLS: ${pki.caIssued ? 'a new CA, ' : ''}issued ${issued.map(([name]) => name).join(', ') || 'nothing'} in ${DEFAULT_PKI_DIR}\n`,
    );
  }
}
const tlsEnv = (peer: string): Record<string, string> =>
  pki
    ? {
        CANVASS_TLS_CA: pki.ca,
        CANVASS_TLS_CERT: pki.services[peer]!.cert,
        CANVASS_TLS_KEY: pki.services[peer]!.key,
      }
    : {};
const publicUrl = config.PUBLIC_URL ?? `http://localhost:${config.PORT}`;
function notificationsEnv(): Record<string, string> {
  const passed = [
    'SMTP_URL',
    'CANVASS_WEBHOOKS_ALLOW_LOOPBACK',
    'CANVASS_WEBHOOK_RETRY_MS',
    'CANVASS_RESULTS_CHANGED_MS',
    'CANVASS_WEBHOOK_TIMEOUT_MS',
  ] as const;
  return Object.fromEntries(passed.flatMap((name) => (config[name] ? [[name, config[name]]] : [])));
}
// Billing charges a real Stripe account when STRIPE_API_KEY is set; otherwise the in-repo payment
// provider runs beside the services, and its webhooks come back through the gateway.
const localPayments = !config.STRIPE_API_KEY;
const PAYMENTS_OFFSET = 22;
const paymentsUrl = `http://127.0.0.1:${config.PORT + PAYMENTS_OFFSET}`;
const paymentsSecret =
  config.STRIPE_WEBHOOK_SECRET ?? `whsec_${internalSecret.replace(/[^A-Za-z0-9]/g, '').slice(0, 32)}`;
function billingEnv(): Record<string, string> {
  const passed = [
    'CANVASS_BILLING_PERIOD_MS',
    'CANVASS_DUNNING_MS',
    'CANVASS_PAYMENT_TIMEOUT_MS',
    'CANVASS_SAGA_RETRY_MS',
    'CANVASS_SAGA_LEASE_MS',
    'CANVASS_SAGA_DEADLINE_SCALE',
    'CANVASS_CHAOS',
  ] as const;
  return {
    ...Object.fromEntries(passed.flatMap((name) => (config[name] ? [[name, config[name]]] : []))),
    ...(config.STRIPE_API_KEY ? { STRIPE_API_KEY: config.STRIPE_API_KEY } : {}),
    ...(localPayments
      ? { STRIPE_API_BASE: paymentsUrl }
      : config.STRIPE_API_BASE
        ? { STRIPE_API_BASE: config.STRIPE_API_BASE }
        : {}),
    STRIPE_WEBHOOK_SECRET: paymentsSecret,
  };
}
const serviceUrl = (offset: number) => `${pki ? 'https' : 'http'}://127.0.0.1:${config.PORT + offset}`;
const specs: ProcessSpec[] = dataServices.map((service) => ({
  name: service.name,
  script: service.main,
  env: {
    PORT: String(config.PORT + service.portOffset),
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrls[service.name]!,
    NATS_URL: config.NATS_URL,
    REDIS_URL: config.REDIS_URL,
    LOG_LEVEL: config.LOG_LEVEL,
    CANVASS_ADMIN_TOKEN: adminToken,
    CANVASS_INTERNAL_SECRET: internalSecret,
    PUBLIC_URL: publicUrl,
    ...tlsEnv(service.name),
    ...(service.name === 'notifications' ? notificationsEnv() : {}),
    ...(service.name === 'billing' ? billingEnv() : {}),
  },
}));
if (localPayments) {
  specs.push({
    name: 'payment-provider',
    script: 'services/payment-provider/src/main.ts',
    env: {
      PORT: String(config.PORT + PAYMENTS_OFFSET),
      HOST: '127.0.0.1',
      LOG_LEVEL: config.LOG_LEVEL,
      WEBHOOK_URL: `http://127.0.0.1:${config.PORT}/api/v1/billing/provider-webhook`,
      WEBHOOK_SECRET: paymentsSecret,
    },
  });
}
const analyticsOffset = dataServices.find((service) => service.name === 'analytics')!.portOffset;
const realtimeUrls = Array.from({ length: config.REALTIME_PROCESSES }, (_, i) =>
  serviceUrl(realtimeService.portOffset + i),
);
realtimeUrls.forEach((url, i) => {
  specs.push({
    name: `realtime-${i + 1}`,
    script: realtimeService.main,
    env: {
      PORT: new URL(url).port,
      HOST: '127.0.0.1',
      NATS_URL: config.NATS_URL,
      REDIS_URL: config.REDIS_URL,
      ANALYTICS_URL: serviceUrl(analyticsOffset),
      LOG_LEVEL: config.LOG_LEVEL,
      CANVASS_INTERNAL_SECRET: internalSecret,
      ...tlsEnv('realtime'),
    },
  });
});
specs.push({
  name: 'gateway',
  script: 'services/gateway/src/main.ts',
  env: {
    PORT: String(config.PORT),
    HOST: config.HOST,
    LOG_LEVEL: config.LOG_LEVEL,
    CANVASS_ADMIN_TOKEN: adminToken,
    CANVASS_INTERNAL_SECRET: internalSecret,
    PUBLIC_URL: publicUrl,
    REDIS_URL: config.REDIS_URL,
    NATS_URL: config.NATS_URL,
    ...(config.CANVASS_RATE_LIMITS ? { CANVASS_RATE_LIMITS: config.CANVASS_RATE_LIMITS } : {}),
    ...(config.CANVASS_LIVE_LIMITS ? { CANVASS_LIVE_LIMITS: config.CANVASS_LIVE_LIMITS } : {}),
    ...Object.fromEntries(dataServices.map((s) => [`${s.name.toUpperCase()}_URL`, serviceUrl(s.portOffset)])),
    REALTIME_URL: realtimeUrls.join(','),
    CANVASS_WEB_ROOT: WEB_ROOT,
    ...tlsEnv('gateway'),
  },
});

const logDir = resolve(config.CANVASS_LOG_DIR ?? join(root, '.canvass/logs'));
try {
  mkdirSync(logDir, { recursive: true, mode: 0o700 });
} catch (error) {
  process.stderr.write(
    `Canvass (cluster tier): cannot make the log folder ${logDir} (${(error as Error).message}); set CANVASS_LOG_DIR to another\n`,
  );
  process.exit(1);
}
const supervisor = supervise(specs, root, { dir: logDir, maxBytes: config.CANVASS_LOG_MAX_BYTES });
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    supervisor.log('stopping every process');
    void supervisor.stop().then(() => process.exit(0));
  });
}

// Say where to go once every process answers ready.
const urls = [
  `http://127.0.0.1:${config.PORT}`,
  ...(localPayments ? [paymentsUrl] : []),
  ...dataServices.map((s) => serviceUrl(s.portOffset)),
  ...realtimeUrls,
];
// /readyz needs no client certificate; over TLS the launcher checks the service's against the CA.
const ca = pki ? readFileSync(pki.ca) : undefined;
const isReady = (url: string): Promise<boolean> =>
  url.startsWith('https:')
    ? new Promise((resolve) => {
        request(`${url}/readyz`, { ca, timeout: 2_000 }, (response) => {
          response.resume();
          resolve(response.statusCode === 200);
        })
          .on('error', () => resolve(false))
          .on('timeout', function (this: { destroy(): void }) {
            this.destroy();
          })
          .end();
      })
    : fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
const started = Date.now();
while (!stopping) {
  const ready = await Promise.all(urls.map(isReady));
  if (ready.every(Boolean)) {
    const host = config.HOST === '0.0.0.0' || config.HOST === '127.0.0.1' ? 'localhost' : config.HOST;
    supervisor.log(
      `Canvass cluster tier is ready in ${((Date.now() - started) / 1000).toFixed(1)} s: open http://${host}:${config.PORT}/ (Ctrl-C stops everything)`,
    );
    supervisor.log(
      `operators: http://${host}:${config.PORT}/ops with the operator token (CANVASS_ADMIN_TOKEN, or .canvass/admin-token); logs: npx canvass logs -f`,
    );
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, 250));
}
