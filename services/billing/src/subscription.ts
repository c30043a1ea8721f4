// A workspace's plan and what it is entitled to. Every change of plan goes through `setPlan`, in
// the caller's transaction, so the subscription row and the entitlements event commit together.
import { type CloudEvent, isPlanId, type PlanId, SubscriptionChangedV1 } from '@canvass/contracts';
import { createEvent } from '@canvass/eventing';
import { entitlementsChanged } from '@canvass/service-kit';
import type { Kysely } from 'kysely';
import type { BillingTables } from './tables.ts';

export const SOURCE = '/billing';

export interface Subscription {
  plan: PlanId;
  status: string;
  periodStart: Date | null;
  periodEnd: Date | null;
  pendingPlan: PlanId | null;
  paymentMethod: string | null;
}

export async function subscriptionOf(db: Kysely<BillingTables>, workspaceId: string): Promise<Subscription> {
  const row = await db
    .selectFrom('subscriptions')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return {
    plan: row && isPlanId(row.plan) ? row.plan : 'free',
    status: row?.status ?? 'active',
    periodStart: row?.period_start ?? null,
    periodEnd: row?.period_end ?? null,
    pendingPlan: row?.pending_plan && isPlanId(row.pending_plan) ? row.pending_plan : null,
    paymentMethod: row?.payment_method ?? null,
  };
}

export type ChangeReason = 'upgrade' | 'downgrade' | 'cancel' | 'dunning';

/**
 * Sets a workspace's plan and period, and writes what follows: `billing.entitlements.changed.v1`
 * (with the next version) and, when the plan itself changes, `billing.subscription.changed.v1`.
 */
export async function setPlan(
  trx: Kysely<BillingTables>,
  change: {
    workspaceId: string;
    plan: PlanId;
    reason: ChangeReason;
    periodStart: Date | null;
    periodEnd: Date | null;
    paymentMethod?: string | null;
    at: Date;
  },
): Promise<CloudEvent[]> {
  const before = await trx
    .selectFrom('subscriptions')
    .select(['plan', 'entitlements_version'])
    .where('workspace_id', '=', change.workspaceId)
    .forUpdate()
    .executeTakeFirst();
  const previousPlan = before && isPlanId(before.plan) ? before.plan : 'free';
  const version = Number(before?.entitlements_version ?? 0) + 1;
  const values = {
    plan: change.plan,
    status: 'active',
    period_start: change.periodStart,
    period_end: change.periodEnd,
    pending_plan: null,
    entitlements_version: version,
    updated_at: change.at,
    ...(change.paymentMethod !== undefined ? { payment_method: change.paymentMethod } : {}),
  };
  await trx
    .insertInto('subscriptions')
    .values({ workspace_id: change.workspaceId, customer_id: change.workspaceId, ...values })
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet(values))
    .execute();
  const at = change.at.toISOString();
  const events: CloudEvent[] = [
    entitlementsChanged({
      workspaceId: change.workspaceId,
      plan: change.plan,
      version,
      at: change.at,
      source: SOURCE,
    }),
  ];
  if (previousPlan !== change.plan) {
    events.push(
      createEvent(SubscriptionChangedV1, {
        source: SOURCE,
        workspace: change.workspaceId,
        data: {
          workspaceId: change.workspaceId,
          plan: change.plan,
          previousPlan,
          reason: change.reason,
          periodEnd: change.periodEnd?.toISOString() ?? null,
          changedAt: at,
        },
      }),
    );
  }
  return events;
}

/** The end of a billing period that starts at `start`: a calendar month, or `periodMs` when set (tests). */
export function periodEndOf(start: Date, periodMs?: number): Date {
  if (periodMs) return new Date(start.getTime() + periodMs);
  const end = new Date(start);
  const day = end.getUTCDate();
  end.setUTCMonth(end.getUTCMonth() + 1);
  // 31 January + 1 month is the end of February, not 3 March.
  if (end.getUTCDate() !== day) end.setUTCDate(0);
  return end;
}

export const monthOf = (at: Date | string) => new Date(at).toISOString().slice(0, 7);
