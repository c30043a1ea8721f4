// The billing API's shapes (GET /api/v1/billing, the upgrade flow, invoices, sagas).
import Type from 'typebox';
import { InvoiceLine, PlanIdSchema, QuotasSchema } from './billing-events.ts';

const At = Type.String({ format: 'date-time' });
const OptionalAt = Type.Union([At, Type.Null()]);

export const PlanView = Type.Object({
  id: PlanIdSchema,
  name: Type.String(),
  priceCents: Type.Integer(),
  currency: Type.String(),
  blurb: Type.String(),
  quotas: QuotasSchema,
});

export const SagaStepView = Type.Object({
  seq: Type.Integer(),
  step: Type.String(),
  title: Type.String(),
  outcome: Type.String({ description: 'ok, retry, failed, timed out' }),
  detail: Type.Union([Type.String(), Type.Null()]),
  durationMs: Type.Integer(),
  at: At,
});

export const SagaView = Type.Object({
  id: Type.String(),
  kind: Type.String({ description: 'upgrade or renewal' }),
  workspaceId: Type.String(),
  plan: PlanIdSchema,
  previousPlan: PlanIdSchema,
  state: Type.String({ description: 'The step it is at, or the last one it took.' }),
  outcome: Type.Union(
    [Type.Literal('completed'), Type.Literal('compensated'), Type.Literal('failed'), Type.Null()],
    {
      description:
        'null while it runs; completed: charged and active; compensated: not charged, or refunded, and not active.',
    },
  ),
  amountCents: Type.Integer(),
  currency: Type.String(),
  error: Type.Union([Type.String(), Type.Null()]),
  attempts: Type.Integer(),
  nextRunAt: At,
  invoiceId: Type.Union([Type.String(), Type.Null()]),
  paymentId: Type.Union([Type.String(), Type.Null()]),
  refundId: Type.Union([Type.String(), Type.Null()]),
  createdAt: At,
  updatedAt: At,
  steps: Type.Array(SagaStepView),
});

export const BillingOverview = Type.Object({
  plan: PlanIdSchema,
  status: Type.String({ description: 'active, or past_due while a renewal is being retried' }),
  periodStart: OptionalAt,
  periodEnd: OptionalAt,
  pendingPlan: Type.Union([PlanIdSchema, Type.Null()], {
    description: 'A downgrade or cancel that takes effect at periodEnd.',
  }),
  paymentMethod: Type.Union([Type.String(), Type.Null()]),
  quotas: QuotasSchema,
  usage: Type.Object({
    month: Type.String(),
    votes: Type.Integer(),
    openPolls: Type.Integer(),
    members: Type.Integer(),
  }),
  plans: Type.Array(PlanView),
  change: Type.Union([SagaView, Type.Null()], {
    description: 'The latest upgrade: in progress, or ended in the last 10 minutes (to show how it ended).',
  }),
});

export const UpgradeRequest = Type.Object(
  {
    plan: PlanIdSchema,
    paymentMethod: Type.String({
      minLength: 3,
      maxLength: 255,
      pattern: '^pm_[A-Za-z0-9_]+$',
      description: "A payment method token from the provider's card form (pm_…). Never a card number.",
    }),
  },
  { additionalProperties: false },
);

export const DowngradeRequest = Type.Object(
  {
    plan: PlanIdSchema,
  },
  { additionalProperties: false },
);

export const InvoiceView = Type.Object({
  id: Type.String(),
  number: Type.String(),
  plan: PlanIdSchema,
  status: Type.String({ description: 'draft, paid, void or refunded' }),
  totalCents: Type.Integer(),
  currency: Type.String(),
  periodStart: At,
  periodEnd: At,
  createdAt: At,
  paidAt: OptionalAt,
  lines: Type.Array(InvoiceLine),
});
