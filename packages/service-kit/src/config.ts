import { DEFAULT_POOL_IDLE_SECONDS } from '@canvass/database';
import Type from 'typebox';
import { DrainConfig } from './drain.ts';

const LogLevel = Type.Union(
  ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
  {
    default: 'info',
  },
);

/** Mutual TLS between services: the internal CA and this process's certificate and key (files). */
export const InternalTlsConfig = {
  CANVASS_TLS_CA: Type.Optional(Type.String({ minLength: 1 })),
  CANVASS_TLS_CERT: Type.Optional(Type.String({ minLength: 1 })),
  CANVASS_TLS_KEY: Type.Optional(Type.String({ minLength: 1 })),
};

/** What every service process of the cluster tier reads from its environment. */
export const ServiceConfig = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535 }),
  HOST: Type.String({ default: '127.0.0.1' }),
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://' }),
  DATABASE_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
  /** How long an idle database connection is kept open (database/postgres.ts says why minutes). */
  DATABASE_POOL_IDLE_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 86_400,
    default: DEFAULT_POOL_IDLE_SECONDS,
  }),
  NATS_URL: Type.String({ pattern: '^(nats|tls)://', default: 'nats://127.0.0.1:4222' }),
  LOG_LEVEL: LogLevel,
  CANVASS_ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  CANVASS_INTERNAL_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  /**
   * `off`: publish an ordered log's events one per NATS message, not in runs. Only while upgrading
   * from a release before runs, whose subscribers cannot read them (docs/operations.md).
   */
  CANVASS_EVENT_RUNS: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'on' }),
  /** Comma-separated fault switches for chaos tests, e.g. outbox-crash-after-publish. */
  CANVASS_CHAOS: Type.String({ default: '' }),
  /** This deployment's region (docs/regions.md); also its NATS JetStream domain. Unset: one region. */
  CANVASS_REGION: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9]{0,15}$' })),
  /** The regions whose polls and counters this one takes, comma-separated (their JetStream domains). */
  CANVASS_PEER_REGIONS: Type.String({
    pattern: '^([a-z][a-z0-9]{0,15}(,[a-z][a-z0-9]{0,15})*)?$',
    default: '',
  }),
  ...InternalTlsConfig,
  ...DrainConfig,
});

export { LogLevel };
