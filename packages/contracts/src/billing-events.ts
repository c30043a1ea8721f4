// Billing's events. Each is keyed by workspace (the outbox partitions by `workspace`), so one
// workspace's billing events arrive in the order billing wrote them.
import Type from 'typebox';
import { defineEvent } from './envelope.ts';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const At = Type.String({ format: 'date-time' });
export const PlanIdSchema = Type.Union([Type.Literal('free'), Type.Literal('pro'), Type.Literal('business')]);
const Limit = Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]);
export const QuotasSchema = Type.Object({
  votesPerMonth: Type.Integer({ minimum: 0 }),
  openPolls: Limit,
  members: Type.Integer({ minimum: 1 }),
  apiKeys: Type.Integer({ minimum: 0 }),
  webhookEndpoints: Type.Integer({ minimum: 0 }),
  rateTier: PlanIdSchema,
});

/**
 * What a workspace may now do. `version` grows by one with each change of one workspace, so a
 * projection keeps the highest it has seen and ignores an older or repeated one, whatever order
 * and how often they arrive.
 */
export const EntitlementsChangedV1 = defineEvent(
  'billing.entitlements.changed.v1',
  Type.Object({
    workspaceId: Id,
    plan: PlanIdSchema,
    quotas: QuotasSchema,
    version: Type.Integer({ minimum: 1 }),
    changedAt: At,
  }),
);

export const InvoiceLine = Type.Object({
  description: Type.String({ minLength: 1 }),
  quantity: Type.Integer({ minimum: 0 }),
  unitAmountCents: Type.Integer(),
  amountCents: Type.Integer(),
});

/** A payment went through: notifications mails the receipt to the workspace's owners. */
export const PaymentSucceededV1 = defineEvent(
  'billing.payment.succeeded.v1',
  Type.Object({
    workspaceId: Id,
    invoiceId: Id,
    invoiceNumber: Type.String({ minLength: 1 }),
    plan: PlanIdSchema,
    amountCents: Type.Integer({ minimum: 0 }),
    currency: Type.String({ minLength: 3, maxLength: 3 }),
    lines: Type.Array(InvoiceLine),
    periodStart: At,
    periodEnd: At,
    paidAt: At,
  }),
);

/** A payment did not go through; `final`: no more retries (dunning over, or an upgrade released). */
export const PaymentFailedV1 = defineEvent(
  'billing.payment.failed.v1',
  Type.Object({
    workspaceId: Id,
    plan: PlanIdSchema,
    reason: Type.String({ minLength: 1, maxLength: 300 }),
    kind: Type.Union([Type.Literal('upgrade'), Type.Literal('renewal')]),
    final: Type.Boolean(),
    nextAttemptAt: Type.Union([At, Type.Null()]),
    failedAt: At,
  }),
);

/** A workspace's plan changed (upgrade, downgrade or cancel at the period's end, dunning's last failure). */
export const SubscriptionChangedV1 = defineEvent(
  'billing.subscription.changed.v1',
  Type.Object({
    workspaceId: Id,
    plan: PlanIdSchema,
    previousPlan: PlanIdSchema,
    reason: Type.Union([
      Type.Literal('upgrade'),
      Type.Literal('downgrade'),
      Type.Literal('cancel'),
      Type.Literal('dunning'),
    ]),
    periodEnd: Type.Union([At, Type.Null()]),
    changedAt: At,
  }),
);

/** The month's votes crossed a share of the quota (0.8, then 1): owners are warned; votes go on. */
export const VoteQuotaReachedV1 = defineEvent(
  'billing.usage.vote_quota_reached.v1',
  Type.Object({
    workspaceId: Id,
    month: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}$' }),
    share: Type.Number({ minimum: 0 }),
    votes: Type.Integer({ minimum: 0 }),
    quota: Type.Integer({ minimum: 0 }),
    plan: PlanIdSchema,
    reachedAt: At,
  }),
);
