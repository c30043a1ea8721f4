// The plan page's invoices, newest first: each opens to its lines (the plan's month, and a credit
// for unused time after an upgrade mid-month).
import { day, type Invoice, money } from './billing-model.ts';
import { Failure, type Loaded, Loading } from './ui.tsx';

const STATUS: Record<string, [label: string, tone: string]> = {
  paid: ['Paid', 'status-on'],
  refunded: ['Refunded', 'delivery-pending'],
  void: ['Void', 'status-off'],
  draft: ['Draft', 'status-off'],
};

export function Invoices({ loaded }: { loaded: Loaded<{ invoices: Invoice[] } | null> }) {
  return (
    <section aria-labelledby="invoices-heading">
      <h2 id="invoices-heading">Invoices</h2>
      {loaded.state === 'loading' && <Loading what="invoices" />}
      {loaded.state === 'failed' && <Failure message={loaded.message} />}
      {loaded.state === 'ready' && loaded.value === null && (
        <p class="muted">Only the workspace’s owners see its invoices.</p>
      )}
      {loaded.state === 'ready' && loaded.value?.invoices.length === 0 && (
        <div class="empty">
          <p>No invoices yet.</p>
          <p class="muted">
            Free costs nothing, so there is nothing to bill. Each payment for a paid plan (an upgrade, then
            every month’s renewal) gets an invoice here.
          </p>
        </div>
      )}
      {loaded.state === 'ready' && loaded.value && loaded.value.invoices.length > 0 && (
        <ul class="poll-list invoice-list">
          {loaded.value.invoices.map((invoice) => (
            <InvoiceItem key={invoice.id} invoice={invoice} />
          ))}
        </ul>
      )}
    </section>
  );
}

function InvoiceItem({ invoice }: { invoice: Invoice }) {
  const [label, tone] = STATUS[invoice.status] ?? [invoice.status, 'status-off'];
  const total = money(invoice.totalCents, invoice.currency);
  return (
    <li>
      <details class="invoice">
        <summary>
          <span class="invoice-number">Invoice {invoice.number}</span>
          <span class="invoice-total">{total}</span>
          <span class="poll-meta">
            <span class={`badge ${tone}`}>{label}</span> {day(invoice.paidAt ?? invoice.createdAt)} · for{' '}
            {day(invoice.periodStart)} – {day(invoice.periodEnd)}
          </span>
        </summary>
        <div class="table-scroll">
          <table class="invoice-lines">
            <caption class="visually-hidden">Lines of invoice {invoice.number}</caption>
            <thead>
              <tr>
                <th scope="col">Description</th>
                <th scope="col" class="number">
                  Qty
                </th>
                <th scope="col" class="number">
                  Unit price
                </th>
                <th scope="col" class="number">
                  Amount
                </th>
              </tr>
            </thead>
            <tbody>
              {invoice.lines.map((line, index) => (
                <tr key={`${index}-${line.description}`}>
                  <td class="line-description">{line.description}</td>
                  <td class="number line-quantity" data-label="Qty">
                    {line.quantity}
                  </td>
                  <td class="number line-unit" data-label="Unit price">
                    {money(line.unitAmountCents, invoice.currency)}
                  </td>
                  <td class="number line-amount">{money(line.amountCents, invoice.currency)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={3}>
                  Total
                </th>
                <td class="number line-amount">{total}</td>
              </tr>
            </tfoot>
          </table>
        </div>
      </details>
    </li>
  );
}
