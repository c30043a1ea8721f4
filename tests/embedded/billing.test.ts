// Billing in the embedded tier, against the in-repo payment provider through the official Stripe
// SDK: the upgrade saga with every step failing once (it completes) and for good (it ends
// consistent: charged and not refunded ⇔ active), the provider's ledger as the judge of "never
// charged twice"; invoices, downgrades at the period's end, renewals with dunning, metered usage,
// duplicated and reordered provider webhooks, and the operator's retry and compensate.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { StepFailed } from '@canvass/billing';
import { type EmbeddedPlatform, startEmbeddedPlatform } from '@canvass/launcher';
import { ALL_SCOPES, IDENTITY_HEADER, signIdentity } from '@canvass/service-kit';
import { sql } from 'kysely';
import { type Api, eventually, injectApi } from '../support/api.ts';
import { workspaceApiKey } from '../support/api-keys.ts';
import { freePort } from '../support/cluster.ts';

let platform: EmbeddedPlatform;
let api: Api;
/** Faults by workspace: the step to fail once, for good, or with a passing failure every time. */
const faults = new Map<string, { state: string; mode: 'once' | 'always' | 'passing'; fired: number }>();
const adminToken = `test-operator-${crypto.randomUUID()}`;

before(async () => {
  // The provider's webhooks come over HTTP to the gateway, as in `npm start`.
  const port = await freePort();
  platform = await startEmbeddedPlatform({
    paymentWebhookUrl: `http://127.0.0.1:${port}/api/v1/billing/provider-webhook`,
    dataDir: 'memory://',
    logLevel: process.env.LOG_LEVEL ?? 'silent',
    adminToken,
    billing: {
      callTimeoutMs: 1000,
      dunningMs: [50, 50],
      periodCheckMs: 100,
      orchestrator: {
        intervalMs: 50,
        retryBaseMs: 20,
        retryMaxMs: 200,
        leaseMs: 5000,
        beforeStep(saga) {
          const fault = faults.get(saga.workspace_id);
          if (!fault || fault.state !== saga.state) return;
          if (fault.mode === 'once' && fault.fired > 0) return;
          fault.fired++;
          throw fault.mode === 'always'
            ? new StepFailed(`injected: ${saga.state} fails for good`)
            : new Error(`injected: ${saga.state} fails once`);
        },
      },
    },
  });
  api = injectApi(platform.gateway);
  await platform.gateway.listen({ port, host: '127.0.0.1' });
});
after(() => platform.stop());

const billingDb = () => platform.host.database('billing').kysely;
const billingApp = () => platform.runtimes.find((runtime) => runtime.name === 'billing')!.app;

interface Owner {
  userId: string;
  workspace: string;
  call(
    method: string,
    url: string,
    body?: unknown,
    // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back.
  ): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
}

