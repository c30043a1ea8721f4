import assert from 'node:assert/strict';
import { test } from 'node:test';
import { billingBars, renderBillingRows } from './billing-report.ts';

const result = {
  concurrency: 16,
  providerAlone: { calls: 400, perSecond: 200, latency: { p50Ms: 40, p99Ms: 90 } },
  sagas: {
    started: 400,
    completed: 400,
    perSecond: 20,
    toActive: { p50Ms: 600, p99Ms: 1200 },
    toDone: { p50Ms: 700, p99Ms: 1400 },
    stepsPerSaga: 5,
  },
};

test('billing rows: the baseline at 1.00, sagas/s as a ratio to it, latency to active and to done', () => {
  const rows = renderBillingRows(result);
  assert.equal(rows.length, 4);
  assert.match(rows[1]!, /\| 200 \| 40 \| 90 \| {2}\| 1\.00 \|$/);
  assert.match(rows[2]!, /400 of 400 completed, 5 steps each\) \| 20 \| 600 \| 1200 \| {2}\| 0\.100 \|$/);
  assert.match(rows[3]!, /\| 700 \| 1400 \|/);
  assert.deepEqual(renderBillingRows(null), []);
  assert.equal(billingBars(result)[1]!.ratio, 0.1);
});
