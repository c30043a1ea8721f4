import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CloudEvent, VoteCastV1 } from '@canvass/contracts';
import { migrate, PgliteHost } from '@canvass/database';
import { sql } from 'kysely';
import { type EventBus, eventOf, isStoredEvent, type PublishedEvent } from './bus.ts';
import { createEvent } from './events.ts';
import { outboxLog } from './log.ts';
import { eventingMigrations } from './migrations.ts';
import { createOutbox } from './outbox.ts';
import { createRelay } from './relay.ts';
import { LOG_PARTITIONS, partitionOf } from './subjects.ts';

const silent = { warn() {} };

function vote(key: string, n: number) {
  return createEvent(VoteCastV1, {
    source: 'test',
    partitionkey: key,
    data: { pollId: key, voteId: `${key}-${n}`, optionIds: ['a'], castAt: new Date().toISOString() },
  });
}

/** A broker that records what it took, in order, and refuses any batch holding a key in `failing`. */
function recordingBus(failing: Set<string>) {
  const published: CloudEvent[] = [];
  const bus: EventBus = {
    async publish(events) {
      await new Promise((resolve) => setImmediate(resolve));
      if (events.some((event) => failing.has(event.partitionkey!))) throw new Error('broker refused');
      published.push(...events.map(eventOf));
    },
    subscribe: () => Promise.reject(new Error('not here')),
    lag: async () => 0,
    isConnected: () => true,
    close: async () => {},
  };
  return { bus, published };
}

/** Two keys on different partitions. */
function keysOnTwoPartitions(): [string, string] {
  const first = 'key-0';
  for (let i = 1; ; i++) {
    const other = `key-${i}`;
    if (partitionOf(other, LOG_PARTITIONS) !== partitionOf(first, LOG_PARTITIONS)) return [first, other];
  }
}

const versionsOf = (events: readonly CloudEvent[], key: string) =>
  events.filter((e) => e.partitionkey === key).map((e) => (e.data as { voteId: string }).voteId);

test('a publish failure on one partition holds back that partition only, and nothing passes it', async () => {
  const host = new PgliteHost('memory://');
  const db = host.database('relaying');
  await migrate(db, eventingMigrations);
  const outbox = createOutbox(db);
  const [stuck, flowing] = keysOnTwoPartitions();
  const failing = new Set([stuck]);
  const { bus, published } = recordingBus(failing);
  const relay = createRelay({ db, bus, log: outboxLog(), logger: silent });
  for (let n = 0; n < 5; n++) {
    await db.kysely.transaction().execute((trx) => outbox.append(trx, [vote(stuck, n), vote(flowing, n)]));
  }
  await relay.flush();
  assert.deepEqual(
    versionsOf(published, flowing),
    [0, 1, 2, 3, 4].map((n) => `${flowing}-${n}`),
  );
  assert.deepEqual(versionsOf(published, stuck), [], 'the failing partition is held back whole');
  const status = await relay.status();
  assert.equal(status.pending, 5);
  assert.equal(status.failing, 1);
  assert.match(String(status.lastError), /broker refused/);

  await db.kysely.transaction().execute((trx) => outbox.append(trx, [vote(stuck, 5), vote(flowing, 5)]));
  await relay.flush();
  assert.equal(versionsOf(published, flowing).length, 6, 'the healthy partition goes on');
  assert.deepEqual(versionsOf(published, stuck), []);

  failing.clear();
  await new Promise((resolve) => setTimeout(resolve, 300)); // past the first backoff
  await relay.flush();
  assert.deepEqual(
    versionsOf(published, stuck),
    [0, 1, 2, 3, 4, 5].map((n) => `${stuck}-${n}`),
  );
  assert.equal((await relay.status()).failing, 0);
  await relay.stop();
  await host.close();
});

