import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PromqlParseError, PromqlUnsupportedError } from './errors.ts';
import type { Labels } from './labels.ts';
import { evaluate } from './promql-eval.ts';
import { bucketQuantile } from './promql-functions.ts';
import { parseExpr } from './promql-parser.ts';
import type { Sample } from './promql-values.ts';
import { createSeriesStore, type SeriesStore } from './series-store.ts';

function storeOf(series: readonly { labels: Labels; points: readonly [number, number][] }[]): SeriesStore {
  const store = createSeriesStore({ retentionMs: 24 * 3600 * 1000 });
  for (const { labels, points } of series) for (const [t, v] of points) store.append(labels, t * 1000, v);
  return store;
}

function vector(store: SeriesStore, expr: string, seconds: number): Sample[] {
  const value = evaluate(parseExpr(expr), store, seconds * 1000);
  assert.equal(value.type, 'vector', expr);
  return value.type === 'vector' ? [...value.samples] : [];
}

function only(store: SeriesStore, expr: string, seconds: number): number {
  const samples = vector(store, expr, seconds);
  assert.equal(samples.length, 1, `${expr} has one sample`);
  return samples[0]!.value;
}

const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} is not ${expected}`);

test('rate() extrapolates to the window edges when the samples reach them (hand-computed)', () => {
  // 10 more every 15 s. rate(x[1m]) at 60 s sees 15..60 s (the window is (0, 60]): a rise of 30
  // over 45 s, extrapolated by the 15 s to the start (within 1.1 intervals): 40 in 60 s.
  const store = storeOf([
    {
      labels: { __name__: 'x' },
      points: [
        [0, 0],
        [15, 10],
        [30, 20],
        [45, 30],
        [60, 40],
      ],
    },
  ]);
  close(only(store, 'rate(x[1m])', 60), 40 / 60);
  close(only(store, 'increase(x[1m])', 60), 40);
  assert.deepEqual(vector(store, 'rate(x[1m])', 60)[0]!.labels, {});
});

test('rate() adds a counter reset back, and extrapolates only half an interval into a gap', () => {
  // 110 → 5 is a reset: the rise is 25 - 110 + 110 = 25 over 45 s, extrapolated to 60 s.
  const reset = storeOf([
    {
      labels: { __name__: 'x' },
      points: [
        [0, 100],
        [15, 110],
        [30, 5],
        [45, 15],
        [60, 25],
      ],
    },
  ]);
  close(only(reset, 'increase(x[1m])', 60), (25 * 60) / 45);
  // A series that starts 90 s into a 2-minute window: 20 over 30 s, plus half an interval
  // (7.5 s) before the first sample, not the 90 s to the edge: 25 over the 120 s window.
  const late = storeOf([
    {
      labels: { __name__: 'x' },
      points: [
        [30, 50],
        [45, 60],
        [60, 70],
      ],
    },
  ]);
  close(only(late, 'rate(x[2m])', 60), 25 / 120);
  // The extrapolation stops at the counter's zero: 0 → 30 in 30 s starts at 0, not before.
  const fresh = storeOf([
    {
      labels: { __name__: 'x' },
      points: [
        [30, 0],
        [45, 15],
        [60, 30],
      ],
    },
  ]);
  close(only(fresh, 'increase(x[2m])', 60), 30);
  // One sample is no rate.
  assert.deepEqual(
    vector(storeOf([{ labels: { __name__: 'x' }, points: [[60, 1]] }]), 'rate(x[5m])', 60),
    [],
  );
});

test('deriv() is the least-squares slope per second', () => {
  const store = storeOf([
    {
      labels: { __name__: 'lag', c: 'up' },
      points: [
        [0, 0],
        [60, 300],
        [120, 600],
      ],
    },
    {
      labels: { __name__: 'lag', c: 'noisy' },
      points: [
        [0, 0],
        [60, 60],
        [120, 60],
      ],
    },
    {
      labels: { __name__: 'lag', c: 'flat' },
      points: [
        [0, 7],
        [60, 7],
      ],
    },
  ]);
  close(only(store, 'deriv(lag{c="up"}[10m])', 120), 5);
  close(only(store, 'deriv(lag{c="noisy"}[10m])', 120), 0.5);
  close(only(store, 'deriv(lag{c="flat"}[10m])', 120), 0);
});

test('histogram_quantile() interpolates linearly inside the bucket holding the rank (hand-computed)', () => {
  // 30 within 5 ms, 59 within 50 ms, 60 within 250 ms.
  const buckets = [
    { upperBound: 0.005, count: 30 },
    { upperBound: 0.05, count: 59 },
    { upperBound: 0.25, count: 60 },
    { upperBound: Number.POSITIVE_INFINITY, count: 60 },
  ];
  close(bucketQuantile(0.5, buckets), 0.005); // rank 30: the top of the first bucket
  close(bucketQuantile(0.99, buckets), 0.13); // rank 59.4: 0.4 of the way from 50 to 250 ms
  close(bucketQuantile(0.9, buckets), 0.005 + 0.045 * (24 / 29)); // rank 54
  close(bucketQuantile(1, buckets), 0.25);
  // In the +Inf bucket: the highest finite bound. Without +Inf, or no observations: NaN.
  close(
    bucketQuantile(0.99, [
      { upperBound: 0.1, count: 0 },
      { upperBound: Infinity, count: 10 },
    ]),
    0.1,
  );
  assert.ok(Number.isNaN(bucketQuantile(0.5, [{ upperBound: 1, count: 3 }])));
  assert.ok(
    Number.isNaN(
      bucketQuantile(0.5, [
        { upperBound: 1, count: 0 },
        { upperBound: Infinity, count: 0 },
      ]),
    ),
  );
  assert.equal(bucketQuantile(-1, buckets), Number.NEGATIVE_INFINITY);
  assert.equal(bucketQuantile(2, buckets), Number.POSITIVE_INFINITY);
});

test('histogram_quantile() groups buckets by their other labels; le="1" and le="1.0" are one bucket', () => {
  const bucket = (route: string, le: string, perMinute: number) => ({
    labels: { __name__: 'd_bucket', route, le },
    points: [0, 1, 2, 3, 4, 5].map((m) => [m * 60, m * perMinute] as [number, number]),
  });
  const store = storeOf([
    bucket('/a', '0.005', 30),
    bucket('/a', '0.05', 59),
    bucket('/a', '0.25', 60),
    bucket('/a', '+Inf', 60),
    bucket('/b', '1', 5),
    bucket('/b', '1.0', 5),
    bucket('/b', '+Inf', 20),
  ]);
  const samples = vector(store, 'histogram_quantile(0.99, sum by (route, le) (rate(d_bucket[5m])))', 300);
  const byRoute = Object.fromEntries(samples.map((s) => [s.labels.route, s.value]));
  assert.deepEqual(Object.keys(byRoute).sort(), ['/a', '/b']);
  close(byRoute['/a']!, 0.13);
  // /b: 10 of 20 within 1 s once the two spellings are added up; the p99 is in +Inf: 1.
  close(byRoute['/b']!, 1);
  assert.deepEqual(samples.find((s) => s.labels.route === '/a')!.labels, { route: '/a' });
});

test('comparisons filter and keep the name; arithmetic and bool drop it', () => {
  const store = storeOf([
    { labels: { __name__: 'up', job: 'a' }, points: [[0, 1]] },
    { labels: { __name__: 'up', job: 'b' }, points: [[0, 0]] },
  ]);
  assert.deepEqual(vector(store, 'up == 0', 10), [{ labels: { __name__: 'up', job: 'b' }, value: 0 }]);
  assert.deepEqual(vector(store, '0 < up', 10), [{ labels: { __name__: 'up', job: 'a' }, value: 1 }]);
  assert.deepEqual(
    vector(store, 'up == bool 0', 10).map((s) => [s.labels, s.value]),
    [
      [{ job: 'a' }, 0],
      [{ job: 'b' }, 1],
    ],
  );
  assert.deepEqual(
    vector(store, 'up * 2 + 1', 10).map((s) => s.value),
    [3, 1],
  );
  assert.deepEqual(vector(store, '-up', 10)[0]!.labels, { job: 'a' });
  const scalar = evaluate(parseExpr('(14.4 * 0.001) + 2 ^ 3 ^ 2 - 1 / 60'), store, 0);
  assert.deepEqual(scalar, { type: 'scalar', value: 14.4 * 0.001 + 2 ** 9 - 1 / 60 });
  assert.deepEqual(evaluate(parseExpr('-2 ^ 2'), store, 0), { type: 'scalar', value: -4 });
});

test('vectors match one-to-one on their labels, or on()/ignoring() lists', () => {
  const store = storeOf([
    { labels: { __name__: 'errors', route: '/a' }, points: [[0, 1]] },
    { labels: { __name__: 'errors', route: '/b' }, points: [[0, 2]] },
    { labels: { __name__: 'total', route: '/a' }, points: [[0, 10]] },
    { labels: { __name__: 'total', route: '/c' }, points: [[0, 10]] },
    { labels: { __name__: 'limit', route: '/a', kind: 'x' }, points: [[0, 5]] },
  ]);
  assert.deepEqual(vector(store, 'errors / total', 0), [{ labels: { route: '/a' }, value: 0.1 }]);
  assert.deepEqual(vector(store, 'total > ignoring (kind) limit', 0), [
    { labels: { __name__: 'total', route: '/a' }, value: 10 },
  ]);
  assert.deepEqual(vector(store, 'total - on (route) limit', 0), [{ labels: { route: '/a' }, value: 5 }]);
  // Two series on one side for one match: Prometheus refuses.
  assert.throws(() => vector(store, 'errors / on () total', 0), /duplicate series/);
});

test('and, or, unless match many-to-many; or vector(0) fills an empty side', () => {
  const store = storeOf([
    { labels: { __name__: 'a', k: '1' }, points: [[0, 1]] },
    { labels: { __name__: 'a', k: '2' }, points: [[0, 2]] },
    { labels: { __name__: 'b', k: '2' }, points: [[0, 20]] },
    { labels: { __name__: 'b', k: '3' }, points: [[0, 30]] },
  ]);
  const values = (expr: string) => vector(store, expr, 0).map((s) => s.value);
  assert.deepEqual(values('a and b'), [2]);
  assert.deepEqual(values('a unless b'), [1]);
  assert.deepEqual(values('a or b'), [1, 2, 30]);
  assert.deepEqual(values('a and on () b'), [1, 2]);
  assert.deepEqual(values('sum(nothing) or vector(0)'), [0]);
  assert.deepEqual(values('sum(a) or vector(0)'), [3]);
  assert.deepEqual(values('(sum(nothing) or vector(0)) / sum(a)'), [0]);
  assert.deepEqual(values('sum(a) / sum(nothing)'), []);
});

test('aggregations by and without labels', () => {
  const store = storeOf([
    { labels: { __name__: 'lag', service: 's', consumer: 'c', instance: 'i1' }, points: [[0, 100]] },
    { labels: { __name__: 'lag', service: 's', consumer: 'c', instance: 'i2' }, points: [[0, 300]] },
    { labels: { __name__: 'lag', service: 't', consumer: 'd', instance: 'i1' }, points: [[0, 5]] },
  ]);
  const by = (expr: string) => vector(store, expr, 0).map((s) => [s.labels, s.value]);
  assert.deepEqual(by('max by (service, consumer) (lag)'), [
    [{ service: 's', consumer: 'c' }, 300],
    [{ service: 't', consumer: 'd' }, 5],
  ]);
  assert.deepEqual(by('sum without (instance) (lag)'), [
    [{ service: 's', consumer: 'c' }, 400],
    [{ service: 't', consumer: 'd' }, 5],
  ]);
  assert.deepEqual(by('min(lag) by (service)'), [
    [{ service: 's' }, 100],
    [{ service: 't' }, 5],
  ]);
  assert.deepEqual(by('avg(lag)'), [[{}, 135]]);
  assert.deepEqual(by('count by (instance) (lag)'), [
    [{ instance: 'i1' }, 2],
    [{ instance: 'i2' }, 1],
  ]);
  assert.deepEqual(by('sum(nothing)'), []);
});

test('absent(), vector(), clamp_min/max, and the 5-minute lookback', () => {
  const store = storeOf([{ labels: { __name__: 'g', a: 'x' }, points: [[0, 3]] }]);
  assert.deepEqual(vector(store, 'absent(g)', 60), []);
  assert.deepEqual(vector(store, 'absent(missing{job="j", a=~"b"})', 60), [
    { labels: { job: 'j' }, value: 1 },
  ]);
  assert.deepEqual(vector(store, 'vector(0.999)', 60), [{ labels: {}, value: 0.999 }]);
  assert.deepEqual(vector(store, 'clamp_max(g, 2)', 60), [{ labels: { a: 'x' }, value: 2 }]);
  assert.deepEqual(vector(store, 'clamp_min(g, 5)', 60), [{ labels: { a: 'x' }, value: 5 }]);
  // Seen up to 5 minutes after its last sample (exclusive, as Prometheus 3), then gone.
  assert.equal(vector(store, 'g', 299).length, 1);
  assert.equal(vector(store, 'g', 300).length, 0);
  assert.deepEqual(vector(store, 'absent(g)', 300), [{ labels: {}, value: 1 }]);
  assert.equal(vector(store, 'g offset 1m', 330).length, 1);
});

test('label matchers: =, !=, =~ and !~ (anchored; an absent label is the empty string)', () => {
  const store = storeOf([
    { labels: { __name__: 'r', status_code: '503' }, points: [[0, 1]] },
    { labels: { __name__: 'r', status_code: '429' }, points: [[0, 1]] },
    { labels: { __name__: 'r', status_code: '201' }, points: [[0, 1]] },
    { labels: { __name__: 'r' }, points: [[0, 1]] },
  ]);
  const codes = (expr: string) => vector(store, expr, 0).map((s) => s.labels.status_code ?? '');
  assert.deepEqual(codes('r{status_code=~"5.."}'), ['503']);
  assert.deepEqual(codes('r{status_code!~"4.."}'), ['503', '201', '']);
  assert.deepEqual(codes('r{status_code=~"0"}'), []);
  assert.deepEqual(codes('r{status_code!="201"}'), ['503', '429', '']);
  assert.deepEqual(codes('{__name__="r",status_code="429"}'), ['429']);
});

test('what is valid PromQL but not implemented is refused, never guessed', () => {
  for (const expr of [
    'topk(3, x)',
    'quantile(0.9, x)',
    'irate(x[5m])',
    'label_replace(x, "a", "$1", "b", "(.*)")',
    'x * on (a) group_left (b) y',
    'rate(x[5m:1m])',
    'max_over_time(rate(x[5m])[1h:])',
    'x @ 100',
    'atan2(x, y)',
    'x atan2 y',
  ]) {
    assert.throws(() => parseExpr(expr), PromqlUnsupportedError, expr);
  }
  for (const expr of [
    'sum(rate(x[5m])',
    'x{a="1"',
    'rate(x)',
    '1 > 2',
    'x and 1',
    '{a=~""}',
    'foo{__name__="bar"}',
    'x{a=~"("}',
    'rate(x[5q])',
    'sum by (a) (x) extra',
  ]) {
    assert.throws(() => parseExpr(expr), PromqlParseError, expr);
  }
});
