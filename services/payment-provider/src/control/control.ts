// The control side of the provider (not part of Stripe's API): queue faults, read the ledger, the
// events and every webhook attempt, play the customer who authenticates, reset, and wait for
// pending work. The same object serves in-process tests and the HTTP control API.
import type { IdempotencyStore } from '../api/idempotency.ts';
import type { FaultQueue, FaultSpec, QueuedFault } from '../faults.ts';
import { completeAuthentication } from '../ledger/payment-intents.ts';
import {
  type LedgerCharge,
  type LedgerDeps,
  type LedgerRefund,
  type LedgerState,
  ledgerCharges,
  ledgerRefunds,
} from '../ledger/state.ts';
import type { PaymentIntent, StripeEvent, WebhookEndpoint } from '../objects.ts';
import type { DeliveryAttempt, Dispatcher } from '../webhooks/dispatcher.ts';
import type { EndpointRegistry } from '../webhooks/endpoints.ts';

export interface IdempotencyKeyView {
  /** The endpoint the key was first used for, e.g. `POST /v1/payment_intents`. */
  route: string;
  /** The saved answer's status; null while the first request is still running. */
  statusCode: number | null;
  /** How many retries got the saved answer. */
  replays: number;
  charges: string[];
  refunds: string[];
}

export interface LedgerView {
  charges: LedgerCharge[];
  refunds: LedgerRefund[];
  byIdempotencyKey: Record<string, IdempotencyKeyView>;
}

export interface PaymentProviderControl {
  addFault(spec: FaultSpec): QueuedFault;
  faults(): QueuedFault[];
  clearFaults(): void;
  ledger(): LedgerView;
  events(): StripeEvent[];
  webhookDeliveries(): DeliveryAttempt[];
  /** Every endpoint with its signing secret (the configured one included). */
  webhookEndpoints(): (WebhookEndpoint & { secret: string })[];
  /** The customer completes (`succeeded`) or fails 3-D Secure for a `requires_action` intent. */
  authenticate(paymentIntentId: string, outcome: 'succeeded' | 'failed'): PaymentIntent;
  /** Forgets everything but the endpoint configured at start: ledger, keys, faults, events, log. */
  reset(): void;
  /** Resolves once no held answer, webhook attempt, retry or held event is pending. */
  settle(): Promise<void>;
}

export interface ControlDeps {
  state: LedgerState;
  ledger: LedgerDeps;
  idempotency: IdempotencyStore;
  faults: FaultQueue;
  events: StripeEvent[];
  endpoints: EndpointRegistry;
  dispatcher: Dispatcher;
  settleApi(): Promise<void>;
  clearLedger(): void;
}

export function createControl(deps: ControlDeps): PaymentProviderControl {
  function ledger(): LedgerView {
    const charges = ledgerCharges(deps.state);
    const refunds = ledgerRefunds(deps.state);
    const byIdempotencyKey: Record<string, IdempotencyKeyView> = {};
    for (const record of deps.idempotency.records())
      byIdempotencyKey[record.key] = {
        route: record.route,
        statusCode: record.response?.statusCode ?? null,
        replays: record.replays,
        charges: charges.filter((charge) => charge.idempotencyKey === record.key).map((charge) => charge.id),
        refunds: refunds.filter((refund) => refund.idempotencyKey === record.key).map((refund) => refund.id),
      };
    return { charges, refunds, byIdempotencyKey };
  }

  return {
    addFault: (spec) => deps.faults.add(spec),
    faults: () => deps.faults.list(),
    clearFaults: () => deps.faults.clear(),
    ledger,
    events: () => structuredClone(deps.events),
    webhookDeliveries: () => deps.dispatcher.deliveries(),
    webhookEndpoints: () => deps.endpoints.withSecrets(),
    authenticate: (id, outcome) => completeAuthentication(deps.ledger, id, outcome),
    reset() {
      deps.clearLedger();
      deps.idempotency.clear();
      deps.faults.clear();
      deps.events.length = 0;
      deps.endpoints.reset();
      deps.dispatcher.reset();
    },
    async settle() {
      await deps.settleApi();
      await deps.dispatcher.settle();
    },
  };
}
