// The trace store's tail keeping: nothing is sampled here (ratio 0), yet failed and slow traces
// are kept whole, and the rest stays only a while (in the recent ring).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { inSpan } from './context.ts';
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