test('two relays on one log never interleave a partition: each key arrives once, in commit order', async () => {
  const host = new PgliteHost('memory://');
  const db = host.database('two_relays');
  await migrate(db, eventingMigrations);
  const outbox = createOutbox(db);
  const { bus, published } = recordingBus(new Set());
  const relays = [1, 2].map(() =>
    createRelay({ db, bus, log: outboxLog(), logger: silent, batchSize: 7, sweepIntervalMs: 5 }),
  );
  for (const relay of relays) relay.start();
  const keys = Array.from({ length: 12 }, (_, i) => `poll-${i}`);
  for (let n = 0; n < 20; n++) {
    await db.kysely.transaction().execute((trx) =>
      outbox.append(
        trx,
        keys.map((key) => vote(key, n)),
      ),
    );
    if (n === 10) await relays[0]!.stop(); // hands its partitions over mid-stream
  }
  for (let i = 0; i < 200 && published.length < keys.length * 20; i++)
    await new Promise((resolve) => setTimeout(resolve, 20));
  for (const key of keys) {
    assert.deepEqual(
      versionsOf(published, key),
      Array.from({ length: 20 }, (_, n) => `${key}-${n}`),
    );
  }
  await relays[1]!.stop();
  await host.close();
});

test('a busy relay begins its rounds gatherMs apart, so what commits meanwhile goes in one run', async () => {
  const host = new PgliteHost('memory://');
  const db = host.database('gathering');
  await migrate(db, eventingMigrations);
  const outbox = createOutbox(db);
  const calls: { at: number; ids: string[] }[] = [];
  const { bus } = recordingBus(new Set());
  const recorded: EventBus = {
    ...bus,
    publish(events) {
      calls.push({
        at: performance.now(),
        ids: events.map((e) => (eventOf(e).data as { voteId: string }).voteId),
      });
      return bus.publish(events);
    },
  };
  const relay = createRelay({ db, bus: recorded, log: outboxLog(), logger: silent, gatherMs: 1_000 });
  const append = (n: number) =>
    db.kysely.transaction().execute((trx) => outbox.append(trx, [vote('gathered', n)]));

  await append(0);
  await relay.flush(); // quiet until now: at once
  const rounds = relay.flush(); // nothing new
  for (let n = 1; n <= 3; n++) await append(n);
  await rounds;
  await relay.flush();
  assert.deepEqual(
    calls.map((call) => call.ids),
    [['gathered-0'], ['gathered-1', 'gathered-2', 'gathered-3']],
  );
  const gap = calls[1]!.at - calls[0]!.at;
  assert.ok(gap >= 900, `the second round began ${Math.round(gap)} ms after the first`);
  // Stopping publishes what is pending at once, without waiting to gather.
  await append(4);
  const stopping = performance.now();
  await relay.stop();
  assert.deepEqual(calls[2]?.ids, ['gathered-4']);
  assert.ok(calls[2]!.at - stopping < 900, 'stop did not wait for the gathering');
  await host.close();
});

test('the relay hands the bus each event as the log stores it: its text, untouched, with its routing fields', async () => {
  const host = new PgliteHost('memory://');
  const db = host.database('stored_text');
  await migrate(db, eventingMigrations);
  const outbox = createOutbox(db);
  const taken: PublishedEvent[] = [];
  const bus: EventBus = {
    ...recordingBus(new Set()).bus,
    publish: async (events) => void taken.push(...events),
  };
  const relay = createRelay({ db, bus, log: outboxLog(), logger: silent });
  const events = [
    vote('stored-a', 1),
    { ...vote('stored-b', 2), traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` },
  ];
  await db.kysely.transaction().execute((trx) => outbox.append(trx, events));
  await relay.flush();
  const stored = await sql<{ id: string; text: string }>`select event->>'id' as id, event::text as text
    from outbox`.execute(db.kysely);
  assert.equal(taken.length, 2);
  for (const event of taken) {
    assert.ok(isStoredEvent(event), 'a stored event, not one parsed and written again');
    const sent = events.find((e) => e.id === event.id)!;
    assert.equal(event.json, stored.rows.find((row) => row.id === event.id)!.text, 'the text as stored');
    assert.deepEqual(
      {
        type: event.type,
        time: event.time,
        partitionkey: event.partitionkey,
        traceparent: event.traceparent,
      },
      { type: sent.type, time: sent.time, partitionkey: sent.partitionkey, traceparent: sent.traceparent },
    );
    assert.deepEqual(eventOf(event), sent, 'and it reads back as the event written');
  }
  assert.equal('traceparent' in taken.find((e) => e.id === events[0]!.id)!, false, 'no empty fields');
  await relay.stop();
  await host.close();
});
