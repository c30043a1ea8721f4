// PaymentIntents: created (and confirmed at once with `confirm=true`), confirmed later, read, and
// (outside Stripe's API, for tests) authenticated by the customer.
import type { Params } from '../api/form.ts';
import {
  metadataOf,
  onlyKnown,
  optionalBoolean,
  optionalString,
  requiredInteger,
  requiredString,
  stringList,
} from '../api/params.ts';
import { invalidRequest, noSuchObject } from '../errors.ts';
import { clientSecretFor, objectId, unixNow } from '../ids.ts';
import type { PaymentIntent, RequestContext } from '../objects.ts';
import { checkPaymentMethod, confirm, fail, missingPaymentMethod, succeed } from './confirmation.ts';
import type { LedgerDeps } from './state.ts';

const CREATE_PARAMS = [
  'amount',
  'currency',
  'customer',
  'payment_method',
  'payment_method_types',
  'confirm',
  'off_session',
  'metadata',
  'description',
  'receipt_email',
  'return_url',
  'automatic_payment_methods',
  'expand',
];
const CONFIRM_PARAMS = ['payment_method', 'off_session', 'return_url', 'expand'];
/** Stripe's minimum charge, applied to every currency here: 50 of its smallest unit. */
const MINIMUM_AMOUNT = 50;

export function paymentIntentOf(deps: LedgerDeps, id: string, param?: string): PaymentIntent {
  const intent = deps.state.paymentIntents.get(id);
  if (!intent) throw noSuchObject('payment_intent', id, param);
  return intent;
}

/**
 * Stripe's search, for the one form billing uses: `metadata['<key>']:'<value>'` (newest first).
 * It is how a caller finds what became of a create whose answer it never got.
 */
export function searchPaymentIntents(deps: LedgerDeps, query: unknown) {
  const match =
    typeof query === 'string' ? /^metadata\['([\w-]{1,40})'\]:'([^']{0,500})'$/.exec(query.trim()) : null;
  if (!match)
    throw invalidRequest(
      'parameter_invalid_string',
      "Only queries of the form metadata['key']:'value' are supported here.",
      'query',
    );
  const [, field, value] = match as unknown as [string, string, string];
  const data = [...deps.state.paymentIntents.values()]
    .filter((intent) => intent.metadata[field] === value)
    .sort((a, b) => b.created - a.created)
    .map((intent) => structuredClone(intent));
  return {
    object: 'search_result',
    data,
    has_more: false,
    next_page: null,
    url: '/v1/payment_intents/search',
  };
}

export function createPaymentIntent(deps: LedgerDeps, params: Params, context: RequestContext) {
  onlyKnown(params, CREATE_PARAMS);
  const amount = requiredInteger(params, 'amount');
  const currency = requiredString(params, 'currency').toLowerCase();
  if (!/^[a-z]{3}$/.test(currency))
    throw invalidRequest(undefined, `Invalid currency: ${currency}`, 'currency');
  if (amount < MINIMUM_AMOUNT)
    throw invalidRequest(
      'amount_too_small',
      `Amount must be at least ${MINIMUM_AMOUNT} ${currency}`,
      'amount',
    );
  const customer = optionalString(params, 'customer');
  if (customer !== null && !deps.state.customers.has(customer))
    throw noSuchObject('customer', customer, 'customer');
  const paymentMethod = optionalString(params, 'payment_method');
  checkPaymentMethod(paymentMethod);
  const shouldConfirm = optionalBoolean(params, 'confirm');
  const offSession = optionalBoolean(params, 'off_session');
  const id = objectId('pi');
  const intent: PaymentIntent = {
    id,
    object: 'payment_intent',
    amount,
    amount_capturable: 0,
    amount_received: 0,
    capture_method: 'automatic',
    client_secret: clientSecretFor(id),
    confirmation_method: 'automatic',
    created: unixNow(),
    currency,
    customer,
    description: optionalString(params, 'description'),
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    metadata: metadataOf(params),
    next_action: null,
    payment_method: paymentMethod,
    payment_method_types: stringList(params, 'payment_method_types') ?? ['card'],
    status: paymentMethod ? 'requires_confirmation' : 'requires_payment_method',
  };
  if (shouldConfirm && paymentMethod === null) throw missingPaymentMethod();
  deps.state.paymentIntents.set(id, intent);
  if (shouldConfirm) confirm(deps, intent, offSession, context);
  return structuredClone(intent);
}

export function confirmPaymentIntent(deps: LedgerDeps, id: string, params: Params, context: RequestContext) {
  const intent = paymentIntentOf(deps, id);
  onlyKnown(params, CONFIRM_PARAMS);
  const paymentMethod = optionalString(params, 'payment_method');
  checkPaymentMethod(paymentMethod);
  const confirmable = ['requires_payment_method', 'requires_confirmation', 'requires_action'];
  if (!confirmable.includes(intent.status))
    throw invalidRequest(
      'payment_intent_unexpected_state',
      `You cannot confirm this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be confirmed: ${confirmable.join(', ')}.`,
    );
  if (paymentMethod !== null) intent.payment_method = paymentMethod;
  confirm(deps, intent, optionalBoolean(params, 'off_session'), context);
  return structuredClone(intent);
}

/** The customer completes (or fails) the authentication a `requires_action` intent waits for. */
export function completeAuthentication(deps: LedgerDeps, id: string, outcome: 'succeeded' | 'failed') {
  const intent = paymentIntentOf(deps, id);
  if (intent.status !== 'requires_action' || intent.payment_method === null)
    throw invalidRequest(
      'payment_intent_unexpected_state',
      `This PaymentIntent has a status of ${intent.status}; only one in requires_action can be authenticated.`,
    );
  const context: RequestContext = { requestId: null, idempotencyKey: null, apiVersion: null };
  if (outcome === 'succeeded') succeed(deps, intent, intent.payment_method, context);
  // The 402 fail() returns is for an API caller; here the failure is only the intent's new state.
  else
    fail(deps, intent, intent.payment_method, context, {
      code: 'payment_intent_authentication_failure',
      message:
        'We are unable to authenticate your payment method. Please choose a different payment method and try again.',
      withCharge: false,
    });
  return structuredClone(intent);
}
