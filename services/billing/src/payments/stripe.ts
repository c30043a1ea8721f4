// The PaymentProvider port over Stripe's API, with the official SDK. The same code talks to
// Stripe itself (STRIPE_API_KEY, no base URL) or to the in-repo provider
// (services/payment-provider) when STRIPE_API_BASE points at it.
import Stripe from 'stripe';
import {
  type ChargeRequest,
  type ChargeResult,
  type PaymentProvider,
  PaymentRejected,
  PaymentUnavailable,
  type ProviderEvent,
  WebhookRejected,
} from './port.ts';

export interface StripeProviderOptions {
  apiKey: string;
  /** e.g. http://127.0.0.1:8120 for the in-repo provider; unset: Stripe itself. */
  apiBase?: string | undefined;
  /** The webhook endpoint's signing secret (whsec_…). */
  webhookSecret: string;
}

/** The SDK starts some messages with the request id (`[req_…] Your card was declined.`): owners read these. */
const plain = (message: string) => message.replace(/^\[req_[^\]]*\]\s*/, '');

export function stripeProvider(options: StripeProviderOptions): PaymentProvider {
  const base = options.apiBase ? new URL(options.apiBase) : undefined;
  const stripe = new Stripe(options.apiKey, {
    // Retries are the saga's: each repeats the call under its idempotency key.
    maxNetworkRetries: 0,
    ...(base
      ? {
          host: base.hostname,
          port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
          protocol: base.protocol === 'https:' ? 'https' : 'http',
        }
      : {}),
  });

  function failure(error: unknown): never {
    if (error instanceof Stripe.errors.StripeError) {
      const status = error.statusCode ?? 0;
      if (
        error instanceof Stripe.errors.StripeConnectionError ||
        error instanceof Stripe.errors.StripeAPIError ||
        error instanceof Stripe.errors.StripeRateLimitError ||
        status >= 500 ||
        status === 409 // the same key is in use by a request still running: try again
      )
        throw new PaymentUnavailable(error.message);
      throw new PaymentRejected(plain(error.message));
    }
    // Timeouts and sockets closed before an answer.
    throw new PaymentUnavailable(error instanceof Error ? error.message : String(error));
  }

  const resultOf = (intent: Stripe.PaymentIntent): ChargeResult => {
    if (intent.status === 'succeeded') return { outcome: 'succeeded', paymentId: intent.id };
    if (intent.status === 'requires_action')
      return {
        outcome: 'requires_action',
        paymentId: intent.id,
        reason: 'The bank asks for authentication.',
      };
    if (intent.status === 'processing')
      throw new PaymentUnavailable(`payment ${intent.id} is still processing`);
    const error = intent.last_payment_error;
    return {
      outcome: 'declined',
      paymentId: intent.id,
      code: error?.decline_code ?? error?.code ?? intent.status,
      reason: error?.message ? plain(error.message) : 'The payment was not completed.',
    };
  };

  return {
    name: base ? `stripe-api at ${base.host}` : 'stripe',
    async charge(request: ChargeRequest) {
      try {
        const intent = await stripe.paymentIntents.create(
          {
            amount: request.amountCents,
            currency: request.currency,
            payment_method: request.paymentMethod,
            automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
            confirm: true,
            description: request.description,
            metadata: request.metadata,
          },
          { idempotencyKey: request.idempotencyKey, timeout: request.timeoutMs },
        );
        return resultOf(intent);
      } catch (error) {
        if (error instanceof Stripe.errors.StripeCardError) {
          const intent = error.payment_intent;
          if (error.code === 'authentication_required' && intent)
            return { outcome: 'requires_action', paymentId: intent.id, reason: plain(error.message) };
          return {
            outcome: 'declined',
            paymentId: intent?.id ?? null,
            code: error.decline_code ?? error.code ?? 'card_declined',
            reason: plain(error.message),
          };
        }
        return failure(error);
      }
    },
    async findCharge(sagaId, timeoutMs) {
      try {
        // Search is how Stripe finds objects by metadata. It is eventually consistent there (new
        // objects can take a while to appear), so the saga asks only after the call's deadline
        // and also trusts the payment webhooks it has recorded (provider_payments).
        const found = await stripe.paymentIntents.search(
          { query: `metadata['saga_id']:'${sagaId.replaceAll("'", '')}'`, limit: 10 },
          { timeout: timeoutMs },
        );
        const intents = found.data;
        const settled =
          intents.find((intent) => intent.status === 'succeeded') ??
          intents.find((intent) => intent.status === 'processing') ??
          intents[0];
        return settled ? resultOf(settled) : null;
      } catch (error) {
        return failure(error);
      }
    },
    async refund(request) {
      try {
        const refund = await stripe.refunds.create(
          { payment_intent: request.paymentId, amount: request.amountCents },
          { idempotencyKey: request.idempotencyKey, timeout: request.timeoutMs },
        );
        return { refundId: refund.id };
      } catch (error) {
        // Refunded already (by an operator in the provider's dashboard): nothing left to give back.
        if (
          error instanceof Stripe.errors.StripeInvalidRequestError &&
          error.code === 'charge_already_refunded'
        )
          return { refundId: `already-refunded:${request.paymentId}` };
        return failure(error);
      }
    },
    verifyWebhook(rawBody, headers) {
      const signature = headers['stripe-signature'];
      if (typeof signature !== 'string') throw new WebhookRejected('no Stripe-Signature header');
      let event: Stripe.Event;
      try {
        event = stripe.webhooks.constructEvent(rawBody, signature, options.webhookSecret);
      } catch (error) {
        throw new WebhookRejected(error instanceof Error ? error.message : 'bad signature');
      }
      return eventOf(event);
    },
  };
}

function eventOf(event: Stripe.Event): ProviderEvent {
  const object = event.data.object as unknown as {
    object?: string;
    id?: string;
    payment_intent?: string | { id: string } | null;
    metadata?: Record<string, string>;
    amount_refunded?: number;
  };
  const types: Record<string, ProviderEvent['type']> = {
    'payment_intent.succeeded': 'payment.succeeded',
    'payment_intent.payment_failed': 'payment.failed',
    'payment_intent.requires_action': 'payment.requires_action',
    'charge.refunded': 'payment.refunded',
  };
  const paymentId =
    object.object === 'payment_intent'
      ? (object.id ?? null)
      : typeof object.payment_intent === 'string'
        ? object.payment_intent
        : (object.payment_intent?.id ?? null);
  return {
    id: event.id,
    type: types[event.type] ?? 'other',
    paymentId,
    sagaId: object.metadata?.saga_id ?? null,
    created: event.created,
    amountRefunded: object.amount_refunded ?? 0,
  };
}
