// Faults on demand, seen through the official SDK: a timeout that still charges, one that does
// not, a 500 before and after the charge, a forced decline, and the control API over HTTP.
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

const charge = { amount: 2_500, currency: 'usd', payment_method: 'pm_card_visa', confirm: true };
const succeeded = () => provider.control.ledger().charges.filter((c) => c.status === 'succeeded');

async function failure(call: Promise<unknown>): Promise<InstanceType<typeof Stripe.errors.StripeError>> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof Stripe.errors.StripeError, `not a StripeError: ${String(error)}`);
    return error;
  }
  assert.fail('the call succeeded');
}

test('timeout: the client gives up, the charge still happens, and a retry with the key gets that one charge', async () => {
  provider.control.addFault({ fault: 'timeout', holdMs: 600, route: 'POST /v1/payment_intents' });
  const impatient = provider.stripe({ timeout: 150 });
  const timedOut = await failure(impatient.paymentIntents.create(charge, { idempotencyKey: 'order-1' }));
  assert.ok(timedOut instanceof Stripe.errors.StripeConnectionError);
  assert.equal(succeeded().length, 0, 'still held: nothing charged yet');

  const tooSoon = await failure(stripe.paymentIntents.create(charge, { idempotencyKey: 'order-1' }));
  assert.equal(tooSoon.statusCode, 409, 'the first request is still running');
  assert.equal(tooSoon.code, 'idempotency_key_in_use');

  await provider.control.settle();
  assert.equal(succeeded().length, 1, 'the held request charged after all');
  const retried = await stripe.paymentIntents.create(charge, { idempotencyKey: 'order-1' });
  assert.equal(retried.status, 'succeeded');
  assert.equal(retried.lastResponse.headers['idempotent-replayed'], 'true');
  const ledger = provider.control.ledger();
  assert.equal(ledger.charges.length, 1);
  assert.deepEqual(ledger.byIdempotencyKey['order-1']?.charges, [retried.latest_charge]);
});

test('timeout without the charge: the connection ends with nothing done, so a retry charges once', async () => {
  provider.control.addFault({ fault: 'timeout', holdMs: 300, apply: false });
  const impatient = provider.stripe({ timeout: 100 });
  await failure(impatient.paymentIntents.create(charge, { idempotencyKey: 'order-2' }));
  await provider.control.settle();
  assert.equal(provider.control.ledger().charges.length, 0);
  assert.equal(provider.control.ledger().byIdempotencyKey['order-2'], undefined, 'the key was not saved');
  const retried = await stripe.paymentIntents.create(charge, { idempotencyKey: 'order-2' });
  assert.equal(retried.status, 'succeeded');
  assert.equal(succeeded().length, 1);
});

test('500 before the charge: nothing happened, the SDK is told to retry, and a retry charges once', async () => {
  provider.control.addFault({ fault: '500', apply: false });
  const failed = await failure(stripe.paymentIntents.create(charge, { idempotencyKey: 'order-3' }));
  assert.ok(failed instanceof Stripe.errors.StripeAPIError);
  assert.equal(failed.statusCode, 500);
  assert.equal(failed.headers?.['stripe-should-retry'], 'true');
  assert.equal(provider.control.ledger().charges.length, 0);
  await stripe.paymentIntents.create(charge, { idempotencyKey: 'order-3' });
  assert.equal(succeeded().length, 1);

  // The SDK's own retries (maxNetworkRetries) see the same fault through.
  provider.control.addFault({ fault: '500', apply: false, times: 2 });
  const patient = provider.stripe({ maxNetworkRetries: 2 });
  const intent = await patient.paymentIntents.create(charge, { idempotencyKey: 'order-4' });
  assert.equal(intent.status, 'succeeded');
  assert.equal(succeeded().length, 2);
  assert.deepEqual(provider.control.faults(), []);
});

test('500 after the charge: the key replays the 500, as Stripe does, and the charge happened exactly once', async () => {
  provider.control.addFault({ fault: '500' });
  const failed = await failure(stripe.paymentIntents.create(charge, { idempotencyKey: 'order-5' }));
  assert.equal(failed.statusCode, 500);
  assert.equal(failed.headers?.['stripe-should-retry'], 'false');
  const again = await failure(stripe.paymentIntents.create(charge, { idempotencyKey: 'order-5' }));
  assert.equal(again.statusCode, 500);
  assert.equal(again.headers?.['idempotent-replayed'], 'true');
  const ledger = provider.control.ledger();
  assert.equal(ledger.charges.length, 1);
  assert.equal(ledger.byIdempotencyKey['order-5']?.replays, 1);
  const [only] = ledger.charges;
  // The outcome is learnt another way: here the intent, read back; in billing, the webhook.
  assert.equal((await stripe.paymentIntents.retrieve(only!.paymentIntent)).status, 'succeeded');
  assert.deepEqual(
    provider.control.events().map((event) => event.type),
    ['payment_intent.succeeded'],
  );
});

test('decline: the next confirmations are declined whatever the card; faults only hit the routes they name', async () => {
  provider.control.addFault({ fault: 'decline', declineCode: 'do_not_honor' });
  provider.control.addFault({ fault: '500', route: 'POST /v1/refunds' });
  const declined = await failure(stripe.paymentIntents.create(charge));
  assert.ok(declined instanceof Stripe.errors.StripeCardError);
  assert.equal(declined.decline_code, 'do_not_honor');
  const intent = await stripe.paymentIntents.create(charge);
  assert.equal(intent.status, 'succeeded', 'the fault was for one call only');
  await stripe.customers.create({});
  const refund = await failure(stripe.refunds.create({ payment_intent: intent.id }));
  assert.equal(refund.statusCode, 500, 'the refund route took its own fault');
});

test('the control API over HTTP: faults queued and refused, the ledger read, a reset', async () => {
  const bad = await fetch(`${provider.url}/_control/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ fault: 'explode' }),
  });
  assert.equal(bad.status, 400);
  const queued = await fetch(`${provider.url}/_control/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ fault: 'decline', times: 2 }),
  });
  assert.equal(queued.status, 201);
  assert.equal(((await queued.json()) as { remaining: number }).remaining, 2);
  await failure(stripe.paymentIntents.create(charge, { idempotencyKey: 'over-http' }));
  const ledger = (await (await fetch(`${provider.url}/_control/ledger`)).json()) as {
    charges: { status: string; idempotencyKey: string }[];
  };
  assert.deepEqual(
    ledger.charges.map((c) => [c.status, c.idempotencyKey]),
    [['failed', 'over-http']],
  );
  const faults = (await (await fetch(`${provider.url}/_control/faults`)).json()) as {
    data: { remaining: number }[];
  };
  assert.equal(faults.data[0]?.remaining, 1);
  assert.equal((await fetch(`${provider.url}/_control/reset`, { method: 'POST' })).status, 204);
  assert.deepEqual(provider.control.ledger(), { charges: [], refunds: [], byIdempotencyKey: {} });
  assert.deepEqual(provider.control.faults(), []);
});
