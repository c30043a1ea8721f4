import { LogLevel } from '@canvass/service-kit';
import Type from 'typebox';

/** What a standalone payment provider (the cluster tier's) reads from its environment. */
export const PaymentProviderConfig = Type.Object({
  /** stripe-mock's port, so tools that know that one find this provider too. */
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 12111 }),
  HOST: Type.String({ default: '127.0.0.1' }),
  /** One webhook endpoint known from the start (more can register through the API). */
  WEBHOOK_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** Its signing secret; required with WEBHOOK_URL so both sides hold the same one. */
  WEBHOOK_SECRET: Type.Optional(Type.String({ pattern: '^whsec_[A-Za-z0-9_+/=-]{8,}$' })),
  /** Waits between webhook delivery attempts in ms, comma-separated. */
  WEBHOOK_RETRY_MS: Type.String({ pattern: '^\\d+(,\\d+)*$', default: '1000,5000,30000' }),
  WEBHOOK_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 5_000 }),
  LOG_LEVEL: LogLevel,
});
