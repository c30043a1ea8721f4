// Invoices and their lines. An upgrade's invoice charges the new plan for a full period from
// today and credits what is left of the old plan's paid period; a renewal's charges one period.
import { PLANS, type PlanId } from '@canvass/contracts';
import { newId } from '@canvass/service-kit';
import { type Kysely, sql } from 'kysely';
import type { BillingTables } from './tables.ts';

export interface InvoiceLine {
  description: string;
  quantity: number;
  unitAmountCents: number;
  amountCents: number;
}

const day = (at: Date) =>
  at.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/** What an upgrade or renewal costs, line by line. */
export function linesFor(change: {
  plan: PlanId;
  periodStart: Date;
  periodEnd: Date;
  /** The plan paid for until `paidUntil` (an upgrade from Pro to Business), if any. */
  previous?: { plan: PlanId; paidFrom: Date; paidUntil: Date } | undefined;
}): InvoiceLine[] {
  const price = PLANS[change.plan].priceCents;
  const lines: InvoiceLine[] = [
    {
      description: `${PLANS[change.plan].name} plan, ${day(change.periodStart)} – ${day(change.periodEnd)}`,
      quantity: 1,
      unitAmountCents: price,
      amountCents: price,
    },
  ];
  const previous = change.previous;
  if (previous && PLANS[previous.plan].priceCents > 0 && previous.paidUntil > change.periodStart) {
    const whole = previous.paidUntil.getTime() - previous.paidFrom.getTime();
    const left = previous.paidUntil.getTime() - change.periodStart.getTime();
    const credit = Math.round((PLANS[previous.plan].priceCents * left) / Math.max(whole, 1));
    if (credit > 0) {
      lines.push({
        description: `Unused ${PLANS[previous.plan].name} time, ${day(change.periodStart)} – ${day(previous.paidUntil)}`,
        quantity: 1,
        unitAmountCents: -credit,
        amountCents: -credit,
      });
    }
  }
  return lines;
}

export const totalOf = (lines: readonly InvoiceLine[]) =>
  Math.max(
    0,
    lines.reduce((sum, line) => sum + line.amountCents, 0),
  );

export async function draftInvoice(
  trx: Kysely<BillingTables>,
  invoice: {
    workspaceId: string;
    sagaId: string;
    plan: PlanId;
    periodStart: Date;
    periodEnd: Date;
    lines: readonly InvoiceLine[];
  },
): Promise<{ id: string; number: string; totalCents: number }> {
  const id = `inv_${newId(16)}`;
  const { rows } = await sql<{ n: string }>`select nextval('invoice_numbers') as n`.execute(trx);
  const number = `CAN-${String(rows[0]!.n).padStart(6, '0')}`;
  const totalCents = totalOf(invoice.lines);
  await trx
    .insertInto('invoices')
    .values({
      id,
      number,
      workspace_id: invoice.workspaceId,
      saga_id: invoice.sagaId,
      plan: invoice.plan,
      status: 'draft',
      total_cents: totalCents,
      currency: PLANS[invoice.plan].currency,
      period_start: invoice.periodStart,
      period_end: invoice.periodEnd,
      paid_at: null,
    })
    .execute();
  await trx
    .insertInto('invoice_lines')
    .values(
      invoice.lines.map((line, index) => ({
        invoice_id: id,
        line: index + 1,
        description: line.description,
        quantity: line.quantity,
        unit_amount_cents: line.unitAmountCents,
        amount_cents: line.amountCents,
      })),
    )
    .execute();
  return { id, number, totalCents };
}

export async function setInvoiceStatus(
  trx: Kysely<BillingTables>,
  id: string | null,
  status: 'paid' | 'void' | 'refunded',
  at: Date,
) {
  if (!id) return;
  await trx
    .updateTable('invoices')
    .set({ status, ...(status === 'paid' ? { paid_at: at } : {}) })
    .where('id', '=', id)
    .execute();
}

export async function invoiceWithLines(db: Kysely<BillingTables>, id: string) {
  const invoice = await db.selectFrom('invoices').selectAll().where('id', '=', id).executeTakeFirst();
  if (!invoice) return undefined;
  const lines = await db
    .selectFrom('invoice_lines')
    .selectAll()
    .where('invoice_id', '=', id)
    .orderBy('line')
    .execute();
  return { invoice, lines };
}
