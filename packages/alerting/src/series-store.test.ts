import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labelMatcher } from './labels.ts';
import { createSeriesStore } from './series-store.ts';

const byName = (name: string) => [labelMatcher('__name__', '=', name)];

test('samples older than the retention are dropped, and empty series with them', () => {
  const store = createSeriesStore({ retentionMs: 60_000 });
  for (let t = 0; t <= 120_000; t += 15_000) store.append({ __name__: 'a' }, t, t / 1000);
  store.append({ __name__: 'b' }, 0, 1);
  store.evict(120_000);
  const [a] = store.select(byName('a'));
  assert.deepEqual(a!.samples.window(0, 120_000).times, [75_000, 90_000, 105_000, 120_000]);
  assert.deepEqual(store.select(byName('b')), []);
  assert.equal(store.seriesCount, 1);
  assert.equal(store.historyStartMs(120_000), 60_000);
});

test('the ring keeps order through growth and eviction', () => {
  const store = createSeriesStore({ retentionMs: 10_000 });
  for (let t = 1_000; t <= 100_000; t += 1_000) {
    store.append({ __name__: 'a' }, t, t);
    store.evict(t);
  }
  const [a] = store.select(byName('a'));
  const { times, values } = a!.samples.window(0, 100_000);
  assert.deepEqual(times, [91_000, 92_000, 93_000, 94_000, 95_000, 96_000, 97_000, 98_000, 99_000, 100_000]);
  assert.deepEqual(values, times);
  assert.deepEqual(a!.samples.latest(94_500 - 300_000, 94_500), { time: 94_000, value: 94_000 });
});

test('a series a scrape no longer reports is stale at once; a failed scrape makes all of them stale', () => {
  const store = createSeriesStore();
  const x = { __name__: 'x', route: '/a' };
  const y = { __name__: 'x', route: '/b' };
  store.ingest(
    'target-1',
    [
      { labels: x, value: 1 },
      { labels: y, value: 2 },
    ],
    0,
  );
  store.ingest('target-1', [{ labels: x, value: 3 }], 15_000);
  const [seriesX, seriesY] = [x, y].map((labels) =>
    store.select([labelMatcher('__name__', '=', 'x'), labelMatcher('route', '=', labels.route)]),
  );
  assert.equal(seriesY![0]!.samples.latest(15_000 - 300_000, 15_000), undefined);
  assert.deepEqual(seriesY![0]!.samples.window(-1, 15_000).values, [2]);
  store.markStale('target-1', 30_000);
  assert.equal(seriesX![0]!.samples.latest(30_000 - 300_000, 30_000), undefined);
  assert.deepEqual(seriesX![0]!.samples.latest(-1, 20_000), { time: 15_000, value: 3 });
});

test('only the metric names asked for are kept', () => {
  const store = createSeriesStore({ keep: (name) => name === 'up' });
  store.append({ __name__: 'up', job: 'j' }, 0, 1);
  store.append({ __name__: 'process_cpu_seconds_total' }, 0, 1);
  assert.equal(store.seriesCount, 1);
});

test('the history starts at the first sample until the retention is full', () => {
  const store = createSeriesStore({ retentionMs: 3_600_000 });
  assert.equal(store.historyStartMs(1_000), undefined);
  store.append({ __name__: 'a' }, 600_000, 1);
  assert.equal(store.historyStartMs(900_000), 600_000);
  assert.equal(store.historyStartMs(5_000_000), 5_000_000 - 3_600_000);
});
