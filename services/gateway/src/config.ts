import { LogLevel } from '@canvass/service-kit';
import Type from 'typebox';

export const GatewayConfig = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  HOST: Type.String({ default: '127.0.0.1' }),
  POLLS_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:8081' }),
  ANALYTICS_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:8082' }),
  LOG_LEVEL: LogLevel,
  /** Where clients reach Canvass; default http://localhost:<PORT>. */
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** Realtime processes, comma-separated: live connections take turns among them. */
  REALTIME_URL: Type.String({
    pattern: '^https?://[^,\\s]+(,https?://[^,\\s]+)*$',
    default: 'http://127.0.0.1:8084',
  }),
  IDENTITY_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:8083' }),
  CANVASS_ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  CANVASS_INTERNAL_SECRET: Type.Optional(Type.String({ minLength: 32 })),
});
