import Type from 'typebox';

export const NotificationsConfig = Type.Object({
  PUBLIC_URL: Type.String({ pattern: '^https?://', default: 'http://localhost:8080' }),
  /** Any SMTP server (smtp://user:pass@host:587, smtps://…). Without it a local mailbox takes the mail, shown at /mailbox. */
  SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://' })),
  MAIL_FROM: Type.String({ minLength: 3, default: 'Canvass <no-reply@canvass.localhost>' }),
  CANVASS_INTERNAL_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  /** Webhooks to 127.0.0.1 and ::1: for tests and local development only. */
  CANVASS_WEBHOOKS_ALLOW_LOOPBACK: Type.Union([Type.Literal('true'), Type.Literal('false')], {
    default: 'false',
  }),
  /** Waits between delivery attempts in ms, comma-separated (default: about 28 hours in 7 steps). */
  CANVASS_WEBHOOK_RETRY_MS: Type.Optional(Type.String({ pattern: '^\\d+(,\\d+)*$' })),
  CANVASS_WEBHOOK_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 10_000 }),
  /** How long votes gather before one poll.results_changed. */
  CANVASS_RESULTS_CHANGED_MS: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 10_000 }),
  CANVASS_DIGEST_EVERY_MS: Type.Integer({ minimum: 1000, default: 86_400_000 }),
});
