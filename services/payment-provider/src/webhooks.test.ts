// Signed webhooks received by a real HTTP server and verified with the official SDK's
// stripe.webhooks.constructEvent; retries; and the duplicate, out_of_order and drop faults.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import Stripe from 'stripe';
import { type Receiver, startProvider, startReceiver, type TestProvider } from './test-support.ts';

let provider: TestProvider;
let stripe: Stripe;
let receiver: Receiver;
let secret: string;

before(async () => {
  receiver = await startReceiver();
  provider = await startProvider({
    webhook: { url: receiver.url, secret: 'whsec_configuredAtStart123' },
    webhookRetryDelaysMs: [20, 40],
    webhookTimeoutMs: 1_000,
    outOfOrderHoldMs: 2_000,
  });
  stripe = provider.stripe();
});
beforeEach(async () => {
  await provider.control.settle();
  provider.control.reset();
  receiver.received.length = 0;
  receiver.answer = () => 200;
  secret = 'whsec_configuredAtStart123';
});
after(async () => {
  await provider.close();
  await receiver.close();
});

const pay = (payment_method: string, extra: Partial<Stripe.PaymentIntentCreateParams> = {}) =>
  stripe.paymentIntents
    .create({ amount: 1_200, currency: 'usd', payment_method, confirm: true, ...extra })
    .catch((error: unknown) => error);

/** Every received request, verified with the SDK (throws on a bad signature). */
const verified = () =>
  receiver.received.map((request) =>
    stripe.webhooks.constructEvent(request.body, request.headers['stripe-signature'] as string, secret),
  );

test('each event arrives signed as Stripe signs it and constructEvent verifies it', async () => {
  const paid = (await pay('pm_card_visa')) as Stripe.PaymentIntent;
  await pay('pm_card_chargeDeclined', { metadata: { invoice: 'inv-2' } });
  await pay('pm_card_authenticationRequired');
  await stripe.refunds.create({ payment_intent: paid.id, amount: 200 }, { idempotencyKey: 'refund-a' });
  await provider.control.settle();
  const events = verified();
  assert.deepEqual(
    events.map((event) => event.type),
    [
      'payment_intent.succeeded',
      'payment_intent.payment_failed',
      'payment_intent.requires_action',
      'charge.refunded',
    ],
  );
  assert.ok(
    events.every((event) => /^evt_/.test(event.id) && event.object === 'event' && event.livemode === false),
  );
  const succeeded = events[0]!.data.object as Stripe.PaymentIntent;
  assert.equal(succeeded.id, paid.id);
  assert.equal(succeeded.status, 'succeeded');
  const failed = events[1]!.data.object as Stripe.PaymentIntent;
  assert.equal(failed.last_payment_error?.decline_code, 'generic_decline');
  assert.equal(failed.metadata.invoice, 'inv-2');
  const refunded = events[3]!.data.object as Stripe.Charge;
  assert.equal(refunded.amount_refunded, 200);
  assert.equal(events[3]!.request?.idempotency_key, 'refund-a');
  assert.match(receiver.received[0]!.headers['stripe-signature'] as string, /^t=\d+,v1=[0-9a-f]{64}$/);

  assert.throws(
    () =>
      stripe.webhooks.constructEvent(
        receiver.received[0]!.body,
        receiver.received[0]!.headers['stripe-signature'] as string,
        'whsec_someoneElses',
      ),
    Stripe.errors.StripeSignatureVerificationError,
  );
});

test('endpoints registered through the API get their own secret and only the events they asked for', async () => {
  const other = await startReceiver();
  try {
    const endpoint = await stripe.webhookEndpoints.create({
      url: other.url,
      enabled_events: ['charge.refunded'],
    });
    assert.match(endpoint.secret ?? '', /^whsec_/);
    assert.equal((await stripe.webhookEndpoints.retrieve(endpoint.id)).secret, undefined, 'shown once');
    const paid = (await pay('pm_card_visa')) as Stripe.PaymentIntent;
    await stripe.refunds.create({ payment_intent: paid.id });
    await provider.control.settle();
    assert.equal(other.received.length, 1);
    const event = stripe.webhooks.constructEvent(
      other.received[0]!.body,
      other.received[0]!.headers['stripe-signature'] as string,
      endpoint.secret!,
    );
    assert.equal(event.type, 'charge.refunded');
    assert.equal(receiver.received.length, 2, 'the configured endpoint takes every event');
    const refused = await stripe.webhookEndpoints
      .create({ url: other.url, enabled_events: ['invoice.paid'] })
      .catch((error: unknown) => error);
    assert.ok(
      refused instanceof Stripe.errors.StripeInvalidRequestError,
      'an event this provider never sends',
    );
  } finally {
    await other.close();
  }
});

test('a failed delivery is tried again on the schedule, then given up', async () => {
  receiver.answer = (n) => (n === 0 ? 500 : 200);
  await pay('pm_card_visa');
  await provider.control.settle();
  assert.equal(receiver.received.length, 2);
  assert.equal(verified()[0]!.id, verified()[1]!.id);
  assert.deepEqual(
    provider.control.webhookDeliveries().map((attempt) => [attempt.attempt, attempt.statusCode, attempt.ok]),
    [
      [1, 500, false],
      [2, 200, true],
    ],
  );

  receiver.received.length = 0;
  receiver.answer = () => 503;
  await pay('pm_card_visa');
  await provider.control.settle();
  assert.equal(receiver.received.length, 3, 'the first attempt and two retries');
});

test('duplicate: the same event arrives twice', async () => {
  provider.control.addFault({ fault: 'duplicate', eventType: 'payment_intent.succeeded' });
  await pay('pm_card_visa');
  await provider.control.settle();
  const [first, second] = verified();
  assert.equal(receiver.received.length, 2);
  assert.equal(first!.id, second!.id);
  assert.equal(provider.control.events().length, 1, 'one event, delivered twice');
});

test('out_of_order: an event is held and arrives after the next one', async () => {
  provider.control.addFault({ fault: 'out_of_order' });
  const paid = (await pay('pm_card_visa')) as Stripe.PaymentIntent;
  await stripe.refunds.create({ payment_intent: paid.id });
  await provider.control.settle();
  assert.deepEqual(
    verified().map((event) => event.type),
    ['charge.refunded', 'payment_intent.succeeded'],
  );
  assert.deepEqual(
    provider.control.events().map((event) => event.type),
    ['payment_intent.succeeded', 'charge.refunded'],
    'the events happened in the other order',
  );
});

test('drop: the event is never delivered; the log says so', async () => {
  provider.control.addFault({ fault: 'drop' });
  await pay('pm_card_visa');
  await pay('pm_card_chargeDeclined');
  await provider.control.settle();
  assert.deepEqual(
    verified().map((event) => event.type),
    ['payment_intent.payment_failed'],
  );
  const dropped = provider.control.webhookDeliveries().filter((attempt) => attempt.fault === 'drop');
  assert.equal(dropped.length, 1);
  assert.equal(dropped[0]!.eventType, 'payment_intent.succeeded');
});
