// The subscription sagas, step by step. Each step may call the payment provider (with an
// idempotency key made of the saga id and the step), then says where the saga goes next and what
// to write: the orchestrator (orchestrator.ts) commits that, the step's record and its events in
// one transaction.
//
// Upgrade:  validate → reserve → charge → activate → receipt → completed
//   before the charge, a failure releases (compensated); a decline or a charge that never got an
//   answer in time releases too (a charge whose answer was lost is looked up first, under the same
//   key, and refunded if it went through); after the charge the saga retries forward, and only an
//   activation that fails for good refunds, then releases.
// Renewal:  reserve → charge → activate → receipt → completed
//   a declined renewal waits and tries again (dunning); after the last try it downgrades to Free.
import {
  type CloudEvent,
  isPlanId,
  PaymentFailedV1,
  PaymentSucceededV1,
  PLANS,
  type PlanId,
  planRank,
} from '@canvass/contracts';
import { createEvent } from '@canvass/eventing';
import type { Kysely, Selectable } from 'kysely';
import { draftInvoice, invoiceWithLines, linesFor, setInvoiceStatus } from '../invoices.ts';
import type { PaymentProvider } from '../payments/port.ts';
import { periodEndOf, SOURCE, setPlan, subscriptionOf } from '../subscription.ts';
import type { BillingTables, SagaRow } from '../tables.ts';

export type Saga = Selectable<SagaRow>;
export type SagaKind = 'upgrade' | 'renewal';
export type Outcome = 'completed' | 'compensated' | 'failed';

export interface SagaSettings {
  provider: PaymentProvider;
  /** Each provider call's timeout. */
  callTimeoutMs: number;
  /** Waits between declined renewals; after the last one, the workspace goes to Free. */
  dunningMs: readonly number[];
  /** A billing period's length; unset: a calendar month. */
  periodMs?: number | undefined;
}

/** Where a step sends the saga, and what it writes on the way. */
export interface Transition {
  /** The next state, or where the saga ends. */
  next: string | { end: Outcome };
  detail: string;
  /** Fields of the saga row to set. */
  patch?: Partial<Pick<SagaRow, 'payment_id' | 'refund_id' | 'invoice_id' | 'error'>> & { declines?: number };
  /** Run the next step no sooner than this (dunning). */
  waitMs?: number;
  /** Writes in the transition's transaction; returns the events to append to the outbox. */
  write?: (trx: Kysely<BillingTables>, at: Date) => Promise<CloudEvent[]>;
}

/** A step failed for good: the saga takes its `onFailure` way. */
export class StepFailed extends Error {
  override name = 'StepFailed';
}

export interface StepDefinition {
  run(saga: Saga, db: Kysely<BillingTables>, settings: SagaSettings): Promise<Transition>;
  /** Where a step that failed for good (or past its deadline) goes; none: it keeps retrying (forward only). */
  onFailure?: (saga: Saga, reason: string) => Transition;
  /** How long the step may keep retrying a passing failure before `onFailure`. */
  deadlineMs?: number;
  /** Labels the step record, for `canvass sagas show`. */
  title: string;
}

const key = (saga: Saga, step: string) => `canvass-${saga.id}-${step}`;

/** One charge per try: a renewal declined and tried again later is a new charge, with a key of its own. */
const chargeOf = (saga: Saga, settings: SagaSettings) => ({
  amountCents: saga.amount_cents,
  currency: saga.currency,
  paymentMethod: saga.payment_method ?? '',
  description: `Canvass ${PLANS[saga.plan as PlanId]?.name ?? saga.plan} (${saga.kind})`,
  idempotencyKey: key(saga, Number(saga.declines) > 0 ? `charge-${saga.declines}` : 'charge'),
  metadata: { saga_id: saga.id, workspace_id: saga.workspace_id, invoice_id: saga.invoice_id ?? '' },
  timeoutMs: settings.callTimeoutMs,
});

