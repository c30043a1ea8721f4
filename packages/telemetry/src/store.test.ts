// The trace store's tail keeping: nothing is sampled here (ratio 0), yet failed and slow traces
// are kept whole, and the rest stays only a while (in the recent ring).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { SpanStatusCode } from '@opentelemetry/api';
import { inSpan } from './context.ts';
import { type Held, TraceStore } from './store.ts';
import { startTracing } from './tracing.ts';

const tracing = startTracing('store-test', { OTEL_TRACES_SAMPLER_ARG: '0', CANVASS_TRACE_SLOW_MS: '40' });
after(() => tracing?.shutdown());
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('unsampled traces are kept when a span fails or the root is slow, with their children', async () => {
  assert.ok(tracing);
  const { store } = tracing;
  const fast = await inSpan('fast', {}, async (span) => {
    await inSpan('child', {}, async () => {});
    return span.spanContext().traceId;
  });
  const failed = await inSpan('failing', {}, async (span) => {
    await inSpan('child', {}, async () => {
      throw new Error('boom');
    }).catch(() => {});
    return span.spanContext().traceId;
  });
  const slow = await inSpan('slow', {}, async (span) => {
    await inSpan('child', {}, () => sleep(60));
    return span.spanContext().traceId;
  });
  const kept = store.recentTraces();
  assert.deepEqual(
    kept.map((summary) => [summary.traceId, summary.reason, summary.spans]),
    [
      [slow, 'slow', 2],
      [failed, 'error', 2],
    ],
  );
  assert.equal(store.recentTraces({ reason: 'error' })[0]?.name, 'failing');
  // The fast one is not kept, but its spans stay a while (another process may have kept it).
  assert.deepEqual(
    store
      .trace(fast)
      .spans.map((span) => span.name)
      .sort(),
    ['child', 'fast'],
  );
  const failedSpans = store.trace(failed).spans;
  const child = failedSpans.find((span) => span.name === 'child')!;
  assert.equal(child.status, 'error');
  assert.equal(child.statusMessage, 'boom');
  assert.ok(child.events.some((event) => event.name === 'exception'));
});

test('spans are found by request id and receipt hash, and traces by the batches that link to them', async () => {
  assert.ok(tracing);
  const vote = await inSpan(
    'vote',
    { attributes: { 'canvass.request_id': 'req-1', 'canvass.vote.receipt_hash': 'hash-1' } },
    async (span) => {
      await sleep(45); // slow: kept
      return span.spanContext();
    },
  );
  const batch = await inSpan(
    'batch',
    { root: true, links: [{ context: vote }] },
    async (span) => span.spanContext().traceId,
  );
  assert.equal(tracing.store.find({ requestId: 'req-1' }), vote.traceId);
  assert.equal(tracing.store.find({ receiptHash: 'hash-1' }), vote.traceId);
  assert.equal(tracing.store.find({ requestId: 'nobody' }), undefined);
  assert.deepEqual(tracing.store.trace(vote.traceId).linkedBy, [batch]);
});

test('full rings let their oldest traces go first, whatever was taken out or begun again meanwhile', () => {
  const store = new TraceStore({ service: 'ring-test', recentSpans: 3, keptSpans: 2 });
  let spanIds = 0;
  const span = (traceId: string, failed = false): Held => ({
    traceId,
    spanId: `span-${++spanIds}`,
    parentSpanId: undefined,
    localRoot: true,
    name: traceId,
    kind: 0,
    start: spanIds,
    durationMs: 1,
    statusCode: failed ? SpanStatusCode.ERROR : SpanStatusCode.UNSET,
    statusMessage: undefined,
    attributes: {},
    links: [],
    events: [],
  });
  const held = (traceId: string) => store.trace(traceId).spans.length;

  store.hold(span('a'), false);
  store.hold(span('b'), false);
  // a fails: its trace moves from the recent ring to the kept one.
  store.hold(span('a', true), false);
  assert.deepEqual(
    store.recentTraces().map((summary) => summary.traceId),
    ['a'],
  );
  // Two sampled spans fill the kept ring (2 spans): a, the oldest there, ages out.
  store.hold(span('k1'), true);
  assert.equal(held('a'), 0);
  assert.deepEqual(
    store.recentTraces().map((summary) => summary.traceId),
    ['k1'],
  );
  // a begins again in the recent ring, now after b: b is the oldest there, not a.
  store.hold(span('a'), false);
  store.hold(span('c'), false);
  assert.deepEqual(store.stats(), { keptSpans: 1, recentSpans: 3, keptTraces: 1 });
  store.hold(span('d'), false);
  assert.deepEqual(['a', 'b', 'c', 'd'].map(held), [1, 0, 1, 1]);
  store.hold(span('e'), false);
  assert.deepEqual(['a', 'c', 'd', 'e'].map(held), [0, 1, 1, 1]);
  // Many traces later, the rings hold their capacity and the newest traces.
  for (let i = 0; i < 50_000; i++) store.hold(span(`t${i}`, i % 2 === 0), false);
  assert.deepEqual(store.stats(), { keptSpans: 2, recentSpans: 3, keptTraces: 2 });
  assert.deepEqual(
    store.recentTraces().map((summary) => summary.traceId),
    ['t49998', 't49996'],
  );
  assert.deepEqual(['t49993', 't49995', 't49997', 't49999'].map(held), [0, 1, 1, 1]);
});
