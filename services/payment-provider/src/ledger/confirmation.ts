// What confirming a PaymentIntent does, by its payment method's test token (or a queued `decline`
// fault): a succeeded charge, a failed charge and a 402, or a wait for the customer to
// authenticate (a 402 instead when the customer is not there to do it: `off_session`).
import { cardError, type ErrorCode, invalidRequest, noSuchObject, type StripeApiError } from '../errors.ts';
import { objectId, unixNow } from '../ids.ts';
import type { Charge, LastPaymentError, PaymentIntent, RequestContext } from '../objects.ts';
import { type CardOutcome, forcedDecline, TEST_PAYMENT_METHODS } from '../test-cards.ts';
import type { LedgerDeps } from './state.ts';

export const missingPaymentMethod = () =>
  invalidRequest(
    'payment_intent_unexpected_state',
    "You cannot confirm this PaymentIntent because it's missing a payment method. Update the PaymentIntent with a payment method and then confirm it again.",
    'payment_method',
  );

/** Checks a `payment_method` parameter names a known test token. */
export function checkPaymentMethod(paymentMethod: string | null): void {
  if (paymentMethod !== null && !(paymentMethod in TEST_PAYMENT_METHODS))
    throw noSuchObject('PaymentMethod', paymentMethod, 'payment_method');
}

function recordCharge(
  deps: LedgerDeps,
  intent: PaymentIntent,
  paymentMethod: string,
  context: RequestContext,
  failure: { code: string; declineCode?: string; message: string } | null,
): Charge {
  const charge: Charge = {
    id: objectId('ch'),
    object: 'charge',
    amount: intent.amount,
    amount_captured: failure ? 0 : intent.amount,
    amount_refunded: 0,
    captured: !failure,
    created: unixNow(),
    currency: intent.currency,
    customer: intent.customer,
    failure_code: failure?.code ?? null,
    failure_message: failure?.message ?? null,
    livemode: false,
    metadata: { ...intent.metadata },
    outcome: failure
      ? {
          type: 'issuer_declined',
          network_status: 'declined_by_network',
          reason: failure.declineCode ?? null,
        }
      : { type: 'authorized', network_status: 'approved_by_network', reason: null },
    paid: !failure,
    payment_intent: intent.id,
    payment_method: paymentMethod,
    refunded: false,
    status: failure ? 'failed' : 'succeeded',
  };
  deps.state.charges.set(charge.id, { charge, idempotencyKey: context.idempotencyKey });
  intent.latest_charge = charge.id;
  return charge;
}

export function succeed(
  deps: LedgerDeps,
  intent: PaymentIntent,
  paymentMethod: string,
  context: RequestContext,
) {
  recordCharge(deps, intent, paymentMethod, context, null);
  Object.assign(intent, {
    status: 'succeeded',
    amount_received: intent.amount,
    payment_method: paymentMethod,
    last_payment_error: null,
    next_action: null,
  } satisfies Partial<PaymentIntent>);
  deps.emit('payment_intent.succeeded', intent, context);
}

/** The payment failed: the intent waits for another payment method. Returns the 402 to answer with. */
export function fail(
  deps: LedgerDeps,
  intent: PaymentIntent,
  paymentMethod: string,
  context: RequestContext,
  failure: { code: ErrorCode; declineCode?: string; message: string; withCharge: boolean },
): StripeApiError {
  const charge = failure.withCharge ? recordCharge(deps, intent, paymentMethod, context, failure) : null;
  const lastPaymentError: LastPaymentError = {
    type: 'card_error',
    code: failure.code,
    ...(failure.declineCode ? { decline_code: failure.declineCode } : {}),
    message: failure.message,
    ...(charge ? { charge: charge.id } : {}),
    payment_method: { id: paymentMethod, object: 'payment_method', type: 'card' },
  };
  Object.assign(intent, {
    status: 'requires_payment_method',
    payment_method: null,
    last_payment_error: lastPaymentError,
    next_action: null,
  } satisfies Partial<PaymentIntent>);
  deps.emit('payment_intent.payment_failed', intent, context);
  return cardError(failure.code, failure.declineCode, failure.message, {
    ...(charge ? { charge: charge.id } : {}),
    payment_intent: structuredClone(intent),
    payment_method: lastPaymentError.payment_method,
  });
}

/** Confirms `intent` (already in the ledger); throws the 402 when the payment fails. */
export function confirm(
  deps: LedgerDeps,
  intent: PaymentIntent,
  offSession: boolean,
  context: RequestContext,
) {
  const paymentMethod = intent.payment_method;
  if (paymentMethod === null) throw missingPaymentMethod();
  const forced = deps.takeForcedDecline();
  const outcome: CardOutcome = forced !== null ? forcedDecline(forced) : TEST_PAYMENT_METHODS[paymentMethod]!;
  if (outcome.kind === 'succeed') return succeed(deps, intent, paymentMethod, context);
  if (outcome.kind === 'decline')
    throw fail(deps, intent, paymentMethod, context, { ...outcome, withCharge: true });
  if (offSession)
    throw fail(deps, intent, paymentMethod, context, {
      code: 'authentication_required',
      declineCode: 'authentication_required',
      message: 'Your card was declined. This transaction requires authentication.',
      withCharge: false,
    });
  Object.assign(intent, {
    status: 'requires_action',
    next_action: { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect' } },
    last_payment_error: null,
  } satisfies Partial<PaymentIntent>);
  deps.emit('payment_intent.requires_action', intent, context);
}
