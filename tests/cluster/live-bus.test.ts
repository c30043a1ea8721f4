// The NATS adapter's ephemeral subscriptions (live fan-out) against a real JetStream server.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { ResultsUpdatedV1 } from '@canvass/contracts';
import { createEvent, type Delivery } from '@canvass/eventing';
import {
  createNatsBus,
  durableNameFor,
  EPHEMERAL_INACTIVE_MS,
  STREAM_MAX_AGES,
} from '@canvass/eventing-nats';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { eventually } from '../support/api.ts';
import { NATS_URL } from '../support/cluster.ts';

const logger = { warn() {}, info() {} };
const nanos = (ms: number) => ms * 1_000_000;
const update = (pollId: string) =>
  createEvent(ResultsUpdatedV1, {
    source: 'test',
    partitionkey: pollId,
    data: { pollId, sequence: 1, status: 'open', visibility: 'live', public: true, results: {} },
  });

test('ephemeral subscriptions fan out new events to every process, and go away with it', async () => {
  const [a, b] = await Promise.all(
    ['live-a', 'live-b'].map((name) => createNatsBus({ url: NATS_URL, name, logger })),
  );
  const nc = await connect({ servers: NATS_URL });
  const jsm = await jetstreamManager(nc);
  try {
    const earlier = `earlier-${randomUUID()}`;
    await a!.publish([update(earlier)]);
    const seen = { a: [] as string[], b: [] as string[] };
    const names = {
      a: `realtime-test-${randomUUID().slice(0, 8)}`,
      b: `realtime-test-${randomUUID().slice(0, 8)}`,
    };
    const subscribe = (bus: typeof a, key: 'a' | 'b') =>
      bus!.subscribe({
        name: names[key],
        types: [ResultsUpdatedV1.type],
        ephemeral: true,
        async handle(batch: readonly Delivery[]) {
          for (const delivery of batch)
            seen[key].push((delivery.payload as { data: { pollId: string } }).data.pollId);
        },
      });
    const subscriptions = [await subscribe(a, 'a'), await subscribe(b, 'b')];
    const now = `now-${randomUUID()}`;
    await a!.publish([update(now)]);
    await eventually(async () => {
      assert.ok(seen.a.includes(now) && seen.b.includes(now), JSON.stringify(seen));
    });
    assert.ok(!seen.a.includes(earlier) && !seen.b.includes(earlier), 'only events from now on');

    const durable = durableNameFor(names.a, 'analytics.results.updated');
    const info = await jsm.consumers.info('ANALYTICS', durable);
    assert.equal(info.config.inactive_threshold, nanos(EPHEMERAL_INACTIVE_MS));
    assert.equal(info.config.deliver_policy, 'new');
    const stream = await jsm.streams.info('ANALYTICS');
    assert.equal(
      stream.config.max_age,
      nanos(STREAM_MAX_AGES.analytics!),
      'results updates are kept briefly',
    );

    await subscriptions[0]!.stop();
    await assert.rejects(jsm.consumers.info('ANALYTICS', durable), 'a stopped one is deleted at once');
    await subscriptions[1]!.stop();
  } finally {
    await Promise.all([a!.close(), b!.close(), nc.close()]);
  }
});

test('a live subscription drops, unread and unacknowledged, the snapshots of polls it does not want', async () => {
  const bus = await createNatsBus({ url: NATS_URL, name: 'live-wants', logger });
  const nc = await connect({ servers: NATS_URL });
  const jsm = await jetstreamManager(nc);
  try {
    const watched = `watched-${randomUUID()}`;
    const unwatched = `unwatched-${randomUUID()}`;
    const asked: string[] = [];
    const seen: string[] = [];
    const name = `realtime-test-${randomUUID().slice(0, 8)}`;
    const subscription = await bus.subscribe({
      name,
      types: [ResultsUpdatedV1.type],
      ephemeral: true,
      wants: (key) => {
        asked.push(key);
        return key === watched;
      },
      async handle(batch: readonly Delivery[]) {
        for (const delivery of batch)
          seen.push((delivery.payload as { data: { pollId: string } }).data.pollId);
      },
    });
    await bus.publish([update(unwatched), update(watched), update(unwatched), update(watched)]);
    await eventually(async () => assert.equal(seen.length, 2, JSON.stringify(seen)));
    assert.deepEqual(seen, [watched, watched]);
    await eventually(async () => assert.equal(asked.length, 4));
    assert.deepEqual(new Set(asked), new Set([watched, unwatched]), 'asked by the key its header carries');
    const info = await jsm.consumers.info('ANALYTICS', durableNameFor(name, 'analytics.results.updated'));
    assert.equal(info.config.ack_policy, 'none', 'live fan-out takes no acks');
    assert.equal(info.num_ack_pending, 0);
    await subscription.stop();
  } finally {
    await Promise.all([bus.close(), nc.close()]);
  }
});

test('a busy subscription that gathers waits for more events before a batch, no longer than a full batch; a quiet one does not wait', async () => {
  const bus = await createNatsBus({ url: NATS_URL, name: 'gather', logger });
  try {
    const batches: { gather: number[]; full: number[] } = { gather: [], full: [] };
    const subscriptions = await Promise.all(
      (
        [
          ['gather', 1_000, 500],
          ['full', 60_000, 10],
        ] as const
      ).map(([key, gatherMs, maxBatch]) =>
        bus.subscribe({
          name: `gather-test-${key}-${randomUUID().slice(0, 8)}`,
          types: [ResultsUpdatedV1.type],
          startAt: 'now',
          gatherMs,
          maxBatch,
          async handle(batch: readonly Delivery[]) {
            batches[key].push(batch.length);
          },
        }),
      ),
    );
    // A quiet consumer hands its first event over at once, gathering or not.
    await bus.publish([update(`first-${randomUUID()}`)]);
    await eventually(async () => assert.deepEqual(batches, { gather: [1], full: [1] }));
    // Busy now (it handled a batch within gatherMs): the next events are gathered. Without
    // gathering the first message alone would make a batch; a full batch never waits a minute.
    await bus.publish(Array.from({ length: 30 }, () => update(`gathered-${randomUUID()}`)));
    await eventually(async () => assert.deepEqual(batches.full, [1, 10, 10, 10]));
    await eventually(async () => assert.deepEqual(batches.gather, [1, 30]));
    await Promise.all(subscriptions.map((subscription) => subscription.stop()));
  } finally {
    await bus.close();
  }
});
