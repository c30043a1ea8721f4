import { DrainConfig, InternalTlsConfig, LogLevel } from '@canvass/service-kit';
import Type from 'typebox';

/** One or more instances of a service, comma-separated: the gateway balances between them. */
const Urls = (fallback: string) =>
  Type.String({ pattern: '^https?://[^,\\s]+(,https?://[^,\\s]+)*$', default: fallback });

export const GatewayConfig = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  HOST: Type.String({ default: '127.0.0.1' }),
  /**
   * Several gateway processes on one machine share PORT (SO_REUSEPORT: the kernel spreads new
   * connections over them). Off by default, so a second gateway started by mistake fails loudly.
   */
  CANVASS_REUSE_PORT: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'off' }),
  ...DrainConfig,
  /**
   * Votes read in one turn go to polls as one request (batching.ts). `off` sends each alone: a
   * way back, and the bench's comparison.
   */
  CANVASS_BATCH: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'on' }),
  /**
   * While votes keep coming (each less than this long after the one before), how long a batch
   * gathers before it goes to polls (batching.ts); 0: only what one turn read, as when quiet.
   */
  CANVASS_BATCH_GATHER_MS: Type.Integer({ minimum: 0, maximum: 50, default: 3 }),
  POLLS_URL: Urls('http://127.0.0.1:8081'),
  ANALYTICS_URL: Urls('http://127.0.0.1:8082'),
  LOG_LEVEL: LogLevel,
  /** Where clients reach Canvass; default http://localhost:<PORT>. */
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** Realtime processes, comma-separated: live connections take turns among them. */
  REALTIME_URL: Type.String({
    pattern: '^https?://[^,\\s]+(,https?://[^,\\s]+)*$',
    default: 'http://127.0.0.1:8084',
  }),
  IDENTITY_URL: Urls('http://127.0.0.1:8083'),
  NOTIFICATIONS_URL: Urls('http://127.0.0.1:8100'),
  BILLING_URL: Urls('http://127.0.0.1:8101'),
  /** Overrides of the default rate limits, as JSON: {"perIp":{"points":100000,"windowSeconds":60}}. */
  CANVASS_RATE_LIMITS: Type.Optional(Type.String({ minLength: 2 })),
  /** Open live connections per address and per poll, as JSON: {"perAddress":500,"perPoll":20000}. */
  CANVASS_LIVE_LIMITS: Type.Optional(Type.String({ minLength: 2 })),
  /** Shared rate limits across gateway processes; without it each process counts alone. */
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  /** Where results updates arrive, to drop cached results at once; without it they expire (1 s). */
  NATS_URL: Type.Optional(Type.String()),
  CANVASS_ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  CANVASS_INTERNAL_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  /** The built web app to serve (web/dist, absolute); without it `/` is a plain page. */
  CANVASS_WEB_ROOT: Type.Optional(Type.String({ minLength: 1 })),
  /** Mutual TLS to the services (https:// URLs): the internal CA and the gateway's certificate. */
  ...InternalTlsConfig,
});
