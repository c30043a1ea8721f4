// Refunds of a succeeded PaymentIntent's charge, whole or in parts; never more than was charged.
import type { Params } from '../api/form.ts';
import { metadataOf, onlyKnown, optionalInteger, optionalString } from '../api/params.ts';
import { invalidRequest, noSuchObject } from '../errors.ts';
import { objectId, unixNow } from '../ids.ts';
import type { Charge, Refund, RequestContext } from '../objects.ts';
import { paymentIntentOf } from './payment-intents.ts';
import type { LedgerDeps } from './state.ts';

const REFUND_PARAMS = ['payment_intent', 'charge', 'amount', 'reason', 'metadata', 'expand'];
const REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'];

function chargeToRefund(deps: LedgerDeps, params: Params): Charge {
  const paymentIntentId = optionalString(params, 'payment_intent');
  const chargeId = optionalString(params, 'charge');
  if ((paymentIntentId === null) === (chargeId === null))
    throw invalidRequest(
      'parameter_missing',
      'One of the following params should be provided for this request: payment_intent or charge.',
      'payment_intent',
    );
  if (chargeId !== null) {
    const found = deps.state.charges.get(chargeId);
    if (!found) throw noSuchObject('charge', chargeId, 'charge');
    if (found.charge.status !== 'succeeded')
      throw invalidRequest(
        undefined,
        `Charge ${chargeId} did not succeed: there is nothing to refund.`,
        'charge',
      );
    return found.charge;
  }
  const intent = paymentIntentOf(deps, paymentIntentId!, 'payment_intent');
  const charge = intent.latest_charge ? deps.state.charges.get(intent.latest_charge)?.charge : undefined;
  if (intent.status !== 'succeeded' || !charge)
    throw invalidRequest(
      undefined,
      `This PaymentIntent (${intent.id}) does not have a successful charge to refund.`,
      'payment_intent',
    );
  return charge;
}

export function createRefund(deps: LedgerDeps, params: Params, context: RequestContext): Refund {
  onlyKnown(params, REFUND_PARAMS);
  const charge = chargeToRefund(deps, params);
  const reason = optionalString(params, 'reason');
  if (reason !== null && !REASONS.includes(reason))
    throw invalidRequest(undefined, `Invalid reason: must be one of ${REASONS.join(', ')}`, 'reason');
  const remaining = charge.amount_captured - charge.amount_refunded;
  if (remaining === 0)
    throw invalidRequest('charge_already_refunded', `Charge ${charge.id} has already been refunded.`);
  const amount = optionalInteger(params, 'amount') ?? remaining;
  if (amount < 1) throw invalidRequest('parameter_invalid_integer', 'Invalid positive integer', 'amount');
  if (amount > remaining)
    throw invalidRequest(
      'amount_too_large',
      `Refund amount (${amount} ${charge.currency}) is greater than unrefunded amount on charge (${remaining} ${charge.currency})`,
      'amount',
    );
  const refund: Refund = {
    id: objectId('re'),
    object: 'refund',
    amount,
    charge: charge.id,
    created: unixNow(),
    currency: charge.currency,
    metadata: metadataOf(params),
    payment_intent: charge.payment_intent,
    reason,
    status: 'succeeded',
  };
  deps.state.refunds.set(refund.id, { refund, idempotencyKey: context.idempotencyKey });
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded === charge.amount_captured;
  deps.emit('charge.refunded', charge, context);
  return structuredClone(refund);
}

export function refundOf(deps: LedgerDeps, id: string): Refund {
  const found = deps.state.refunds.get(id);
  if (!found) throw noSuchObject('refund', id);
  return structuredClone(found.refund);
}

export function chargeOf(deps: LedgerDeps, id: string): Charge {
  const found = deps.state.charges.get(id);
  if (!found) throw noSuchObject('charge', id);
  return structuredClone(found.charge);
}
