import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PgliteHost } from '@canvass/database';
import { createInProcessBus } from '@canvass/eventing';
import { createLogger, createServiceRuntime } from '@canvass/service-kit';
import type { Kysely } from 'kysely';
import { Registry } from 'prom-client';
import type { PaymentProvider } from '../payments/port.ts';
import { createBillingService } from '../service.ts';
import type { BillingTables } from '../tables.ts';

/** The value of one series in Prometheus' text format, or undefined when /metrics lacks it. */
const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

test('/metrics counts sagas by kind and by the step they are at or the outcome they ended with', async (t) => {
  const host = new PgliteHost('memory://');
  const db = host.database('billing');
  const metrics = new Registry();
  const runtime = await createServiceRuntime({
    name: 'billing',
    db,
    bus: createInProcessBus(),
    logger: createLogger('billing', 'silent'),
    metrics,
    // The orchestrator never runs here (no startRelay): the rows stay where the test puts them.
    create: createBillingService({
      provider: {} as PaymentProvider,
      internalSecret: 'x'.repeat(32),
      metrics,
    }),
  });
  t.after(async () => {
    await runtime.stopHttp();
    await runtime.stopConsumers();
    await host.close();
  });
  await runtime.prepare();

  const empty = (await runtime.app.inject({ method: 'GET', url: '/metrics' })).body;
  assert.equal(sample(empty, 'canvass_sagas{kind="upgrade",state="charge"}'), 0);
  assert.equal(sample(empty, 'canvass_sagas{kind="renewal",state="completed"}'), 0);

  const sagas: Array<[string, string, string, string | null]> = [
    ['s1', 'upgrade', 'charge', null],
    ['s2', 'upgrade', 'charge', null],
    ['s3', 'upgrade', 'receipt', 'completed'],
    ['s4', 'upgrade', 'release', 'compensated'],
    ['s5', 'renewal', 'charge', null],
    ['s6', 'renewal', 'receipt', 'completed'],
  ];
  await (db.kysely as Kysely<BillingTables>)
    .insertInto('sagas')
    .values(
      sagas.map(([id, kind, state, outcome]) => ({
        id,
        kind,
        // One running saga per workspace (sagas_one_at_a_time).
        workspace_id: `ws_${id}`,
        requested_by: null,
        plan: 'pro',
        previous_plan: 'free',
        amount_cents: 2900,
        currency: 'usd',
        payment_method: 'pm_card_visa',
        state,
        outcome,
        lease_until: null,
        payment_id: null,
        refund_id: null,
        invoice_id: null,
        error: null,
      })),
    )
    .execute();

  const text = (await runtime.app.inject({ method: 'GET', url: '/metrics' })).body;
  assert.equal(sample(text, 'canvass_sagas{kind="upgrade",state="charge"}'), 2);
  assert.equal(sample(text, 'canvass_sagas{kind="upgrade",state="completed"}'), 1);
  assert.equal(sample(text, 'canvass_sagas{kind="upgrade",state="compensated"}'), 1);
  // An ended saga counts under its outcome, not the step it ended at.
  assert.equal(sample(text, 'canvass_sagas{kind="upgrade",state="receipt"}'), 0);
  assert.equal(sample(text, 'canvass_sagas{kind="renewal",state="charge"}'), 1);
  assert.equal(sample(text, 'canvass_sagas{kind="renewal",state="completed"}'), 1);
  assert.equal(sample(text, 'canvass_sagas{kind="renewal",state="failed"}'), 0);
});