/** The payment id if the saga's charge went through: from a webhook already recorded, else by asking. */
async function chargedAlready(
  saga: Saga,
  db: Kysely<BillingTables>,
  settings: SagaSettings,
): Promise<string | null> {
  const heard = await db
    .selectFrom('provider_payments')
    .select('payment_id')
    .where('saga_id', '=', saga.id)
    .where('status', 'in', ['succeeded', 'refunded'])
    .executeTakeFirst();
  if (heard) return heard.payment_id;
  const found = await settings.provider.findCharge(saga.id, settings.callTimeoutMs);
  return found?.outcome === 'succeeded' ? found.paymentId : null;
}

const paymentFailed = (saga: Saga, reason: string, final: boolean, nextAttemptAt: Date | null) =>
  createEvent(PaymentFailedV1, {
    source: SOURCE,
    workspace: saga.workspace_id,
    data: {
      workspaceId: saga.workspace_id,
      plan: saga.plan as PlanId,
      reason: reason.slice(0, 300),
      kind: saga.kind as 'upgrade' | 'renewal',
      final,
      nextAttemptAt: nextAttemptAt?.toISOString() ?? null,
      failedAt: new Date().toISOString(),
    },
  });

/** Gives up before anything was charged: void the draft invoice, tell the owners. */
const release = (reason: string): Transition => ({
  next: 'release',
  detail: reason,
  patch: { error: reason },
});

