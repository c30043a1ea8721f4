import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '@canvass/service-kit';
import { Registry } from 'prom-client';
import { processViewerCounts } from '../viewers/viewer-counts.ts';
import { type AccessOutcome, createAccessCheck } from './access.ts';
import { createHub, type ResultsUpdate } from './hub.ts';
import type { LiveMessage } from './messages.ts';
import { liveMetrics } from './metrics.ts';
import type { Transport } from './transport.ts';

const logger = createLogger('test', 'silent');

/** A connection whose congestion the test controls. */
function fakeTransport() {
  const sent: LiveMessage[] = [];
  let congested = false;
  let drained: (() => void) | undefined;
  let cutOff = false;
  const transport: Transport = {
    kind: 'websocket',
    write: (message) => sent.push(message),
    congested: () => congested,
    onDrain: (callback) => {
      drained = callback;
    },
    end: () => {},
    cutOff: () => {
      cutOff = true;
    },
    onClose: () => {},
  };
  return {
    transport,
    sent,
    wasCutOff: () => cutOff,
    jam: () => {
      congested = true;
    },
    drain: () => {
      congested = false;
      drained?.();
    },
  };
}

function setup(answer: (pollId: string) => AccessOutcome, stallMs = 60_000) {
  const metrics = liveMetrics(new Registry());
  let calls = 0;
  const hub = createHub({
    checkAccess: async (pollId) => {
      calls++;
      return answer(pollId);
    },
    counts: processViewerCounts(),
    metrics,
    logger,
    idleChannels: 10,
    countIntervalMs: 60_000,
    stallMs,
  });
  return { hub, metrics, calls: () => calls };
}

const update = (sequence: number, isPublic = true): ResultsUpdate => ({
  pollId: 'p1',
  sequence,
  public: isPublic,
  results: { sequence },
});
const allowed = (sequence = 0): AccessOutcome => ({
  kind: 'allowed',
  snapshot: { sequence, results: { sequence } },
});

test('a viewer that is not keeping up keeps only the newest snapshot, sent once it drains', async () => {
  const { hub, metrics } = setup(() => allowed());
  const viewer = hub.watch('p1', undefined, () => ({}));
  const connection = fakeTransport();
  viewer.attach(connection.transport, await viewer.check());
  connection.jam();
  for (let sequence = 1; sequence <= 50; sequence++) hub.update(update(sequence));
  assert.deepEqual(
    connection.sent.map((m) => m.type === 'snapshot' && m.sequence),
    [0],
  );
  connection.drain();
  assert.deepEqual(
    connection.sent.map((m) => m.type === 'snapshot' && m.sequence),
    [0, 50],
  );
  assert.equal((await metrics.coalesced.get()).values[0]?.value, 49);
  hub.update(update(49)); // older than what the viewer has
  hub.update(update(51));
  assert.deepEqual(
    connection.sent.map((m) => m.type === 'snapshot' && m.sequence),
    [0, 50, 51],
  );
});

test('hidden results are shown once an update says they are public, and asked about again when not', async () => {
  let outcome: AccessOutcome = { kind: 'hidden', reason: 'after close' };
  const { hub, calls } = setup(() => outcome);
  const viewer = hub.watch('p1', undefined, () => ({}));
  const connection = fakeTransport();
  viewer.attach(connection.transport, await viewer.check());
  hub.update(update(1, false));
  assert.deepEqual(
    connection.sent.map((m) => m.type),
    ['hidden'],
  );
  hub.update(update(2, true));
  assert.deepEqual(
    connection.sent.map((m) => m.type),
    ['hidden', 'snapshot'],
  );

  // Private again: analytics is asked, and its answer decides.
  const before = calls();
  outcome = { kind: 'hidden', reason: 'private now' };
  hub.update(update(3, false));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(calls(), before + 1);
  assert.deepEqual(connection.sent.at(-1), { type: 'hidden', reason: 'private now' });
});

test('a viewer allowed while the results were not public is not asked again', async () => {
  const { hub, calls } = setup(() => allowed());
  const viewer = hub.watch('p1', undefined, () => ({ 'manage-token': 't' }));
  const connection = fakeTransport();
  hub.update(update(1, false)); // the channel learns the results are not public
  viewer.attach(connection.transport, await viewer.check());
  hub.update(update(2, false));
  assert.equal(calls(), 1);
  assert.deepEqual(
    connection.sent.map((m) => m.type === 'snapshot' && m.sequence),
    [1, 2],
  );
});

test('identical concurrent access checks share one call; an unreachable analytics is a retryable refusal', async () => {
  let calls = 0;
  const check = createAccessCheck(async () => {
    calls++;
    await new Promise((resolve) => setTimeout(resolve, 10));
    return { status: 200, body: { sequence: 7 } };
  }, logger);
  const outcomes = await Promise.all([check('p', {}), check('p', {}), check('p', { 'vote-receipt': 'r' })]);
  assert.equal(calls, 2);
  assert.deepEqual(outcomes[0], { kind: 'allowed', snapshot: { sequence: 7, results: { sequence: 7 } } });

  const down = createAccessCheck(async () => {
    throw new Error('connection refused');
  }, logger);
  const refused = await down('p', {});
  assert.equal(refused.kind, 'refused');
  assert.equal(refused.kind === 'refused' && refused.closeCode, 1013);
});

test('a viewer that stays congested past the stall limit is cut off and keeps nothing', async () => {
  const { hub, metrics } = setup(() => allowed(), 30);
  const viewer = hub.watch('p1', undefined, () => ({}));
  const connection = fakeTransport();
  viewer.attach(connection.transport, await viewer.check());
  connection.jam();
  hub.update(update(1));
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.ok(connection.wasCutOff());
  assert.equal(viewer.counted, false, 'gone from its channel');
  assert.equal((await metrics.stalled.get()).values[0]?.value, 1);
  connection.drain();
  hub.update(update(2));
  assert.deepEqual(
    connection.sent.map((m) => m.type === 'snapshot' && m.sequence),
    [0],
    'nothing is sent after the cut',
  );
});

test('a write that leaves the connection congested is watched too, with nothing more to send', async () => {
  const { hub } = setup(() => allowed(), 30);
  const viewer = hub.watch('p1', undefined, () => ({}));
  const connection = fakeTransport();
  const write = connection.transport.write;
  connection.transport.write = (message) => {
    write(message);
    connection.jam(); // the peer stopped reading: this write is still in the buffers
  };
  viewer.attach(connection.transport, await viewer.check());
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.ok(connection.wasCutOff());
});

test('a viewer that catches up before the stall limit is not cut off', async () => {
  const { hub } = setup(() => allowed(), 30);
  const viewer = hub.watch('p1', undefined, () => ({}));
  const connection = fakeTransport();
  viewer.attach(connection.transport, await viewer.check());
  connection.jam();
  hub.update(update(1));
  connection.drain();
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(connection.wasCutOff(), false);
  assert.equal(viewer.counted, true);
});

test('only a patient access check asks again after a 404 (a poll created a moment ago)', async () => {
  let calls = 0;
  const check = createAccessCheck(async () => {
    calls++;
    return calls < 3
      ? { status: 404, body: { type: '/problems/poll-not-found' } }
      : { status: 200, body: {} };
  }, logger);
  const once = await check('p', {});
  assert.deepEqual([once.kind, calls], ['refused', 1]);
  const patient = await check('p', {}, true);
  assert.deepEqual([patient.kind, calls], ['allowed', 3]);
});
