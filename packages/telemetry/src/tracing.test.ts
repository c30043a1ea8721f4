// The sampler's decisions, and OTLP export to a real HTTP receiver when the standard variable asks.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace';
import { inSpan, parseTraceparent } from './context.ts';
import { CanvassSampler, startTracing, tracingSettings } from './tracing.ts';

const remote = (sampled: boolean) =>
  trace.setSpanContext(ROOT_CONTEXT, {
    traceId: 'a'.repeat(32),
    spanId: 'b'.repeat(16),
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });

test('the sampler decides by trace id, follows sampled parents and links, and records the rest', () => {
  const sampler = new CanvassSampler(0.5, true);
  const decide = (
    traceId: string,
    context = ROOT_CONTEXT,
    links: Parameters<CanvassSampler['shouldSample']>[5] = [],
  ) => sampler.shouldSample(context, traceId, 'x', SpanKind.INTERNAL, {}, links).decision;
  // Same trace id, same answer, whichever process asks (a remote unsampled parent included).
  const ids = Array.from({ length: 200 }, () => randomBytes(16).toString('hex'));
  const sampled = ids.filter((id) => decide(id) === SamplingDecision.RECORD_AND_SAMPLED);
  assert.ok(sampled.length > 40 && sampled.length < 160, `about half sampled: ${sampled.length}`);
  for (const id of ids) assert.equal(decide(id), decide(id));
  assert.equal(decide('c'.repeat(32), remote(true)), SamplingDecision.RECORD_AND_SAMPLED);
  // A batch carrying a sampled event is sampled.
  const unsampledId = ids.find((id) => decide(id) !== SamplingDecision.RECORD_AND_SAMPLED)!;
  const link = {
    context: { traceId: 'd'.repeat(32), spanId: 'e'.repeat(16), traceFlags: TraceFlags.SAMPLED },
  };
  assert.equal(decide(unsampledId, ROOT_CONTEXT, [link]), SamplingDecision.RECORD_AND_SAMPLED);
  // Unsampled spans are recorded (to keep failed and slow traces), or not when that is off.
  assert.equal(decide(unsampledId), SamplingDecision.RECORD);
  const lean = new CanvassSampler(0.5, false);
  assert.equal(
    lean.shouldSample(ROOT_CONTEXT, unsampledId, 'x', SpanKind.INTERNAL, {}, []).decision,
    SamplingDecision.NOT_RECORD,
  );
});

test('settings come from the standard variables and Canvass’s own, with safe defaults', () => {
  assert.equal(tracingSettings({ OTEL_SDK_DISABLED: 'true' }), undefined);
  assert.equal(tracingSettings({ CANVASS_TRACING: 'off' }), undefined);
  assert.deepEqual(tracingSettings({}), { ratio: 0.1, keepErrorsAndSlow: true, slowMs: 500, otlp: false });
  assert.deepEqual(
    tracingSettings({
      OTEL_TRACES_SAMPLER_ARG: '7',
      CANVASS_TRACE_KEEP: 'none',
      CANVASS_TRACE_SLOW_MS: 'x',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c',
    }),
    { ratio: 1, keepErrorsAndSlow: false, slowMs: 500, otlp: true },
  );
});

test('with OTEL_EXPORTER_OTLP_ENDPOINT set, sampled spans are exported over OTLP/HTTP', async () => {
  const received: { path: string; type: string; bytes: number }[] = [];
  const receiver = createServer((request, response) => {
    let bytes = 0;
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    request.on('end', () => {
      received.push({ path: request.url ?? '', type: String(request.headers['content-type']), bytes });
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const address = receiver.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${port}`;
  const tracing = startTracing('otlp-test', { ...process.env, OTEL_TRACES_SAMPLER_ARG: '1' });
  assert.ok(tracing?.settings.otlp);
  await inSpan('exported', {}, async () => {});
  await tracing.shutdown(); // flushes the batch processor
  delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  receiver.close();
  assert.ok(
    received.some(
      (post) => post.path === '/v1/traces' && post.type === 'application/x-protobuf' && post.bytes > 0,
    ),
    JSON.stringify(received),
  );
});

test('a traceparent parses to a remote span context; malformed or all-zero ones do not', () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const spanId = '00f067aa0ba902b7';
  assert.deepEqual(parseTraceparent(`00-${traceId}-${spanId}-01`), {
    traceId,
    spanId,
    traceFlags: 1,
    isRemote: true,
  });
  assert.equal(parseTraceparent(`00-${traceId}-${spanId}-00`)?.traceFlags, 0);
  assert.equal(
    parseTraceparent(`00-${traceId}-${spanId}-03`)?.traceFlags,
    1,
    'only the sampled flag is kept',
  );
  for (const bad of [
    `00-${'0'.repeat(32)}-${spanId}-01`,
    `00-${traceId}-${'0'.repeat(16)}-01`,
    `00-${traceId.toUpperCase()}-${spanId}-01`,
    `01-${traceId}-${spanId}-01`,
    `00-${traceId}-${spanId}-01-extra`,
    `00-${traceId}-${spanId}`,
    42,
    undefined,
  ])
    assert.equal(parseTraceparent(bad), undefined, String(bad));
});