const steps: Record<string, StepDefinition> = {
  validate: {
    title: 'Check the change is allowed',
    deadlineMs: 60_000,
    async run(saga, db) {
      const workspace = await db
        .selectFrom('workspaces')
        .select('workspace_id')
        .where('workspace_id', '=', saga.workspace_id)
        .executeTakeFirst();
      // Identity's event may still be on its way: a passing failure, retried until the deadline.
      if (!workspace) throw new Error('billing has not heard of this workspace yet');
      const current = await subscriptionOf(db, saga.workspace_id);
      if (!isPlanId(saga.plan) || planRank(saga.plan) <= planRank(current.plan))
        throw new StepFailed(`The workspace is already on ${PLANS[current.plan].name}.`);
      if (!saga.payment_method) throw new StepFailed('No payment method was given.');
      return { next: 'reserve', detail: `${current.plan} → ${saga.plan}` };
    },
    // Nothing reserved yet; `release` ends it and tells the owners why.
    onFailure: (_saga, reason) => release(reason),
  },

  reserve: {
    title: 'Reserve the subscription (draft invoice)',
    deadlineMs: 60_000,
    async run(saga, db, settings) {
      const current = await subscriptionOf(db, saga.workspace_id);
      const start = saga.kind === 'renewal' && current.periodEnd ? current.periodEnd : new Date();
      const end = periodEndOf(start, settings.periodMs);
      const previous =
        saga.kind === 'upgrade' && current.periodStart && current.periodEnd
          ? { plan: current.plan, paidFrom: current.periodStart, paidUntil: current.periodEnd }
          : undefined;
      const lines = linesFor({ plan: saga.plan as PlanId, periodStart: start, periodEnd: end, previous });
      return {
        next: 'charge',
        detail: 'draft invoice written',
        write: async (trx) => {
          const invoice = await draftInvoice(trx, {
            workspaceId: saga.workspace_id,
            sagaId: saga.id,
            plan: saga.plan as PlanId,
            periodStart: start,
            periodEnd: end,
            lines,
          });
          await trx
            .updateTable('sagas')
            .set({ invoice_id: invoice.id, amount_cents: invoice.totalCents })
            .where('id', '=', saga.id)
            .execute();
          return [];
        },
      };
    },
    onFailure: (_saga, reason) => release(reason),
  },

  charge: {
    title: 'Charge the payment method',
    // A charge whose answer never came in time is looked up under its key (`void`).
    deadlineMs: 120_000,
    async run(saga, db, settings) {
      if (saga.amount_cents === 0) return { next: 'activate', detail: 'nothing to charge' };
      // A retry first asks whether the earlier call charged after all: a provider 500 is kept
      // under its key (the same call gets the same 500), so the key alone cannot tell.
      const earlier = Number(saga.attempts) > 0 ? await chargedAlready(saga, db, settings) : null;
      if (earlier)
        return {
          next: 'activate',
          detail: `charged ${earlier} (found after a failed answer)`,
          patch: { payment_id: earlier },
        };
      const result = await settings.provider.charge(chargeOf(saga, settings));
      if (result.outcome === 'succeeded')
        return {
          next: 'activate',
          detail: `charged ${result.paymentId}`,
          patch: { payment_id: result.paymentId },
        };
      const reason =
        result.outcome === 'requires_action'
          ? 'Your bank asks you to confirm this payment. Try again and confirm it, or use another card.'
          : result.reason;
      if (saga.kind === 'upgrade') return release(reason);
      return dunning(saga, reason, settings);
    },
    onFailure: (saga, reason) =>
      saga.kind === 'upgrade'
        ? { next: 'void', detail: `no answer from the provider in time: ${reason}`, patch: { error: reason } }
        : dunning(saga, `The payment provider could not be reached: ${reason}`, undefined),
  },

  void: {
    title: 'Find out what became of the charge',
    async run(saga, db, settings) {
      const charged = await chargedAlready(saga, db, settings);
      if (charged)
        return { next: 'refund', detail: `it went through: ${charged}`, patch: { payment_id: charged } };
      // None found: the same call under the same key settles it. If the first never reached the
      // provider, this makes it now (to be refunded at once); a late first one then finds its key
      // taken and charges nothing.
      const result = await settings.provider.charge(chargeOf(saga, settings));
      if (result.outcome === 'succeeded')
        return {
          next: 'refund',
          detail: `it went through: ${result.paymentId}`,
          patch: { payment_id: result.paymentId },
        };
      return release(saga.error ?? 'The payment provider did not answer in time. You were not charged.');
    },
  },

  activate: {
    title: 'Activate the plan',
    // No deadline: after the charge the saga retries forward; only a failure for good refunds.
    async run(saga, db, settings) {
      const invoice = saga.invoice_id ? await invoiceWithLines(db, saga.invoice_id) : undefined;
      const workspace = await db
        .selectFrom('workspaces')
        .select('workspace_id')
        .where('workspace_id', '=', saga.workspace_id)
        .executeTakeFirst();
      if (!workspace) throw new StepFailed('The workspace no longer exists.');
      const start = invoice?.invoice.period_start ?? new Date();
      const end = invoice?.invoice.period_end ?? periodEndOf(start, settings.periodMs);
      return {
        next: 'receipt',
        detail: `${saga.plan} until ${end.toISOString()}`,
        write: async (trx, at) => {
          await setInvoiceStatus(trx, saga.invoice_id, 'paid', at);
          return setPlan(trx, {
            workspaceId: saga.workspace_id,
            plan: saga.plan as PlanId,
            reason:
              planRank(saga.plan as PlanId) < planRank(saga.previous_plan as PlanId)
                ? 'downgrade'
                : 'upgrade',
            periodStart: start,
            periodEnd: end,
            paymentMethod: saga.payment_method,
            at,
          });
        },
      };
    },
    // Charged but never active: give the money back.
    onFailure: (_saga, reason) => ({ next: 'refund', detail: reason, patch: { error: reason } }),
  },

  receipt: {
    title: 'Send the receipt',
    async run(saga, db) {
      const found = saga.invoice_id ? await invoiceWithLines(db, saga.invoice_id) : undefined;
      return {
        next: { end: 'completed' },
        detail: found ? `receipt for ${found.invoice.number}` : 'no invoice',
        write: async () =>
          found
            ? [
                createEvent(PaymentSucceededV1, {
                  source: SOURCE,
                  workspace: saga.workspace_id,
                  data: {
                    workspaceId: saga.workspace_id,
                    invoiceId: found.invoice.id,
                    invoiceNumber: found.invoice.number,
                    plan: saga.plan as PlanId,
                    amountCents: found.invoice.total_cents,
                    currency: found.invoice.currency,
                    lines: found.lines.map((line) => ({
                      description: line.description,
                      quantity: line.quantity,
                      unitAmountCents: line.unit_amount_cents,
                      amountCents: line.amount_cents,
                    })),
                    periodStart: found.invoice.period_start.toISOString(),
                    periodEnd: found.invoice.period_end.toISOString(),
                    paidAt: (found.invoice.paid_at ?? new Date()).toISOString(),
                  },
                }),
              ]
            : [],
      };
    },
  },

  refund: {
    title: 'Refund the charge',
    async run(saga, _db, settings) {
      if (!saga.payment_id) return { next: 'release', detail: 'nothing was charged' };
      const { refundId } = await settings.provider.refund({
        paymentId: saga.payment_id,
        amountCents: saga.amount_cents,
        idempotencyKey: key(saga, 'refund'),
        timeoutMs: settings.callTimeoutMs,
      });
      return {
        next: 'release',
        detail: `refunded ${refundId}`,
        patch: { refund_id: refundId },
        write: async (trx, at) => {
          await setInvoiceStatus(trx, saga.invoice_id, 'refunded', at);
          return [];
        },
      };
    },
  },

  release: {
    title: 'Release the reservation and tell the owners',
    async run(saga) {
      const reason = saga.error ?? 'The change did not go through.';
      return {
        next: { end: 'compensated' },
        detail: saga.refund_id ? 'released (refunded)' : 'released (not charged)',
        write: async (trx, at) => {
          if (!saga.refund_id) await setInvoiceStatus(trx, saga.invoice_id, 'void', at);
          return [paymentFailed(saga, reason, true, null)];
        },
      };
    },
  },

  downgrade: {
    title: 'Move to Free after the last failed renewal',
    async run(saga) {
      const reason = saga.error ?? 'The renewal could not be charged.';
      return {
        next: { end: 'compensated' },
        detail: 'downgraded to free',
        write: async (trx, at) => {
          await setInvoiceStatus(trx, saga.invoice_id, 'void', at);
          const events = await setPlan(trx, {
            workspaceId: saga.workspace_id,
            plan: 'free',
            reason: 'dunning',
            periodStart: null,
            periodEnd: null,
            at,
          });
          return [...events, paymentFailed(saga, reason, true, null)];
        },
      };
    },
  },
};

