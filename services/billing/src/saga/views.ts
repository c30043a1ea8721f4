import type { InvoiceView, SagaView } from '@canvass/contracts';
import type { Kysely, Selectable } from 'kysely';
import type { Static } from 'typebox';
import type { invoiceWithLines } from '../invoices.ts';
import type { BillingTables } from '../tables.ts';
import { type Saga, titleOf } from './steps.ts';

export async function sagaView(db: Kysely<BillingTables>, saga: Saga): Promise<Static<typeof SagaView>> {
  const steps = await db
    .selectFrom('saga_steps')
    .selectAll()
    .where('saga_id', '=', saga.id)
    .orderBy('seq')
    .execute();
  return {
    id: saga.id,
    kind: saga.kind,
    workspaceId: saga.workspace_id,
    plan: saga.plan as never,
    previousPlan: saga.previous_plan as never,
    state: saga.state,
    outcome: saga.outcome as never,
    amountCents: saga.amount_cents,
    currency: saga.currency,
    error: saga.error,
    attempts: Number(saga.attempts),
    nextRunAt: saga.next_run_at.toISOString(),
    invoiceId: saga.invoice_id,
    paymentId: saga.payment_id,
    refundId: saga.refund_id,
    createdAt: saga.created_at.toISOString(),
    updatedAt: saga.updated_at.toISOString(),
    steps: steps.map((step) => ({
      seq: step.seq,
      step: step.step,
      title: titleOf(step.step),
      outcome: step.outcome,
      detail: step.detail,
      durationMs: step.duration_ms,
      at: step.at.toISOString(),
    })),
  };
}

export function invoiceView(
  found: NonNullable<Awaited<ReturnType<typeof invoiceWithLines>>>,
): Static<typeof InvoiceView> {
  const { invoice, lines } = found;
  return {
    id: invoice.id,
    number: invoice.number,
    plan: invoice.plan as never,
    status: invoice.status,
    totalCents: invoice.total_cents,
    currency: invoice.currency,
    periodStart: invoice.period_start.toISOString(),
    periodEnd: invoice.period_end.toISOString(),
    createdAt: invoice.created_at.toISOString(),
    paidAt: invoice.paid_at?.toISOString() ?? null,
    lines: lines.map((line) => ({
      description: line.description,
      quantity: line.quantity,
      unitAmountCents: line.unit_amount_cents,
      amountCents: line.amount_cents,
    })),
  };
}

export type InvoiceRow = Selectable<BillingTables['invoices']>;
