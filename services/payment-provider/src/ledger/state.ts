// The provider's own ledger, in memory: every customer, PaymentIntent, charge and refund, each
// charge and refund with the idempotency key of the request that made it, so tests can assert
// that a retried request never charged twice.
import type { Charge, Customer, EventType, PaymentIntent, Refund, RequestContext } from '../objects.ts';

export interface LedgerState {
  customers: Map<string, Customer>;
  paymentIntents: Map<string, PaymentIntent>;
  charges: Map<string, { charge: Charge; idempotencyKey: string | null }>;
  refunds: Map<string, { refund: Refund; idempotencyKey: string | null }>;
}

export const emptyLedger = (): LedgerState => ({
  customers: new Map(),
  paymentIntents: new Map(),
  charges: new Map(),
  refunds: new Map(),
});

/** What the ledger's operations need besides its state. */
export interface LedgerDeps {
  state: LedgerState;
  /** Records an event (a snapshot of `object` as it is now) and sends it to the webhook endpoints. */
  emit(type: EventType, object: PaymentIntent | Charge, context: RequestContext): void;
  /** A queued `decline` fault for this confirmation: its decline code, or null. */
  takeForcedDecline(): string | null;
}

export interface LedgerCharge {
  id: string;
  paymentIntent: string;
  customer: string | null;
  amount: number;
  amountRefunded: number;
  currency: string;
  status: 'succeeded' | 'failed';
  failureCode: string | null;
  declineCode: string | null;
  idempotencyKey: string | null;
  created: number;
}

export interface LedgerRefund {
  id: string;
  charge: string;
  paymentIntent: string;
  amount: number;
  currency: string;
  idempotencyKey: string | null;
  created: number;
}

export function ledgerCharges(state: LedgerState): LedgerCharge[] {
  return [...state.charges.values()].map(({ charge, idempotencyKey }) => ({
    id: charge.id,
    paymentIntent: charge.payment_intent,
    customer: charge.customer,
    amount: charge.amount,
    amountRefunded: charge.amount_refunded,
    currency: charge.currency,
    status: charge.status,
    failureCode: charge.failure_code,
    declineCode: charge.outcome.reason,
    idempotencyKey,
    created: charge.created,
  }));
}

export function ledgerRefunds(state: LedgerState): LedgerRefund[] {
  return [...state.refunds.values()].map(({ refund, idempotencyKey }) => ({
    id: refund.id,
    charge: refund.charge,
    paymentIntent: refund.payment_intent,
    amount: refund.amount,
    currency: refund.currency,
    idempotencyKey,
    created: refund.created,
  }));
}
