import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CpuProfile, tracingPackage, tracingShare } from './tracing-profile.ts';

const root = 'file:///work/main';

test('tracing code: OpenTelemetry packages, @fastify/otel, the module hooks and packages/telemetry', () => {
  assert.equal(
    tracingPackage(`${root}/node_modules/@opentelemetry/sdk-trace/build/src/Span.js`),
    '@opentelemetry/sdk-trace',
  );
  assert.equal(tracingPackage(`${root}/node_modules/@fastify/otel/index.js`), '@fastify/otel');
  assert.equal(tracingPackage(`${root}/node_modules/import-in-the-middle/index.js`), 'import-in-the-middle');
  assert.equal(tracingPackage(`${root}/packages/telemetry/src/store.ts`), 'packages/telemetry/store.ts');
  assert.equal(tracingPackage(`${root}/node_modules/pg/lib/client.js`), undefined);
  assert.equal(tracingPackage('node:internal/async_hooks'), undefined);
});

test('a sample counts for the innermost repository or node_modules frame: Node’s own frames for their caller', () => {
  // (root) → fastify handler → @fastify/otel hook → sdk Span constructor → hrtime (native)
  //                          → pg instrumentation wrapper → pg query → writev (native)
  //        → (garbage collector)
  const frame = (id: number, url: string, name: string, hitCount: number, children: number[] = []) => ({
    id,
    callFrame: { functionName: name, url, lineNumber: 9 },
    hitCount,
    children,
  });
  const nodes = [
    frame(1, '', '(root)', 0, [2, 8, 9]),
    frame(2, `${root}/services/polls/src/routes.ts`, 'castVote', 10, [3, 5]),
    frame(3, `${root}/node_modules/@fastify/otel/index.js`, 'onRequest', 5, [4]),
    frame(4, `${root}/node_modules/@opentelemetry/sdk-trace/build/src/Span.js`, 'Span', 5, [10]),
    frame(
      5,
      `${root}/node_modules/@opentelemetry/instrumentation-pg/build/src/instrumentation.js`,
      'query',
      2,
      [6],
    ),
    frame(6, `${root}/node_modules/pg/lib/client.js`, 'query', 20, [7]),
    frame(7, '', 'writev', 30),
    frame(8, '', '(garbage collector)', 18),
    frame(9, '', '(idle)', 10),
    frame(10, 'node:internal/process/per_thread', 'hrtime', 10),
  ];
  // 110 samples of 1 ms each (10 of them idle), node by node, from t = 5,000 µs.
  const samples = nodes.flatMap((node) => Array.from({ length: node.hitCount }, () => node.id));
  const profile: CpuProfile = {
    nodes,
    startTime: 5_000,
    endTime: 115_000,
    samples,
    timeDeltas: samples.map(() => 1_000),
  };
  const share = tracingShare(profile);
  assert.equal(share.process, 'services/polls');
  assert.equal(share.totalMs, 100);
  // @fastify/otel 5, the SDK's Span 5 + hrtime 10, the pg wrapper 2; pg's own 20 + writev 30 is pg's.
  assert.equal(share.tracingMs, 22);
  assert.equal(share.percent, 22);
  assert.deepEqual(
    share.byPackage.map((entry) => [entry.name, entry.ms]),
    [
      ['@opentelemetry/sdk-trace', 15],
      ['@fastify/otel', 5],
      ['@opentelemetry/instrumentation-pg', 2],
    ],
  );
  assert.equal(share.top[0]!.name, 'Span @opentelemetry/sdk-trace/build/src/Span.js:10');

  // A window from 12 to 21 ms: castVote's last 4 samples (12–15 ms), @fastify/otel's 5 (16–20 ms)
  // and the SDK's first (21 ms).
  const windowed = tracingShare(profile, [
    { fromUs: 12_000, toUs: 21_000 },
    { fromUs: 200_000, toUs: 300_000 },
  ]);
  assert.equal(windowed.totalMs, 10);
  assert.equal(windowed.tracingMs, 6);
});
