// The Stripe API subset, driven by the official SDK: charges, declines, authentication,
// idempotency, refunds, and what the provider refuses.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import Stripe from 'stripe';
import { startProvider, type TestProvider } from './test-support.ts';

let provider: TestProvider;
let stripe: Stripe;

before(async () => {
  provider = await startProvider();
  stripe = provider.stripe();
});
beforeEach(() => provider.control.reset());
after(() => provider.close());

const succeededCharges = () =>
  provider.control.ledger().charges.filter((charge) => charge.status === 'succeeded');

/** The error a call raises (it must raise one). */
async function failure(call: Promise<unknown>): Promise<InstanceType<typeof Stripe.errors.StripeError>> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof Stripe.errors.StripeError, `not a StripeError: ${String(error)}`);
    return error;
  }
  assert.fail('the call succeeded');
}

test('a confirmed PaymentIntent with pm_card_visa succeeds and charges once', async () => {
  const customer = await stripe.customers.create({ email: 'ada@example.com', name: 'Ada' });
  const intent = await stripe.paymentIntents.create({
    amount: 1_500,
    currency: 'EUR',
    customer: customer.id,
    payment_method: 'pm_card_visa',
    confirm: true,
    description: 'Canvass Team, 1 month',
    metadata: { workspace: 'w1', invoice: 'inv-7' },
  });
  assert.equal(intent.object, 'payment_intent');
  assert.equal(intent.status, 'succeeded');
  assert.equal(intent.amount_received, 1_500);
  assert.equal(intent.currency, 'eur');
  assert.deepEqual(intent.metadata, { workspace: 'w1', invoice: 'inv-7' });
  assert.equal((await stripe.paymentIntents.retrieve(intent.id)).status, 'succeeded');
  assert.equal((await stripe.customers.retrieve(customer.id)).id, customer.id);
  const [charge] = provider.control.ledger().charges;
  assert.equal(provider.control.ledger().charges.length, 1);
  assert.equal(charge?.id, intent.latest_charge);
  assert.equal(charge?.customer, customer.id);
  assert.deepEqual(
    provider.control.events().map((event) => [event.type, (event.data.object as { id: string }).id]),
    [['payment_intent.succeeded', intent.id]],
  );
});

test('an intent created without confirm waits, then POST /confirm charges it', async () => {
  const intent = await stripe.paymentIntents.create({ amount: 800, currency: 'usd' });
  assert.equal(intent.status, 'requires_payment_method');
  assert.equal(succeededCharges().length, 0);
  const confirmed = await stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_mastercard' });
  assert.equal(confirmed.status, 'succeeded');
  const again = await failure(stripe.paymentIntents.confirm(intent.id));
  assert.ok(again instanceof Stripe.errors.StripeInvalidRequestError);
  assert.equal(again.code, 'payment_intent_unexpected_state');
  assert.equal(succeededCharges().length, 1);
});

test('a declined card raises StripeCardError with its decline code; the intent wants another method', async () => {
  const declined = await failure(
    stripe.paymentIntents.create({
      amount: 2_000,
      currency: 'usd',
      payment_method: 'pm_card_chargeDeclined',
      confirm: true,
    }),
  );
  assert.ok(declined instanceof Stripe.errors.StripeCardError);
  assert.equal(declined.statusCode, 402);
  assert.equal(declined.code, 'card_declined');
  assert.equal(declined.decline_code, 'generic_decline');
  const intent = declined.payment_intent!;
  assert.equal(intent.status, 'requires_payment_method');
  assert.equal(intent.last_payment_error?.decline_code, 'generic_decline');

  const poor = await failure(
    stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_chargeDeclinedInsufficientFunds' }),
  );
  assert.equal(poor.decline_code, 'insufficient_funds');
  const retried = await stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
  assert.equal(retried.status, 'succeeded');
  assert.deepEqual(
    provider.control.ledger().charges.map((charge) => [charge.status, charge.declineCode]),
    [
      ['failed', 'generic_decline'],
      ['failed', 'insufficient_funds'],
      ['succeeded', null],
    ],
  );
});

