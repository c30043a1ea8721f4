// Request spans: sampled ones are the SDK's, with the trace id the decision was made for; the rest
// are held by the trace store without the SDK, and a failed or slow one keeps its trace, children
// included.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace';
import { formatTraceparent, inSpan } from './context.ts';
import { inRequestSpan, startRequestSpan, UnsampledSpan } from './request-span.ts';
import { CanvassSampler, startTracing } from './tracing.ts';

test('request spans: sampled by trace id, the rest held without the SDK and kept when failed or slow', async (t) => {
  const tracing = startTracing('request-span-test', {
    CANVASS_TRACING: 'on',
    OTEL_TRACES_SAMPLER_ARG: '0.5',
    CANVASS_TRACE_SLOW_MS: '50',
  });
  assert.ok(tracing);
  t.after(() => tracing.shutdown());
  const decide = (traceId: string) =>
    new CanvassSampler(0.5, true).shouldSample(ROOT_CONTEXT, traceId, 'request', SpanKind.SERVER, {}, [])
      .decision;
  const attributes = () => ({ 'http.request.method': 'POST', 'canvass.request_id': crypto.randomUUID() });

  // With no caller and with an unsampled caller (the edge drops a client's flag): about half
  // sampled, each by its trace id, so every process agrees.
  let sampled = 0;
  for (let i = 0; i < 200; i++) {
    const { span } = startRequestSpan(
      i % 2 === 0 ? undefined : `00-${crypto.randomUUID().replaceAll('-', '')}-${'c3'.repeat(8)}-00`,
      attributes(),
    )!;
    const { traceId, traceFlags } = span.spanContext();
    const isSampled = (traceFlags & TraceFlags.SAMPLED) !== 0;
    assert.equal(
      isSampled,
      decide(traceId) === SamplingDecision.RECORD_AND_SAMPLED,
      'decided by its trace id',
    );
    assert.equal(span instanceof UnsampledSpan, !isSampled, 'the SDK only for sampled ones');
    assert.ok(span.isRecording());
    if (isSampled) sampled++;
    span.end();
  }
  assert.ok(sampled > 50 && sampled < 150, `about half sampled: ${sampled}`);

  // An unsampled trace (this id is not sampled at 0.5) whose request fails: kept, with its
  // attributes, its caller as parent, the error, and the span started under it.
  const unsampledIds = Array.from({ length: 100 }, () => crypto.randomUUID().replaceAll('-', '')).filter(
    (id) => decide(id) !== SamplingDecision.RECORD_AND_SAMPLED,
  );
  const [unsampledId, fastId, slowId] = unsampledIds as [string, string, string];
  const failing = startRequestSpan(`00-${unsampledId}-${'d4'.repeat(8)}-00`, attributes())!;
  assert.ok(failing.span instanceof UnsampledSpan);
  await inRequestSpan(failing, () =>
    inSpan('validate', {}, async (child) => {
      child.setAttribute('step', 1);
    }),
  );
  failing.span.setAttribute('http.response.status_code', 500);
  failing.span.recordException(new Error('the database went away'));
  failing.span.setStatus({ code: SpanStatusCode.ERROR, message: 'the database went away' });
  failing.span.end();
  const kept = tracing.store
    .recentTraces({ reason: 'error' })
    .find((summary) => summary.traceId === unsampledId);
  assert.ok(kept, 'kept as failed');
  assert.equal(kept.spans, 2, 'the request and the span under it');
  const { spans } = tracing.store.trace(unsampledId);
  const request = spans.find((span) => span.name === 'request')!;
  assert.equal(request.kind, 'server');
  assert.equal(request.parentSpanId, 'd4'.repeat(8));
  assert.equal(request.status, 'error');
  assert.equal(request.statusMessage, 'the database went away');
  assert.equal(request.attributes['http.response.status_code'], 500);
  assert.equal(request.events[0]?.attributes['exception.message'], 'the database went away');
  const child = spans.find((span) => span.name === 'validate')!;
  assert.equal(child.parentSpanId, request.spanId, 'the SDK span under it is its child');
  assert.equal(formatTraceparent(failing.span.spanContext()).split('-')[1], unsampledId);

  // A fast one is held a while (a trace another process keeps is whole here), not kept; a slow
  // one is kept as slow.
  const fast = startRequestSpan(`00-${fastId}-${'e5'.repeat(8)}-00`, attributes())!;
  fast.span.end();
  assert.equal(tracing.store.trace(fastId).spans.length, 1);
  assert.ok(!tracing.store.recentTraces().some((summary) => summary.traceId === fastId));
  const slow = startRequestSpan(`00-${slowId}-${'e5'.repeat(8)}-00`, attributes())!;
  slow.span.end(Date.now() + 200);
  assert.ok(tracing.store.recentTraces({ reason: 'slow' }).some((summary) => summary.traceId === slowId));
});
