import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WebhookRun, WebhooksResult } from './webhooks-phase.ts';
import { renderWebhookRows, renderWebhooksNote, webhookBars } from './webhooks-report.ts';

const run = (load: WebhookRun['load'], endpoints: number, perSecond: number): WebhookRun => ({
  endpoints,
  load,
  offeredPerSecond: load === 'paced' ? 100 : null,
  votes: load === 'replay' ? 0 : 2_000,
  votesPerSecond: load === 'replay' ? null : 180,
  expected: load === 'replay' ? 5_000 : 2_000 * endpoints,
  delivered: load === 'replay' ? 5_000 : 2_000 * endpoints,
  deliveriesPerSecond: perSecond,
  commitToReceiver: load === 'replay' ? null : { p50Ms: 40, p99Ms: 95.5 },
  answerToReceiver: load === 'replay' ? null : { p50Ms: 30, p99Ms: 80 },
  commitAfterAnswer: 0,
  drainMs: 20,
});

const result: WebhooksResult = {
  concurrency: 16,
  bodyBytes: 235,
  raw: { requests: 20_000, perSecond: 4_000, sentToReceiver: { p50Ms: 1.5, p99Ms: 12 }, failed: 0 },
  votesWithoutEndpoints: { votes: 2_000, perSecond: 300 },
  runs: [run('burst', 1, 200), run('paced', 1, 100), run('burst', 4, 400), run('replay', 1, 480)],
  clockOffsetMs: 0,
  clockStart: 'the vote’s commit',
};

test('each webhook figure sits beside the raw POST loop of the same run, with its ratio', () => {
  const rows = renderWebhookRows(result);
  assert.doesNotMatch(rows.join('\n'), /undefined|NaN|Infinity|null/);
  assert.equal(
    rows[1],
    '| raw undici POST loop to the same receiver (baseline; sent → received) | 4,000 | 1.5 | 12 |  | 1.00 |',
  );
  assert.match(
    rows[2]!,
    /one endpoint, a burst of 2,000 votes \(180\/s answered\); commit → receiver \| 200 \| 40 \| 95\.5 \| {2}\| 0\.05 \|$/,
  );
  assert.match(rows[3]!, /votes paced at 100\/s; commit → receiver \| 100 \| 40 \| 95\.5 \| {2}\| {2}\|$/);
  assert.match(rows[4]!, /4 endpoints, .* \| 400 \| 40 \| 95\.5 \| {2}\| 0\.10 \|$/);
  assert.match(
    rows[5]!,
    /a replayed backlog of 5,000 drained with no votes \| 480 \| {2}\| {2}\| {2}\| 0\.12 \|$/,
  );
  assert.match(renderWebhooksNote(result)[0]!, /from the vote's 201 instead, paced: p50 30 ms, p99 80 ms/);
  assert.equal(webhookBars(result)[1]!.ratio, 0.12);
});

test('a run without the webhook phase renders nothing for it', () => {
  assert.deepEqual(renderWebhookRows(null), []);
  assert.deepEqual(renderWebhooksNote(undefined), []);
  assert.deepEqual(webhookBars(null), []);
});
