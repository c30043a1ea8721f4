// Billing's events, told to the workspace's owners: a receipt after a payment, a failed payment
// (an upgrade that did not go through, a renewal being retried or given up), the month's votes
// nearing or reaching the plan's quota, and a plan that changed at a period's end. Billing mails
// carry no unsubscribe link: owners cannot switch them off (docs/notifications.md).
import {
  type CloudEvent,
  PaymentFailedV1,
  PaymentSucceededV1,
  PLANS,
  type PlanId,
  SubscriptionChangedV1,
  VoteQuotaReachedV1,
} from '@canvass/contracts';
import type { Kysely } from 'kysely';
import { is, isStale } from '../events.ts';
import { membersWithRoles, notify } from '../notices/notify.ts';
import type { NotificationsTables } from '../tables.ts';

export const BILLING_CONSUMER = 'notifications-billing';
export const billingTypes = [
  PaymentSucceededV1.type,
  PaymentFailedV1.type,
  VoteQuotaReachedV1.type,
  SubscriptionChangedV1.type,
];

const planName = (plan: string) => PLANS[plan as PlanId]?.name ?? plan;
const BILLING_PAGE = '/app/billing';

export async function applyBillingEvents(
  db: Kysely<NotificationsTables>,
  schema: string,
  events: readonly CloudEvent[],
): Promise<void> {
  for (const event of events) {
    if (isStale(event)) continue;
    const workspaceId = (event.data as { workspaceId: string }).workspaceId;
    const workspace = await db
      .selectFrom('workspaces')
      .select('name')
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirst();
    const workspaceName = workspace?.name ?? 'your workspace';
    const owners = await membersWithRoles(db, workspaceId, ['owner']);
    const tell = (notice: {
      kind: string;
      title: string;
      body: string;
      template: string;
      params: Record<string, unknown>;
    }) =>
      notify(db, schema, owners, {
        kind: notice.kind,
        workspaceId,
        title: notice.title,
        body: notice.body,
        url: BILLING_PAGE,
        mail: {
          preference: 'billing',
          template: notice.template,
          params: { ...notice.params, workspaceName },
        },
      });

    if (is(PaymentSucceededV1, event)) {
      const { plan, invoiceNumber, amountCents, currency, lines, paidAt, periodEnd } = event.data;
      await tell({
        kind: 'billing.receipt',
        title: `${workspaceName} is on ${planName(plan)}`,
        body: `Payment received (invoice ${invoiceNumber}).`,
        template: 'receipt',
        params: { planName: planName(plan), invoiceNumber, amountCents, currency, lines, paidAt, periodEnd },
      });
    } else if (is(PaymentFailedV1, event)) {
      const { plan, reason, kind, final, nextAttemptAt } = event.data;
      await tell({
        kind: 'billing.payment_failed',
        title:
          kind === 'upgrade'
            ? `The upgrade to ${planName(plan)} did not go through`
            : final
              ? `${workspaceName} moved to Free`
              : `The renewal of ${planName(plan)} failed`,
        body: reason,
        template: 'payment-failed',
        params: { planName: planName(plan), reason, kind, final, nextAttemptAt },
      });
    } else if (is(VoteQuotaReachedV1, event)) {
      const { plan, votes, quota, share } = event.data;
      await tell({
        kind: 'billing.vote_quota',
        title:
          share >= 1
            ? `${workspaceName} used this month's ${quota.toLocaleString('en')} votes`
            : `${workspaceName} used ${Math.round(share * 100)}% of this month's votes`,
        body: 'Voting goes on. Upgrade to keep within your plan.',
        template: 'vote-quota',
        params: { planName: planName(plan), votes, quota, share },
      });
    } else if (
      is(SubscriptionChangedV1, event) &&
      event.data.reason !== 'upgrade' &&
      event.data.reason !== 'dunning'
    ) {
      // Upgrades come with a receipt and dunning with its failed payment; a downgrade or cancel
      // taking effect is told in the inbox only.
      await notify(db, schema, owners, {
        kind: 'billing.plan_changed',
        workspaceId,
        title: `${workspaceName} is on ${planName(event.data.plan)} now`,
        body: `${planName(event.data.previousPlan)} ended with the billing period.`,
        url: BILLING_PAGE,
      });
    }
  }
}