test('a card that needs authentication leaves the intent in requires_action until the customer acts', async () => {
  const intent = await stripe.paymentIntents.create({
    amount: 900,
    currency: 'usd',
    payment_method: 'pm_card_authenticationRequired',
    confirm: true,
  });
  assert.equal(intent.status, 'requires_action');
  assert.equal(intent.next_action?.type, 'use_stripe_sdk');
  assert.equal(succeededCharges().length, 0);
  provider.control.authenticate(intent.id, 'succeeded');
  assert.equal((await stripe.paymentIntents.retrieve(intent.id)).status, 'succeeded');
  assert.equal(succeededCharges().length, 1);

  const offSession = await failure(
    stripe.paymentIntents.create({
      amount: 900,
      currency: 'usd',
      payment_method: 'pm_card_authenticationRequired',
      confirm: true,
      off_session: true,
    }),
  );
  assert.ok(offSession instanceof Stripe.errors.StripeCardError);
  assert.equal(offSession.code, 'authentication_required');
  assert.equal(offSession.payment_intent?.status, 'requires_payment_method');
});

test('the same idempotency key and parameters replay the first answer: one intent, one charge', async () => {
  const params = {
    amount: 4_200,
    currency: 'usd',
    payment_method: 'pm_card_visa',
    confirm: true,
    metadata: { invoice: 'inv-9' },
  };
  const first = await stripe.paymentIntents.create(params, { idempotencyKey: 'invoice-inv-9' });
  const second = await stripe.paymentIntents.create(params, { idempotencyKey: 'invoice-inv-9' });
  assert.equal(second.id, first.id);
  assert.equal(second.lastResponse.headers['idempotent-replayed'], 'true');
  assert.equal(first.lastResponse.headers['idempotent-replayed'], undefined);
  const ledger = provider.control.ledger();
  assert.equal(ledger.charges.length, 1);
  assert.deepEqual(ledger.byIdempotencyKey['invoice-inv-9'], {
    route: 'POST /v1/payment_intents',
    statusCode: 200,
    replays: 1,
    charges: [first.latest_charge],
    refunds: [],
  });

  const declineParams = {
    amount: 700,
    currency: 'usd',
    payment_method: 'pm_card_chargeDeclined',
    confirm: true,
  };
  const declined = await failure(
    stripe.paymentIntents.create(declineParams, { idempotencyKey: 'declined-once' }),
  );
  const replayed = await failure(
    stripe.paymentIntents.create(declineParams, { idempotencyKey: 'declined-once' }),
  );
  assert.equal(
    replayed.payment_intent?.id,
    declined.payment_intent?.id,
    'a decline is saved and replayed too',
  );
  assert.equal(provider.control.ledger().charges.length, 2);
});

test('a key reused with other parameters or for another endpoint is an idempotency error', async () => {
  await stripe.paymentIntents.create(
    { amount: 1_000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true },
    { idempotencyKey: 'k-1' },
  );
  const otherAmount = await failure(
    stripe.paymentIntents.create(
      { amount: 1_001, currency: 'usd', payment_method: 'pm_card_visa', confirm: true },
      { idempotencyKey: 'k-1' },
    ),
  );
  assert.ok(otherAmount instanceof Stripe.errors.StripeIdempotencyError);
  assert.equal(otherAmount.statusCode, 400);
  const otherEndpoint = await failure(stripe.customers.create({}, { idempotencyKey: 'k-1' }));
  assert.ok(otherEndpoint instanceof Stripe.errors.StripeIdempotencyError);
  assert.equal(provider.control.ledger().charges.length, 1);
});

test('a request refused by validation saves nothing: the key works again once the request is fixed', async () => {
  const missing = await failure(
    stripe.paymentIntents.create({ amount: 1_000 } as Stripe.PaymentIntentCreateParams, {
      idempotencyKey: 'fix-me',
    }),
  );
  assert.equal(missing.code, 'parameter_missing');
  assert.equal(missing.param, 'currency');
  const fixed = await stripe.paymentIntents.create(
    { amount: 1_000, currency: 'usd' },
    { idempotencyKey: 'fix-me' },
  );
  assert.equal(fixed.status, 'requires_payment_method');
  const unknown = await failure(
    stripe.paymentIntents.create({ amount: 1_000, currency: 'usd', capture_method: 'manual' }),
  );
  assert.equal(unknown.code, 'parameter_unknown');
  const tooSmall = await failure(stripe.paymentIntents.create({ amount: 10, currency: 'usd' }));
  assert.equal(tooSmall.code, 'amount_too_small');
  const noSuchToken = await failure(
    stripe.paymentIntents.create({ amount: 1_000, currency: 'usd', payment_method: 'pm_card_nope' }),
  );
  assert.equal(noSuchToken.code, 'resource_missing');
  const noSuchIntent = await failure(stripe.paymentIntents.retrieve('pi_missing'));
  assert.equal(noSuchIntent.statusCode, 404);
});

