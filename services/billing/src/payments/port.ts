// The PaymentProvider port: what billing asks of a payment provider. The Stripe adapter
// (stripe.ts) implements it with the official SDK, against Stripe itself or the in-repo provider
// (services/payment-provider). Canvass passes tokens only (`pm_…`), never card numbers.
//
// Every call carries an idempotency key derived from the saga and step, so a call repeated after a
// crash or a timeout is the same call to the provider: one charge, one refund.

export interface ChargeRequest {
  amountCents: number;
  currency: string;
  /** A payment method token from the provider's own card form. */
  paymentMethod: string;
  description: string;
  idempotencyKey: string;
  metadata: Record<string, string>;
  timeoutMs: number;
}

export type ChargeResult =
  | { outcome: 'succeeded'; paymentId: string }
  /** The card was declined, or the provider refused the request: retrying will not help. */
  | { outcome: 'declined'; paymentId: string | null; code: string; reason: string }
  /** The bank wants the cardholder to confirm (3-D Secure): not something a saga can do alone. */
  | { outcome: 'requires_action'; paymentId: string; reason: string };

export interface RefundRequest {
  paymentId: string;
  amountCents: number;
  idempotencyKey: string;
  timeoutMs: number;
}

/** What a provider's webhook says, once verified. */
export interface ProviderEvent {
  id: string;
  type: 'payment.succeeded' | 'payment.failed' | 'payment.requires_action' | 'payment.refunded' | 'other';
  paymentId: string | null;
  sagaId: string | null;
  /** The provider's time of the event (seconds): a later state wins. */
  created: number;
  amountRefunded: number;
}

export interface PaymentProvider {
  readonly name: string;
  charge(request: ChargeRequest): Promise<ChargeResult>;
  refund(request: RefundRequest): Promise<{ refundId: string }>;
  /**
   * What became of the charge a saga asked for (found by the `saga_id` metadata), or null if the
   * provider has none: how a charge whose answer was lost (a timeout, a 500) is settled.
   */
  findCharge(sagaId: string, timeoutMs: number): Promise<ChargeResult | null>;
  /** Verifies a webhook's signature; throws WebhookRejected if it does not hold. */
  verifyWebhook(rawBody: string, headers: Record<string, string | string[] | undefined>): ProviderEvent;
}

/** The provider could not be reached or failed (timeout, 5xx, connection): the same call may be repeated. */
export class PaymentUnavailable extends Error {
  override name = 'PaymentUnavailable';
}

/** The provider refused a request for good (not a decline): a bug or a configuration error. */
export class PaymentRejected extends Error {
  override name = 'PaymentRejected';
}

export class WebhookRejected extends Error {
  override name = 'WebhookRejected';
}