async function owner(name: string): Promise<Owner> {
  const email = `${name}-${crypto.randomUUID().slice(0, 8)}@example.test`;
  const made = await api('POST', '/api/v1/accounts', {
    body: { email, password: 'a long enough password', name },
  });
  assert.equal(made.status, 202);
  const row = await eventually(async () => {
    const found = await sql<{ userId: string; workspace: string }>`
      select u.id as "userId", m.workspace_id as workspace from users u join memberships m on m.user_id = u.id
      where u.email = ${email}`.execute(platform.host.database('identity').kysely);
    assert.ok(found.rows[0]);
    return found.rows[0];
  });
  // Billing learns of the workspace from identity's events.
  await eventually(async () => {
    const known = await sql`select 1 from workspaces where workspace_id = ${row.workspace}`.execute(
      billingDb(),
    );
    assert.equal(known.rows.length, 1);
  });
  const identity = await signIdentity(platform.internalSecret, {
    subject: row.userId,
    kind: 'user',
    workspace: row.workspace,
    role: 'owner',
    scopes: ['polls:read', 'polls:write', 'results:read', 'workspace:manage'],
  });
  return {
    ...row,
    async call(method, url, body) {
      const response = await billingApp().inject({
        method: method as 'GET',
        url,
        headers: {
          [IDENTITY_HEADER]: identity,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      });
      return {
        status: response.statusCode,
        body: response.body ? JSON.parse(response.body) : undefined,
        headers: response.headers,
      };
    },
  };
}

async function finished(who: Owner, sagaId: string) {
  return eventually(async () => {
    const saga = await who.call('GET', `/api/v1/billing/changes/${sagaId}`);
    assert.equal(saga.status, 200);
    assert.ok(saga.body.outcome, `still at ${saga.body.state}`);
    return saga.body;
  }, 20_000);
}

/** What the provider's own ledger says of a saga: charged, refunded (keys carry the saga id). */
function ledgerOf(sagaId: string) {
  const ledger = platform.payments!.control.ledger();
  const charges = ledger.charges.filter(
    (charge) => charge.idempotencyKey?.includes(sagaId) && charge.status === 'succeeded',
  );
  const refunds = ledger.refunds.filter((refund) => refund.idempotencyKey?.includes(sagaId));
  return { charges, refunds };
}

async function assertConsistent(who: Owner, saga: { id: string; outcome: string; plan: string }) {
  const { charges, refunds } = ledgerOf(saga.id);
  assert.ok(charges.length <= 1, `charged ${charges.length} times`);
  const kept = charges.length === 1 && refunds.length === 0;
  const overview = (await who.call('GET', '/api/v1/billing')).body;
  const active = overview.plan === saga.plan;
  assert.equal(kept, active, `charged and kept (${kept}) ⇔ active (${active}); outcome ${saga.outcome}`);
  assert.equal(saga.outcome === 'completed', active);
  if (refunds.length > 0) assert.equal(refunds[0]!.amount, charges[0]!.amount, 'refunded in full');
}

const upgrade = (who: Owner, plan = 'pro', paymentMethod = 'pm_card_visa') =>
  who.call('POST', '/api/v1/billing/upgrade', { plan, paymentMethod });

test('an upgrade charges once, activates the plan, and writes a paid invoice with its lines', async () => {
  const ann = await owner('ann');
  const before = await ann.call('GET', '/api/v1/billing');
  assert.equal(before.body.plan, 'free');
  assert.equal(before.body.quotas.openPolls, 3);
  const started = await upgrade(ann);
  assert.equal(started.status, 202, JSON.stringify(started.body));
  assert.equal(started.headers.location, `/api/v1/billing/changes/${started.body.id}`);
  const saga = await finished(ann, started.body.id);
  assert.equal(saga.outcome, 'completed', JSON.stringify(saga));
  assert.deepEqual(
    saga.steps.map((step: { step: string }) => step.step),
    ['validate', 'reserve', 'charge', 'activate', 'receipt'],
  );
  await assertConsistent(ann, saga);
  const overview = (await ann.call('GET', '/api/v1/billing')).body;
  assert.equal(overview.quotas.openPolls, 50);
  assert.ok(Date.parse(overview.periodEnd) > Date.now() + 27 * 86_400_000, 'a month paid');
  const invoices = (await ann.call('GET', '/api/v1/billing/invoices')).body.invoices;
  assert.equal(invoices.length, 1);
  assert.equal(invoices[0].status, 'paid');
  assert.equal(invoices[0].totalCents, 2900);
  assert.match(invoices[0].lines[0].description, /^Pro plan, /);
  // The entitlements event went out for the other services to project.
  const events = await sql<{
    type: string;
  }>`select type from outbox where event::jsonb->>'workspace' = ${ann.workspace} order by seq`.execute(
    billingDb(),
  );
  assert.deepEqual(
    events.rows.map((row) => row.type),
    ['billing.entitlements.changed.v1', 'billing.subscription.changed.v1', 'billing.payment.succeeded.v1'],
  );
  // Business from Pro: the unused Pro time is credited on the invoice.
  const higher = await finished(ann, (await upgrade(ann, 'business')).body.id);
  assert.equal(higher.outcome, 'completed');
  const [latest] = (await ann.call('GET', '/api/v1/billing/invoices')).body.invoices;
  assert.equal(latest.lines.length, 2);
  assert.ok(
    latest.lines[1].amountCents < 0 && latest.lines[1].amountCents >= -2900,
    'a credit for unused Pro time',
  );
  assert.equal(latest.totalCents, 14_900 + latest.lines[1].amountCents);
  assert.equal(ledgerOf(higher.id).charges[0]!.amount, latest.totalCents);
});

test('bad requests get clear problems: not an upgrade, a card number, a change already under way', async () => {
  const bea = await owner('bea');
  const same = await upgrade(bea, 'free');
  assert.equal(same.status, 409);
  assert.match(same.body.detail, /on Free already/);
  const card = await bea.call('POST', '/api/v1/billing/upgrade', {
    plan: 'pro',
    paymentMethod: '4242424242424242',
  });
  assert.equal(card.status, 400);
  // Hold the charge with a slow provider answer, and ask again meanwhile.
  platform.payments!.control.addFault({
    fault: 'timeout',
    holdMs: 300,
    apply: true,
    route: 'POST /v1/payment_intents',
  });
  const first = await upgrade(bea);
  assert.equal(first.status, 202);
  const second = await upgrade(bea);
  assert.equal(second.status, 409);
  assert.equal(second.body.type.endsWith('change-in-progress'), true, JSON.stringify(second.body));
  const saga = await finished(bea, first.body.id);
  await assertConsistent(bea, saga);
  platform.payments!.control.clearFaults();
});

const STEPS = ['validate', 'reserve', 'charge', 'activate', 'receipt'] as const;

for (const state of STEPS) {
  test(`the ${state} step failing once: the saga retries and completes, charged once`, async () => {
    const who = await owner(`once-${state}`);
    if (state === 'charge') {
      // A passing failure of the charge is the provider's: a 500 after it charged (kept under the
      // key, so the same call would only get the 500 again: the retry must find the charge).
      platform.payments!.control.addFault({ fault: '500', apply: true, route: 'POST /v1/payment_intents' });
    } else faults.set(who.workspace, { state, mode: 'once', fired: 0 });
    const saga = await finished(who, (await upgrade(who)).body.id);
    assert.equal(saga.outcome, 'completed', JSON.stringify(saga.steps));
    assert.ok(
      saga.steps.some((step: { outcome: string }) => step.outcome === 'retry'),
      'a retry is in the log',
    );
    await assertConsistent(who, saga);
    assert.equal(ledgerOf(saga.id).charges.length, 1);
    platform.payments!.control.clearFaults();
  });
}

const FOR_GOOD: Record<string, { outcome: string; charged: boolean; refunded: boolean }> = {
  validate: { outcome: 'compensated', charged: false, refunded: false },
  reserve: { outcome: 'compensated', charged: false, refunded: false },
  charge: { outcome: 'compensated', charged: false, refunded: false },
  activate: { outcome: 'compensated', charged: true, refunded: true },
};

for (const [state, expected] of Object.entries(FOR_GOOD)) {
  test(`the ${state} step failing for good: the saga ${expected.refunded ? 'refunds and ' : ''}releases, consistent`, async () => {
    const who = await owner(`always-${state}`);
    let paymentMethod = 'pm_card_visa';
    if (state === 'charge') paymentMethod = 'pm_card_chargeDeclined';
    else faults.set(who.workspace, { state, mode: 'always', fired: 0 });
    const saga = await finished(who, (await upgrade(who, 'pro', paymentMethod)).body.id);
    assert.equal(saga.outcome, expected.outcome, JSON.stringify(saga.steps));
    assert.ok(saga.error, 'the reason is kept');
    // In the owners' words: the bank's reason, without the provider's request id.
    if (state === 'charge') assert.match(saga.error, /^Your card was declined/);
    const { charges, refunds } = ledgerOf(saga.id);
    assert.equal(charges.length, expected.charged ? 1 : 0);
    assert.equal(refunds.length, expected.refunded ? 1 : 0);
    await assertConsistent(who, saga);
    if (saga.invoiceId) {
      const invoice = await sql<{
        status: string;
      }>`select status from invoices where id = ${saga.invoiceId}`.execute(billingDb());
      assert.equal(invoice.rows[0]!.status, expected.refunded ? 'refunded' : 'void');
    }
    // The owners are told, through the outbox.
    const told = await sql<{
      n: number;
    }>`select count(*)::int as n from outbox where type = 'billing.payment.failed.v1' and event::jsonb->>'workspace' = ${who.workspace}`.execute(
      billingDb(),
    );
    assert.equal(told.rows[0]!.n, 1);
  });
}

test('a card whose bank asks the cardholder to confirm: nothing charged, the owners are told why in plain words', async () => {
  const kim = await owner('kim');
  const saga = await finished(kim, (await upgrade(kim, 'pro', 'pm_card_authenticationRequired')).body.id);
  assert.equal(saga.outcome, 'compensated', JSON.stringify(saga.steps));
  assert.match(saga.error, /confirm this payment/);
  assert.equal(ledgerOf(saga.id).charges.length, 0);
  await assertConsistent(kim, saga);
  const [failed] = await eventsOf(kim, 'billing.payment.failed.v1');
  assert.equal(failed.data.final, true);
  assert.match(failed.data.reason, /confirm this payment/);
});

test('a charge whose answers are lost but which went through is found, and the saga goes forward: charged once, active', async () => {
  const dee = await owner('dee');
  // Every charge call times out, and the provider still charges the first: the retry finds it
  // (by its webhook, or by asking) instead of charging again or giving up.
  platform.payments!.control.addFault({
    fault: 'timeout',
    holdMs: 1200,
    apply: true,
    times: 1000,
    route: 'POST /v1/payment_intents',
  });
  const saga = await finished(dee, (await upgrade(dee)).body.id);
  platform.payments!.control.clearFaults();
  assert.equal(saga.outcome, 'completed', JSON.stringify(saga.steps));
  assert.ok(saga.steps.some((step: { outcome: string }) => step.outcome === 'retry'));
  const { charges, refunds } = ledgerOf(saga.id);
  assert.equal(charges.length, 1, 'one charge, however many calls');
  assert.equal(refunds.length, 0);
  await assertConsistent(dee, saga);
});

test('a charge that never got through by its deadline is settled under its key and given back, never charged twice', async () => {
  const cy = await owner('cy');
  // Every charge call times out before the provider does anything.
  platform.payments!.control.addFault({
    fault: 'timeout',
    holdMs: 1200,
    apply: false,
    times: 1000,
    route: 'POST /v1/payment_intents',
  });
  const started = await upgrade(cy);
  const attempts = async () =>
    Number(
      (
        await sql<{ attempts: number }>`select attempts from sagas where id = ${started.body.id}`.execute(
          billingDb(),
        )
      ).rows[0]!.attempts,
    );
  await eventually(async () => assert.ok((await attempts()) >= 2), 15_000);
  // Shorten the wait: the charge step's deadline passes now, while the provider still times out,
  // and one more attempt sees it (clearing the faults first would let an attempt already under
  // way charge before the deadline). The provider then answers again, so the call under the same
  // key settles it (a late first call could not charge a second time) and the saga, past its
  // deadline, gives the money back.
  await sql`update sagas set step_started_at = now() - interval '1 hour' where id = ${started.body.id}`.execute(
    billingDb(),
  );
  const seen = await attempts();
  await eventually(async () => assert.ok((await attempts()) > seen), 15_000);
  platform.payments!.control.clearFaults();
  const saga = await finished(cy, started.body.id);
  assert.equal(saga.outcome, 'compensated', JSON.stringify(saga.steps));
  assert.ok(saga.steps.some((step: { step: string }) => step.step === 'void'));
  const { charges, refunds } = ledgerOf(saga.id);
  assert.ok(charges.length <= 1, 'never charged twice');
  assert.equal(refunds.length, charges.length, 'whatever was charged is given back');
  await assertConsistent(cy, saga);
});

/** Ends the workspace's paid period now: the period check (every 100 ms here) takes it up. */
const endPeriodNow = (who: Owner) =>
  sql`update subscriptions set period_end = now() - interval '1 second' where workspace_id = ${who.workspace}`.execute(
    billingDb(),
  );

const sagasOf = async (who: Owner, kind: string) =>
  (
    await sql<{
      id: string;
      outcome: string | null;
    }>`select id, outcome from sagas where workspace_id = ${who.workspace} and kind = ${kind} order by created_at`.execute(
      billingDb(),
    )
  ).rows;

const eventsOf = async (who: Owner, type: string) =>
  (
    await sql<{
      event: string;
    }>`select event from outbox where type = ${type} and event::jsonb->>'workspace' = ${who.workspace} order by seq`.execute(
      billingDb(),
    )
  ).rows.map((row) => (typeof row.event === 'string' ? JSON.parse(row.event) : row.event));

test('a downgrade waits for the end of the paid period, can be undone, and then takes effect', async () => {
  const eve = await owner('eve');
  assert.equal((await finished(eve, (await upgrade(eve, 'business')).body.id)).outcome, 'completed');
  const higher = await eve.call('POST', '/api/v1/billing/downgrade', { plan: 'business' });
  assert.equal(higher.status, 409);
  const pending = await eve.call('POST', '/api/v1/billing/downgrade', { plan: 'free' });
  assert.equal(pending.status, 200, JSON.stringify(pending.body));
  assert.equal(pending.body.pendingPlan, 'free');
  assert.equal(pending.body.plan, 'business', 'nothing changes before the period ends');
  assert.equal((await eve.call('DELETE', '/api/v1/billing/downgrade')).status, 204);
  assert.equal((await eve.call('GET', '/api/v1/billing')).body.pendingPlan, null);
  assert.equal((await eve.call('POST', '/api/v1/billing/downgrade', { plan: 'pro' })).status, 200);
  await endPeriodNow(eve);
  // A pending paid plan renews at its own price.
  const renewed = await eventually(async () => {
    const overview = (await eve.call('GET', '/api/v1/billing')).body;
    assert.equal(overview.plan, 'pro');
    return overview;
  }, 15_000);
  assert.equal(renewed.pendingPlan, null);
  assert.equal(renewed.quotas.openPolls, 50);
  const [renewal] = await sagasOf(eve, 'renewal');
  assert.equal(renewal!.outcome, 'completed');
  assert.equal(ledgerOf(renewal!.id).charges[0]!.amount, 2900);
  // Cancel: Free at the period's end, with no charge.
  assert.equal((await eve.call('POST', '/api/v1/billing/downgrade', { plan: 'free' })).status, 200);
  await endPeriodNow(eve);
  const cancelled = await eventually(async () => {
    const overview = (await eve.call('GET', '/api/v1/billing')).body;
    assert.equal(overview.plan, 'free');
    return overview;
  }, 15_000);
  assert.equal(cancelled.periodEnd, null);
  assert.equal((await sagasOf(eve, 'renewal')).length, 1, 'no renewal for a cancelled plan');
  const changes = await eventsOf(eve, 'billing.entitlements.changed.v1');
  assert.deepEqual(
    changes.map((event) => [event.data.plan, event.data.version]),
    [
      ['business', 1],
      ['pro', 2],
      ['free', 3],
    ],
  );
});

test('a paid plan renews each period: a new invoice, the next period, charged once', async () => {
  const fay = await owner('fay');
  await finished(fay, (await upgrade(fay)).body.id);
  const before = (await fay.call('GET', '/api/v1/billing')).body;
  await endPeriodNow(fay);
  const after = await eventually(async () => {
    const [renewal] = await sagasOf(fay, 'renewal');
    assert.equal(renewal?.outcome, 'completed');
    return (await fay.call('GET', '/api/v1/billing')).body;
  }, 15_000);
  assert.equal(after.plan, 'pro');
  assert.equal(after.status, 'active');
  // The next period starts where the last one ended (moved to now here) and lasts a month.
  assert.notEqual(after.periodStart, before.periodStart);
  assert.ok(Date.parse(after.periodStart) <= Date.now());
  assert.ok(Date.parse(after.periodEnd) > Date.now() + 27 * 86_400_000);
  const invoices = (await fay.call('GET', '/api/v1/billing/invoices')).body.invoices;
  assert.equal(invoices.length, 2);
  assert.equal(invoices[0].status, 'paid');
  assert.equal(invoices[0].totalCents, 2900);
  assert.equal(invoices[0].lines.length, 1, 'a renewal has no proration');
});

test('a declined renewal is retried (dunning), the owners are told each time, and after the last try the workspace is on Free', async () => {
  const gus = await owner('gus');
  await finished(gus, (await upgrade(gus)).body.id);
  // The card on file starts declining.
  await sql`update subscriptions set payment_method = 'pm_card_chargeDeclined' where workspace_id = ${gus.workspace}`.execute(
    billingDb(),
  );
  await endPeriodNow(gus);
  const overview = await eventually(async () => {
    const [renewal] = await sagasOf(gus, 'renewal');
    assert.equal(renewal?.outcome, 'compensated');
    return (await gus.call('GET', '/api/v1/billing')).body;
  }, 15_000);
  assert.equal(overview.plan, 'free');
  assert.equal(overview.quotas.openPolls, 3);
  const failed = await eventsOf(gus, 'billing.payment.failed.v1');
  // Two waits (50 ms each here): three tries, the last one final.
  assert.deepEqual(
    failed.map((event) => event.data.final),
    [false, false, true],
  );
  assert.ok(failed[0].data.nextAttemptAt, 'the owners are told when it is tried again');
  const [renewal] = await sagasOf(gus, 'renewal');
  const ledger = platform.payments!.control.ledger();
  const keys = ledger.charges
    .filter((charge) => charge.idempotencyKey?.includes(renewal!.id))
    .map((charge) => charge.idempotencyKey);
  assert.equal(new Set(keys).size, 3, `one charge per try, each under its own key: ${keys.join(', ')}`);
  assert.equal(ledgerOf(renewal!.id).charges.length, 0, 'nothing was charged');
  const invoices = (await gus.call('GET', '/api/v1/billing/invoices')).body.invoices;
  assert.equal(invoices[0].status, 'void');
});

test('provider webhooks: a forged one is refused, duplicates change nothing, one out of order does not step a payment back', async () => {
  const forged = await billingApp().inject({
    method: 'POST',
    url: '/api/v1/billing/provider-webhook',
    headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' },
    payload: JSON.stringify({ id: 'evt_forged', type: 'payment_intent.succeeded' }),
  });
  assert.equal(forged.statusCode, 400);
  assert.match(String(forged.headers['content-type']), /^application\/problem\+json/);
  const hal = await owner('hal');
  // Charged, then refunded (activation fails for good): the refund's event is sent before the
  // charge's, and every event is sent twice.
  platform.payments!.control.addFault({ fault: 'duplicate', times: 100 });
  platform.payments!.control.addFault({
    fault: 'out_of_order',
    times: 1,
    eventType: 'payment_intent.succeeded',
  });
  faults.set(hal.workspace, { state: 'activate', mode: 'always', fired: 0 });
  const saga = await finished(hal, (await upgrade(hal)).body.id);
  assert.equal(saga.outcome, 'compensated');
  await platform.payments!.control.settle();
  const payment = await eventually(async () => {
    const rows = await sql<{
      status: string;
      amount_refunded: number;
    }>`select status, amount_refunded from provider_payments where saga_id = ${saga.id}`.execute(billingDb());
    assert.equal(rows.rows.length, 1);
    assert.equal(rows.rows[0]!.status, 'refunded');
    return rows.rows[0]!;
  });
  assert.equal(Number(payment.amount_refunded), saga.amountCents);
  const events = await sql<{
    n: number;
  }>`select count(*)::int as n from provider_events where payment_id = ${saga.paymentId}`.execute(
    billingDb(),
  );
  assert.ok(events.rows[0]!.n >= 2, 'each event recorded once');
  platform.payments!.control.clearFaults();
  await assertConsistent(hal, saga);
});

test('usage is metered once from events: votes this month equal a recount, open polls and members follow', async () => {
  const ida = await owner('ida');
  const key = await workspaceApiKey(platform, ida, ALL_SCOPES);
  const auth = { authorization: `Bearer ${key}` };
  const polls: { id: string; options: { id: string }[] }[] = [];
  for (const question of ['First?', 'Second?']) {
    const made = await api('POST', '/api/v1/polls', {
      headers: auth,
      body: { question, options: [{ label: 'A' }, { label: 'B' }], status: 'open' },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    polls.push(made.body);
  }
  for (const [i, poll] of polls.entries()) {
    for (let voter = 0; voter < 7 + i; voter++) {
      const cast = await api('POST', `/api/v1/polls/${poll.id}/votes`, {
        headers: { 'voter-token': `usage-${ida.workspace}-${voter}` },
        body: { optionIds: [poll.options[voter % 2]!.id] },
      });
      assert.equal(cast.status, 201, JSON.stringify(cast.body));
    }
  }
  // A changed vote is a retraction and a new vote: metered as one more vote cast.
  await api('POST', `/api/v1/polls/${polls[0]!.id}/votes`, {
    headers: { 'voter-token': `usage-${ida.workspace}-0` },
    body: { optionIds: [polls[0]!.options[1]!.id] },
  });
  const recount = async () =>
    Number(
      (
        await sql<{ n: string }>`select count(*) as n from votes where poll_id in (${sql.join(
          polls.map((poll) => poll.id),
        )})`.execute(platform.host.database('polls').kysely)
      ).rows[0]!.n,
    );
  const usage = await eventually(async () => {
    const overview = (await ida.call('GET', '/api/v1/billing')).body;
    assert.equal(overview.usage.openPolls, 2);
    assert.ok(overview.usage.votes >= 15);
    return overview.usage;
  });
  assert.equal(usage.members, 1);
  assert.equal(usage.votes, await recount(), 'metered votes = votes written');
  // Every vote event of these polls delivered again, in order and reversed: the meter does not
  // move. A fresh vote on each poll after them shows they have all been through.
  // As published: the stored event with its poll's stream version (poll-stream.ts).
  const stored = await sql<{
    event: unknown;
  }>`select event || jsonb_build_object('partitionkey', poll_id, 'streamversion', version) as event
    from poll_events where type = 'polls.vote.cast.v3'
    and poll_id in (${sql.join(polls.map((poll) => poll.id))}) order by position`.execute(
    platform.host.database('polls').kysely,
  );
  const again = stored.rows.map((row) => (typeof row.event === 'string' ? JSON.parse(row.event) : row.event));
  assert.equal(again.length, usage.votes);
  await platform.bus.publish(again);
  await platform.bus.publish([...again].reverse());
  for (const poll of polls) {
    const fresh = await api('POST', `/api/v1/polls/${poll.id}/votes`, {
      headers: { 'voter-token': `usage-${ida.workspace}-fresh` },
      body: { optionIds: [poll.options[0]!.id] },
    });
    assert.equal(fresh.status, 201, JSON.stringify(fresh.body));
  }
  await eventually(async () => {
    const votes = (await ida.call('GET', '/api/v1/billing')).body.usage.votes;
    assert.equal(votes, usage.votes + 2, 'the two fresh votes, and nothing for the redeliveries');
  });
  assert.equal(usage.votes + 2, await recount());
  // Closing a poll frees its slot.
  const closed = await api('POST', `/api/v1/polls/${polls[1]!.id}/close`, { headers: auth });
  assert.equal(closed.status, 200, JSON.stringify(closed.body));
  await eventually(async () => {
    assert.equal((await ida.call('GET', '/api/v1/billing')).body.usage.openPolls, 1);
  });
});

test('operators see every saga with its steps, run a waiting one now, and send a stuck one back', async () => {
  const jo = await owner('jo');
  const operator = (method: string, url: string) =>
    billingApp().inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${adminToken}` },
    });
  // Stuck before the charge: validate keeps failing (a passing failure), so it waits and retries.
  faults.set(jo.workspace, { state: 'validate', mode: 'passing', fired: 0 });
  const started = await upgrade(jo);
  await eventually(async () => {
    const saga = JSON.parse((await operator('GET', `/admin/v1/sagas/${started.body.id}`)).body);
    assert.ok(saga.attempts >= 2, JSON.stringify(saga));
  });
  const listed = JSON.parse((await operator('GET', `/admin/v1/sagas?workspace=${jo.workspace}`)).body);
  assert.equal(listed.sagas.length, 1);
  assert.equal(listed.sagas[0].state, 'validate');
  assert.equal((await operator('POST', `/admin/v1/sagas/${started.body.id}/retry`)).statusCode, 200);
  const sent = await operator('POST', `/admin/v1/sagas/${started.body.id}/compensate`);
  assert.equal(sent.statusCode, 200, sent.body);
  const saga = await finished(jo, started.body.id);
  assert.equal(saga.outcome, 'compensated');
  assert.equal(ledgerOf(saga.id).charges.length, 0);
  await assertConsistent(jo, saga);
  // A finished saga cannot be sent back; an unknown one is a 404 problem.
  assert.equal((await operator('POST', `/admin/v1/sagas/${saga.id}/compensate`)).statusCode, 409);
  const unknown = await operator('GET', '/admin/v1/sagas/nope');
  assert.equal(unknown.statusCode, 404);
  assert.match(String(unknown.headers['content-type']), /^application\/problem\+json/);
  assert.equal((await billingApp().inject({ method: 'GET', url: '/admin/v1/sagas' })).statusCode, 401);
});