test('refunds: in parts up to the amount charged, never more', async () => {
  const intent = await stripe.paymentIntents.create({
    amount: 1_000,
    currency: 'usd',
    payment_method: 'pm_card_visa',
    confirm: true,
  });
  const part = await stripe.refunds.create(
    { payment_intent: intent.id, amount: 400 },
    { idempotencyKey: 'refund-1' },
  );
  assert.equal(part.object, 'refund');
  assert.equal(part.amount, 400);
  assert.equal(part.status, 'succeeded');
  const replay = await stripe.refunds.create(
    { payment_intent: intent.id, amount: 400 },
    { idempotencyKey: 'refund-1' },
  );
  assert.equal(replay.id, part.id);

  const tooMuch = await failure(stripe.refunds.create({ payment_intent: intent.id, amount: 601 }));
  assert.ok(tooMuch instanceof Stripe.errors.StripeInvalidRequestError);
  assert.equal(tooMuch.code, 'amount_too_large');
  const rest = await stripe.refunds.create({ payment_intent: intent.id });
  assert.equal(rest.amount, 600);
  const nothingLeft = await failure(stripe.refunds.create({ payment_intent: intent.id, amount: 1 }));
  assert.equal(nothingLeft.code, 'charge_already_refunded');

  const ledger = provider.control.ledger();
  assert.deepEqual(
    ledger.refunds.map((refund) => refund.amount),
    [400, 600],
  );
  assert.equal(ledger.charges[0]?.amountRefunded, 1_000);
  assert.deepEqual(ledger.byIdempotencyKey['refund-1']?.refunds, [part.id]);
  const charge = await stripe.charges.retrieve(intent.latest_charge as string);
  assert.equal(charge.refunded, true);

  const unpaid = await stripe.paymentIntents.create({ amount: 1_000, currency: 'usd' });
  const notCharged = await failure(stripe.refunds.create({ payment_intent: unpaid.id }));
  assert.equal(notCharged.statusCode, 400);
});

test('card numbers are refused, wherever they are put, and nothing is charged', async () => {
  const asCard = await failure(
    stripe.paymentIntents.create({
      amount: 1_000,
      currency: 'usd',
      confirm: true,
      payment_method_data: {
        type: 'card',
        card: { number: '4242424242424242', exp_month: 12, exp_year: 2030 },
      },
    } as unknown as Stripe.PaymentIntentCreateParams),
  );
  assert.ok(asCard instanceof Stripe.errors.StripeInvalidRequestError);
  assert.equal(asCard.statusCode, 400);
  assert.equal(asCard.param, 'payment_method_data[card][number]');
  assert.doesNotMatch(asCard.message, /4242/);
  const asToken = await failure(
    stripe.paymentIntents.create({
      amount: 1_000,
      currency: 'usd',
      payment_method: '4000 0000 0000 0002',
      confirm: true,
    }),
  );
  assert.equal(asToken.param, 'payment_method');
  const inMetadata = await failure(stripe.customers.create({ metadata: { note: '5555-5555-5555-4444' } }));
  assert.equal(inMetadata.param, 'metadata[note]');
  assert.equal(provider.control.ledger().charges.length, 0);
  assert.equal((await stripe.customers.create({ metadata: { order: '1234567890123' } })).object, 'customer');
});

test('a request without a test-mode secret key is refused with 401, as Stripe does', async () => {
  const missing = await fetch(`${provider.url}/v1/customers`, { method: 'POST' });
  assert.equal(missing.status, 401);
  const body = (await missing.json()) as { error: { type: string; message: string } };
  assert.equal(body.error.type, 'invalid_request_error');
  assert.match(body.error.message, /did not provide an API key/);
  const live = new Stripe('sk_live_abcdefghijklmnopqrstuvwx', {
    host: '127.0.0.1',
    port: provider.port,
    protocol: 'http',
    maxNetworkRetries: 0,
  });
  const refused = await failure(live.customers.create({}));
  assert.ok(refused instanceof Stripe.errors.StripeAuthenticationError);
  assert.doesNotMatch(refused.message, /abcdefghijklmnop/, 'the key is masked');
  const unknownUrl = await fetch(`${provider.url}/v1/subscriptions`, {
    headers: { authorization: 'Bearer sk_test_x' },
  });
  assert.equal(unknownUrl.status, 404);
});
