// `npm run start:cluster`: one process per service (two for realtime, to show live viewers of
// one poll served by several processes) plus the gateway, against PostgreSQL, NATS JetStream and
// Redis from the environment; `-- --replicas polls=2,gateway=2` (or CANVASS_REPLICAS) runs more
// processes of a service (replicas.ts). Every process's log lines go to stdout and to a file of its
// own in .canvass/logs (CANVASS_LOG_DIR), which `canvass logs` reads. SIGHUP restarts every
// process, one at a time, each draining first and the next waiting until it is ready: a rolling
// restart, with nothing refused where a service has two or more processes.
import { mkdirSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '@canvass/config';
import { LogLevel } from '@canvass/service-kit';
import Type from 'typebox';
import { DEFAULT_ADMIN_TOKEN_FILE, ensureAdminToken } from './admin-token.ts';
import { DEFAULT_PKI_DIR, ensurePki, PKI_PEERS } from './pki.ts';
import { provisionDatabases } from './provision.ts';
import { type PlannedProcess, parseReplicas, planProcesses, type Scalable } from './replicas.ts';
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
  /** Processes per service, e.g. gateway=2,polls=2,analytics=2 (the --replicas flag wins). */
  CANVASS_REPLICAS: Type.String({ default: '' }),
  /** How long a process drains when restarted (SIGHUP) before it stops listening. */
  CANVASS_DRAIN_MS: Type.Optional(Type.Integer({ minimum: 0, maximum: 120_000 })),
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
  /** This deployment's region and its peers, passed to every service (docs/regions.md). */
  CANVASS_REGION: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9]{0,15}$' })),
  CANVASS_PEER_REGIONS: Type.Optional(Type.String({ pattern: '^[a-z0-9,]*$' })),
  /** Fault tests only: chaos switches passed to billing (see docs/operations.md). */
  CANVASS_CHAOS: Type.Optional(Type.String()),
});

const config = loadConfigOrExit(ClusterConfig, 'Canvass (cluster tier)');
const args = (() => {
  try {
    return parseArgs({ options: { replicas: { type: 'string' } } }).values;
  } catch (error) {
    process.stderr.write(
      `Canvass (cluster tier): ${(error as Error).message}\n  usage: npm run start:cluster -- [--replicas polls=2,gateway=2]\n`,
    );
    process.exit(1);
  }
})();
const planned: PlannedProcess[] = (() => {
  const defaults: Record<Scalable, number> = {
    gateway: 1,
    polls: 1,
    analytics: 1,
    identity: 1,
    notifications: 1,
    billing: 1,
    realtime: config.REALTIME_PROCESSES,
  };
  try {
    const counts = parseReplicas(args.replicas ?? config.CANVASS_REPLICAS, defaults);
    const offsets = Object.fromEntries([
      ...dataServices.map((service) => [service.name, service.portOffset]),
      ['realtime', realtimeService.portOffset],
    ]) as Record<Exclude<Scalable, 'gateway'>, number>;
    return planProcesses(counts, offsets);
  } catch (error) {
    process.stderr.write(`Canvass (cluster tier): ${(error as Error).message}\n`);
    process.exit(1);
  }
})();
const processesOf = (service: Scalable) => planned.filter((p) => p.service === service);
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
const urlsOf = (service: Scalable) => processesOf(service).map((p) => serviceUrl(p.portOffset));
const drainEnv: Record<string, string> =
  config.CANVASS_DRAIN_MS !== undefined ? { CANVASS_DRAIN_MS: String(config.CANVASS_DRAIN_MS) } : {};
