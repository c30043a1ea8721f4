import { DrainConfig, InternalTlsConfig, LogLevel } from '@canvass/service-kit';
import Type from 'typebox';

/** What a realtime process of the cluster tier reads from its environment. */
export const RealtimeConfig = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8084 }),
  HOST: Type.String({ default: '127.0.0.1' }),
  NATS_URL: Type.String({ pattern: '^(nats|tls)://', default: 'nats://127.0.0.1:4222' }),
  /** Where analytics answers GET /api/v1/polls/{pollId}/results (the access check). */
  ANALYTICS_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:8082' }),
  /** Where polls answers GET /api/v1/events/{eventId}/stage (events' live route, docs/events.md). */
  POLLS_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:8081' }),
  /** Viewer counts summed over every realtime process; without it each process counts its own. */
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  CANVASS_INTERNAL_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  /** Operator token for /admin/v1 (this process's traces); without one that API answers 403. */
  CANVASS_ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  LOG_LEVEL: LogLevel,
  /** Mutual TLS: serve HTTPS to the gateway and present this certificate to analytics. */
  ...InternalTlsConfig,
  ...DrainConfig,
});
