// The billing process killed (SIGKILL) at each step of an upgrade saga, right after the step did
// its work and before it was recorded (`CANVASS_CHAOS=billing-crash:<step>`), then started again
// without the switch: the saga resumes from its log once the dead process's lease ends, and the
// payment provider's ledger shows exactly one charge, no refund, and the plan active, with each
// of its events written once. Real PostgreSQL and NATS JetStream; the in-repo payment provider,
// in this process, sends its signed webhooks to the billing process over HTTP.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createPaymentProvider, type PaymentProvider } from '@canvass/payment-provider';
import { IDENTITY_HEADER, signIdentity } from '@canvass/service-kit';
import pg from 'pg';
import { eventually } from '../support/api.ts';
import { freePort, NATS_URL, testDatabases } from '../support/cluster.ts';
import { startServiceProcess, stopProcess, waitReady } from '../support/processes.ts';

const SECRET = `billing-crash-test-${'x'.repeat(32)}`;
const WEBHOOK_SECRET = `whsec_${crypto.randomUUID().replaceAll('-', '')}`;
const STEPS = ['validate', 'reserve', 'charge', 'activate', 'receipt'] as const;

let provider: PaymentProvider;
let db: pg.Pool;
let port: number;
let env: Record<string, string>;

before(async () => {
  const urls = await testDatabases(['billing']);
  port = await freePort();
  provider = await createPaymentProvider({
    webhook: { url: `http://127.0.0.1:${port}/api/v1/billing/provider-webhook`, secret: WEBHOOK_SECRET },
  });
  db = new pg.Pool({ connectionString: urls.billing!, max: 2, options: '-c search_path=billing' });
  env = {
    PORT: String(port),
    DATABASE_URL: urls.billing!,
    NATS_URL,
    CANVASS_INTERNAL_SECRET: SECRET,
    STRIPE_API_BASE: provider.url,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    // A dead process's saga is taken over after a second, not the default 30.
    CANVASS_SAGA_LEASE_MS: '1000',
    CANVASS_SAGA_RETRY_MS: '50',
  };
});
after(async () => {
  await db?.end();
  await provider?.close();
});

async function call(workspace: string, method: string, path: string, body?: unknown) {
  const identity = await signIdentity(SECRET, {
    subject: `owner-${workspace}`,
    kind: 'user',
    workspace,
    role: 'owner',
    scopes: ['polls:read', 'workspace:manage'],
  });
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: {
      [IDENTITY_HEADER]: identity,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

for (const step of STEPS) {
  test(`billing killed right after the ${step} step: the saga resumes, one charge, no refund, the plan active, each event once`, async (t) => {
    const workspace = `crash-${step}-${crypto.randomUUID().slice(0, 8)}`;
    const doomed = startServiceProcess('billing', { ...env, CANVASS_CHAOS: `billing-crash:${step}` });
    t.after(() => stopProcess(doomed));
    await waitReady(port);
    // Billing hears of workspaces from identity's events; this test owns billing's database and
    // puts the workspace there itself.
    await db.query(
      'insert into workspaces (workspace_id, name, owner_id) values ($1, $2, $3) on conflict do nothing',
      [workspace, `Crash ${step}`, `owner-${workspace}`],
    );
    // The saga starts as its row commits, so the process may die before the 202 is on its way
    // (validate runs at once): a connection closed under the request is expected then.
    const started = await call(workspace, 'POST', '/api/v1/billing/upgrade', {
      plan: 'pro',
      paymentMethod: 'pm_card_visa',
    }).catch((error: Error) => ({ status: 0, body: error.message }));
    if (started.status !== 0) assert.equal(started.status, 202, JSON.stringify(started.body));
    const row = await db.query<{ id: string }>('select id from sagas where workspace_id = $1', [workspace]);
    assert.equal(row.rows.length, 1, 'the saga was recorded before anything else happened');
    const sagaId = row.rows[0]!.id;
    if (started.status === 202) assert.equal(started.body.id, sagaId);
    const exit = await doomed.exited;
    assert.equal(exit.signal, 'SIGKILL', doomed.output());
    const before = await db.query<{ state: string; outcome: string | null }>(
      'select state, outcome from sagas where id = $1',
      [sagaId],
    );
    assert.equal(before.rows[0]!.state, step, 'the step was not recorded when the process died');

    const restarted = startServiceProcess('billing', env);
    t.after(() => stopProcess(restarted));
    await waitReady(port);
    const saga = await eventually(async () => {
      const found = await call(workspace, 'GET', `/api/v1/billing/changes/${sagaId}`);
      assert.equal(found.status, 200);
      assert.ok(found.body.outcome, `still at ${found.body.state}`);
      return found.body;
    }, 30_000);
    assert.equal(saga.outcome, 'completed', JSON.stringify(saga.steps));
    // The step that was cut off ran again: it is in the log once, as done.
    assert.deepEqual(
      saga.steps
        .filter((entry: { outcome: string }) => entry.outcome === 'ok')
        .map((entry: { step: string }) => entry.step),
      STEPS,
    );

    const ledger = provider.control.ledger();
    const charges = ledger.charges.filter((charge) => charge.idempotencyKey?.includes(sagaId));
    assert.equal(charges.filter((charge) => charge.status === 'succeeded').length, 1, 'one charge');
    assert.equal(
      ledger.refunds.filter((refund) => refund.idempotencyKey?.includes(sagaId)).length,
      0,
      'no refund',
    );
    const overview = await call(workspace, 'GET', '/api/v1/billing');
    assert.equal(overview.body.plan, 'pro');
    const events = await db.query<{ type: string; n: number }>(
      `select type, count(*)::int as n from outbox where event::jsonb->>'workspace' = $1 group by type order by type`,
      [workspace],
    );
    assert.deepEqual(
      events.rows.map((row) => [row.type, row.n]),
      [
        ['billing.entitlements.changed.v1', 1],
        ['billing.payment.succeeded.v1', 1],
        ['billing.subscription.changed.v1', 1],
      ],
    );
    const invoices = await db.query('select status from invoices where saga_id = $1', [sagaId]);
    assert.deepEqual(
      invoices.rows.map((row) => row.status),
      ['paid'],
      'one invoice',
    );
  });
}
