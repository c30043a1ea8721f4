// What happens when a billing period ends: a pending downgrade or cancel takes effect, and a paid
// plan renews (a renewal saga: charge, with dunning on declines). One pass runs every few
// seconds; `for update skip locked` and the one-saga-per-workspace index keep replicas from doing
// one workspace's period end twice.

import { isPlanId, PLANS, type PlanId } from '@canvass/contracts';
import type { Outbox } from '@canvass/eventing';
import { newId } from '@canvass/service-kit';
import { type Kysely, sql } from 'kysely';
import { setPlan } from './subscription.ts';
import type { BillingTables } from './tables.ts';

export async function endPeriods(
  db: Kysely<BillingTables>,
  outbox: Outbox,
  options: { periodMs?: number | undefined; limit?: number },
): Promise<{ renewals: number; changes: number }> {
  let renewals = 0;
  let changes = 0;
  await db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('subscriptions')
      .selectAll()
      .where('period_end', '<=', sql<Date>`now()`)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('sagas')
              .select('id')
              .whereRef('sagas.workspace_id', '=', 'subscriptions.workspace_id')
              .where('outcome', 'is', null),
          ),
        ),
      )
      .orderBy('period_end')
      .limit(options.limit ?? 50)
      .forUpdate()
      .skipLocked()
      .execute();
    for (const row of due) {
      const current: PlanId = isPlanId(row.plan) ? row.plan : 'free';
      const next: PlanId = row.pending_plan && isPlanId(row.pending_plan) ? row.pending_plan : current;
      const at = new Date();
      if (PLANS[next].priceCents === 0) {
        // Cancelled (or a free plan with a period, which should not be): Free from now on.
        const events = await setPlan(trx, {
          workspaceId: row.workspace_id,
          plan: 'free',
          reason: row.pending_plan ? 'cancel' : 'downgrade',
          periodStart: null,
          periodEnd: null,
          at,
        });
        await outbox.append(trx, events);
        changes++;
        continue;
      }
      await trx
        .insertInto('sagas')
        .values({
          id: `saga_${newId(16)}`,
          kind: 'renewal',
          workspace_id: row.workspace_id,
          requested_by: null,
          plan: next,
          previous_plan: current,
          amount_cents: PLANS[next].priceCents,
          currency: PLANS[next].currency,
          payment_method: row.payment_method,
          state: 'reserve',
          outcome: null,
          lease_until: null,
          payment_id: null,
          refund_id: null,
          invoice_id: null,
          error: null,
        })
        .execute();
      renewals++;
    }
  });
  return { renewals, changes };
}