const regionEnv: Record<string, string> = Object.fromEntries(
  (['CANVASS_REGION', 'CANVASS_PEER_REGIONS'] as const).flatMap((name) =>
    config[name] ? [[name, config[name]]] : [],
  ),
);
const specs: ProcessSpec[] = dataServices.flatMap((service) =>
  processesOf(service.name as Scalable).map((replica) => ({
    name: replica.name,
    script: service.main,
    env: {
      PORT: String(config.PORT + replica.portOffset),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrls[service.name]!,
      NATS_URL: config.NATS_URL,
      REDIS_URL: config.REDIS_URL,
      LOG_LEVEL: config.LOG_LEVEL,
      CANVASS_ADMIN_TOKEN: adminToken,
      CANVASS_INTERNAL_SECRET: internalSecret,
      PUBLIC_URL: publicUrl,
      ...drainEnv,
      ...regionEnv,
      ...tlsEnv(service.name),
      ...(service.name === 'notifications' ? notificationsEnv() : {}),
      ...(service.name === 'billing' ? billingEnv() : {}),
    },
  })),
);
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
const realtimeUrls = urlsOf('realtime');
for (const replica of processesOf('realtime')) {
  specs.push({
    name: replica.name,
    script: realtimeService.main,
    env: {
      PORT: String(config.PORT + replica.portOffset),
      HOST: '127.0.0.1',
      NATS_URL: config.NATS_URL,
      REDIS_URL: config.REDIS_URL,
      // One analytics process answers a realtime process's access checks (any of them would do).
      ANALYTICS_URL: urlsOf('analytics')[0]!,
      // And one polls process answers its events' stage checks (docs/events.md).
      POLLS_URL: urlsOf('polls')[0]!,
      LOG_LEVEL: config.LOG_LEVEL,
      CANVASS_INTERNAL_SECRET: internalSecret,
      ...drainEnv,
      ...tlsEnv('realtime'),
    },
  });
}
const gateways = processesOf('gateway');
for (const gateway of gateways) {
  specs.push({
    name: gateway.name,
    script: 'services/gateway/src/main.ts',
    env: {
      PORT: String(config.PORT),
      HOST: config.HOST,
      // Several gateways share the public port; the kernel spreads connections over them.
      ...(gateways.length > 1 ? { CANVASS_REUSE_PORT: 'on' } : {}),
      LOG_LEVEL: config.LOG_LEVEL,
      CANVASS_ADMIN_TOKEN: adminToken,
      CANVASS_INTERNAL_SECRET: internalSecret,
      PUBLIC_URL: publicUrl,
      REDIS_URL: config.REDIS_URL,
      NATS_URL: config.NATS_URL,
      ...drainEnv,
      ...(config.CANVASS_RATE_LIMITS ? { CANVASS_RATE_LIMITS: config.CANVASS_RATE_LIMITS } : {}),
      ...(config.CANVASS_LIVE_LIMITS ? { CANVASS_LIVE_LIMITS: config.CANVASS_LIVE_LIMITS } : {}),
      ...Object.fromEntries(
        dataServices.map((s) => [`${s.name.toUpperCase()}_URL`, urlsOf(s.name as Scalable).join(',')]),
      ),
      REALTIME_URL: realtimeUrls.join(','),
      CANVASS_WEB_ROOT: WEB_ROOT,
      ...tlsEnv('gateway'),
    },
  });
}

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
  ...planned.filter((p) => p.service !== 'gateway').map((p) => serviceUrl(p.portOffset)),
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
    const scaled = [...new Set(planned.map((p) => p.service))]
      .map((service) => `${service} ×${processesOf(service).length}`)
      .join(', ');
    supervisor.log(`processes: ${scaled}; a rolling restart: kill -HUP ${process.pid}`);
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, 250));
}

// SIGHUP: a rolling restart of every process but the payment stub, in the order the platform
// starts them, one at a time: the next begins once the new process says it is ready.
let rolling = false;
process.on('SIGHUP', () => {
  if (stopping || rolling) {
    supervisor.log(rolling ? 'a rolling restart is already under way' : 'stopping; no restart');
    return;
  }
  rolling = true;
  void (async () => {
    const names = specs.map((spec) => spec.name).filter((name) => name !== 'payment-provider');
    const single = [...new Set(planned.map((p) => p.service))].filter((s) => processesOf(s).length === 1);
    supervisor.log(
      `rolling restart of ${names.length} processes, one at a time (pid ${process.pid})` +
        (single.length > 0 ? `; ${single.join(', ')} run one process, so theirs is a short outage` : ''),
    );
    const began = Date.now();
    try {
      for (const [i, name] of names.entries()) {
        if (stopping) return;
        const at = Date.now();
        await supervisor.restart(name);
        supervisor.log(
          `rolling restart: ${name} ready again in ${((Date.now() - at) / 1000).toFixed(1)} s (${i + 1}/${names.length})`,
        );
      }
      supervisor.log(`rolling restart done in ${((Date.now() - began) / 1000).toFixed(1)} s`);
    } catch (error) {
      supervisor.log(`rolling restart stopped: ${(error as Error).message}`, 50);
    } finally {
      rolling = false;
    }
  })();
});
