import Type from 'typebox';

export const BillingConfig = Type.Object({
  CANVASS_INTERNAL_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  /** A Stripe secret key (sk_live_… or sk_test_…); the in-repo provider takes any sk_test_…. */
  STRIPE_API_KEY: Type.String({ pattern: '^(sk|rk)_(test|live)_', default: 'sk_test_canvass_local' }),
  /** Where the Stripe API is; unset: Stripe itself. The cluster tier points it at services/payment-provider. */
  STRIPE_API_BASE: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** The signing secret of the webhook endpoint that points at /api/v1/billing/provider-webhook. */
  STRIPE_WEBHOOK_SECRET: Type.String({ pattern: '^whsec_', default: 'whsec_canvass_local_only' }),
  CANVASS_PAYMENT_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 10_000 }),
  /** Waits between declined renewals in ms, comma-separated (default 1, 3 and 5 days). */
  CANVASS_DUNNING_MS: Type.Optional(Type.String({ pattern: '^\\d+(,\\d+)*$' })),
  /** A billing period in ms (tests); default a calendar month. */
  CANVASS_BILLING_PERIOD_MS: Type.Optional(Type.Integer({ minimum: 1000 })),
  /** First wait after a passing failure of a saga step, doubling (default 1 s). */
  CANVASS_SAGA_RETRY_MS: Type.Integer({ minimum: 1, default: 1000 }),
  /** How long a claimed saga stays its process's (default 30 s): a crashed process's saga resumes after it. */
  CANVASS_SAGA_LEASE_MS: Type.Integer({ minimum: 100, default: 30_000 }),
  /** Scales every saga step's deadline (tests shorten them). */
  CANVASS_SAGA_DEADLINE_SCALE: Type.Number({ exclusiveMinimum: 0, maximum: 100, default: 1 }),
  /** Chaos for fault tests only (see docs/operations.md): `billing-crash:<step>` kills the process once it took that step's action. */
  CANVASS_CHAOS: Type.String({ default: '' }),
});
