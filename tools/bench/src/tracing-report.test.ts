import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TracingCheck } from './tracing-check.ts';
import { tracingProblems } from './tracing-check.ts';
import type { TracingSlice } from './tracing-cluster.ts';
import { rowName } from './tracing-cluster.ts';
import type { TracingMode } from './tracing-modes.ts';
import type { TracingResult } from './tracing-phase.ts';
import { compareBlock, describeCheck, renderTracing } from './tracing-report.ts';

const services = (tracing: boolean, ratio = 0.1): TracingCheck['services'] =>
  ['polls', 'analytics'].map((service) =>
    tracing
      ? { service, tracing, ratio, keepErrorsAndSlow: true, keptSpans: 100, recentSpans: 2_000 }
      : { service, tracing },
  );

const check = (tracing: boolean): TracingCheck => ({
  processes: 9,
  withRegisterHook: 9,
  gateway: { probes: 100, traced: tracing ? 100 : 0, sampled: tracing ? 9 : 0 },
  services: services(tracing),
  problems: [],
});

const slice = (
  mode: TracingMode,
  round: number,
  votesPerSecond: number,
  cpuMsPerVote: number,
): TracingSlice => ({
  mode,
  round,
  votesPerSecond,
  ok: votesPerSecond * 10,
  failed: 0,
  p50Ms: 100,
  p99Ms: 300,
  cpuMsPerVote,
  processes: [
    { process: 'gateway', count: 1, msPerVote: cpuMsPerVote * 0.25 },
    { process: 'polls', count: 1, msPerVote: cpuMsPerVote * 0.75 },
  ],
  loadGeneratorMsPerVote: 0.3,
  elsewhereMsPerVote: 0.1,
  windowMs: 11_000,
  boxCheckMs: 40,
});

const result: TracingResult = {
  polls: 16,
  connections: 64,
  seconds: 10,
  rounds: 2,
  warmupSeconds: 3,
  probes: 100,
  modes: ['on', 'keep-none'],
  profiled: false,
  notes: [],
  offCheck: check(false),
  blocks: [
    {
      mode: 'on',
      check: check(true),
      // Round 1 off first, round 2 the setting first.
      slices: [
        slice('off', 1, 500, 3),
        slice('on', 1, 450, 3.3),
        slice('on', 2, 470, 3.5),
        slice('off', 2, 520, 3.2),
      ],
    },
    {
      mode: 'keep-none',
      check: check(true),
      slices: [slice('off', 1, 400, 4), slice('keep-none', 1, 380, 4.2)],
    },
  ],
};

test('a setting against the off slices of its own block, and round by round', () => {
  const on = compareBlock(result.blocks[0]!);
  assert.equal(on.votesPerSecond, 460);
  assert.deepEqual(on.off, { votesPerSecond: 510, cpuMsPerVote: 3.1 });
  assert.equal(on.votesRatio, 0.902);
  assert.equal(on.cpuRatio, 1.097);
  assert.deepEqual(on.rounds, [
    { votesRatio: 0.9, cpuRatio: 1.1 },
    { votesRatio: 0.904, cpuRatio: 1.094 },
  ]);
  // Not against the other block's off slices (a slower stretch of the box).
  assert.equal(compareBlock(result.blocks[1]!).votesRatio, 0.95);
});

test('tracing report: each setting with its ratios, rounds and check; every slice; CPU by process', () => {
  const text = renderTracing(result).join('\n');
  assert.match(
    text,
    /\| off \(OTEL_SDK_DISABLED=true\) \| 473 \| 3\.400 \| 1\.00× \| 1\.00× \| 400–520 votes\/s \| 9\/9 processes with the hook; gateway 0\/100 probes traced; 2 services off \|/,
  );
  assert.match(
    text,
    /\| on, default \(sampling 0\.1, keep errors,slow\) \| 460 \| 3\.400 \| \*\*0\.90×\*\* \| 1\.10× \| 0\.90× \/ 1\.10×, 0\.90× \/ 1\.09× \| 9\/9 processes with the hook; gateway 100\/100 traced, 9 sampled; 2 services on at 0\.1; spans held 200 kept, 4,000 recent \|/,
  );
  assert.match(text, /\| on block, round 2: on \| 470 \| 300 \| 3\.500 \| 0\.100 \| 40 \|/);
  // Per process: mean per setting over its slices; on − off within the on block; biggest first.
  assert.match(text, /\| polls \| 2\.550 \| 2\.550 \| 3\.150 \| 0\.225 \|\n\| gateway \|/);
  assert.match(
    text,
    /\| \*\*total\*\* \| \*\*3\.400\*\* \| \*\*3\.400\*\* \| \*\*4\.200\*\* \| \*\*0\.300\*\* \|/,
  );
  assert.deepEqual(renderTracing(null), ['Tracing on and off: not measured.']);
  assert.match(text, /^Tracing, off and on in this run: .* Aim: votes\/s ≥ 0\.9× off\./);
  assert.match(text, /\n\| tracing \| votes\/s \|/);
});

test('a cluster whose tracing is not as its setting says is flagged in its row', () => {
  const wrong = { ...check(true), services: services(false) };
  const problems = tracingProblems(wrong, { tracing: true, ratio: 0.1, keepErrorsAndSlow: true });
  assert.deepEqual(problems, ['polls: tracing off', 'analytics: tracing off']);
  assert.match(describeCheck({ ...wrong, problems }), /^\*\*CHECK FAILED\*\*: polls: tracing off/);
  assert.deepEqual(
    tracingProblems(
      {
        ...wrong,
        withRegisterHook: 8,
        gateway: { probes: 10, traced: 10, sampled: 1 },
        services: services(true),
      },
      { tracing: true, ratio: 1, keepErrorsAndSlow: true },
    ),
    [
      '1 processes started without the register hook',
      'gateway: 9 probes unsampled at ratio 1',
      'polls: ratio 0.1',
      'analytics: ratio 0.1',
    ],
  );
  assert.deepEqual(tracingProblems(check(false), { tracing: false }), []);
  assert.deepEqual(tracingProblems(check(true), { tracing: true, ratio: 0, keepErrorsAndSlow: false }), [
    'gateway: 9 probes sampled at ratio 0',
    'polls: ratio 0.1',
    'analytics: ratio 0.1',
  ]);
});

test('PostgreSQL rows of either cluster read the same; the idle cluster’s backends are one row', () => {
  assert.equal(
    rowName('postgres: backends on canvass_bench_ton_polls', 'canvass_bench_ton_'),
    'postgres: backends on polls',
  );
  assert.equal(
    rowName('postgres: backends on canvass_bench_toff_billing (not the benchmark’s)', 'canvass_bench_ton_'),
    'postgres: backends of the other cluster (idle)',
  );
  assert.equal(rowName('polls', 'canvass_bench_ton_'), 'polls');
});

test('a comparison of code (another checkout) is headed as one, with no tracing aim', () => {
  const text = renderTracing({
    ...result,
    modes: ['checkout'],
    blocks: [
      {
        mode: 'checkout',
        check: check(false),
        slices: [slice('off', 1, 500, 3), slice('checkout', 1, 400, 3.6)],
      },
    ],
  }).join('\n');
  assert.match(
    text,
    /^Side by side in this run, both clusters with tracing off: .* per version; each version against/,
  );
  assert.doesNotMatch(text, /Aim: votes/);
  assert.match(text, /\n\| cluster \| votes\/s \|/);
  assert.match(
    text,
    /\| off, the checkout in CANVASS_BENCH_BASELINE \(.*\) \| 400 \| 3\.600 \| \*\*0\.80×\*\* \| 1\.20×/,
  );
});