/** A declined renewal: try again after the next wait, or move to Free after the last. */
function dunning(saga: Saga, reason: string, settings: SagaSettings | undefined): Transition {
  const waits = settings?.dunningMs ?? [];
  const declines = Number(saga.declines) + 1;
  const wait = waits[declines - 1];
  if (wait === undefined) return { next: 'downgrade', detail: reason, patch: { error: reason, declines } };
  const nextAttemptAt = new Date(Date.now() + wait);
  return {
    next: 'charge',
    detail: `declined (${reason}); next try ${nextAttemptAt.toISOString()}`,
    patch: { error: reason, declines },
    waitMs: wait,
    write: async (trx) => {
      await trx
        .updateTable('subscriptions')
        .set({ status: 'past_due' })
        .where('workspace_id', '=', saga.workspace_id)
        .execute();
      return [paymentFailed(saga, reason, false, nextAttemptAt)];
    },
  };
}

export const FIRST_STEP: Record<SagaKind, string> = { upgrade: 'validate', renewal: 'reserve' };

export function stepOf(state: string): StepDefinition {
  const step = steps[state];
  if (!step) throw new Error(`no saga step ${state}`);
  return step;
}

/** Where an operator's "compensate" sends a stuck saga from its state: before the charge, release; after, refund. */
export function compensationOf(saga: Saga): string | null {
  if (saga.outcome) return null;
  if (saga.kind === 'renewal' && ['reserve', 'charge'].includes(saga.state)) return 'downgrade';
  if (saga.state === 'charge') return 'void';
  if (['validate', 'reserve'].includes(saga.state)) return 'release';
  if (saga.state === 'activate') return 'refund';
  if (saga.state === 'receipt') return null; // active and paid: nothing to undo
  return saga.state; // void, refund, release, downgrade: already on their way back
}

export const SAGA_STATES = Object.keys(steps);
export const titleOf = (state: string) => steps[state]?.title ?? state;
