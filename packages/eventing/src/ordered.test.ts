import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CloudEvent, VoteCastV1 } from '@canvass/contracts';
import { migrate, PgliteHost } from '@canvass/database';
import fc from 'fast-check';
import { sql } from 'kysely';
import { createConsumer } from './consumer.ts';
import { listDeadLetters, replayDeadLetter } from './dead-letters.ts';
import { createEvent } from './events.ts';
import { eventingMigrations } from './migrations.ts';
import { planStreams } from './ordered.ts';
import { partitionOf } from './subjects.ts';

const silent = { warn() {} };

function streamEvent(stream: string, version: number): CloudEvent {
  return {
    ...createEvent(VoteCastV1, {
      source: 'test',
      partitionkey: stream,
      data: {
        pollId: stream,
        voteId: `${stream}-${version}`,
        optionIds: ['a'],
        castAt: new Date().toISOString(),
      },
    }),
    id: `${stream}-${version}`,
    streamversion: version,
  };
}

/** Streams of given lengths, delivered in any interleaving with duplicates, split into batches. */
const deliveries = fc
  .array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 5 })
  .chain((lengths) => {
    const all = lengths.flatMap((length, s) => Array.from({ length }, (_, v) => ({ s, v: v + 1 })));
    return fc.record({
      lengths: fc.constant(lengths),
      order: fc.shuffledSubarray([...all, ...all], { minLength: all.length * 2, maxLength: all.length * 2 }),
      cuts: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 60 }),
    });
  });

test('planning: any order of arrival, with duplicates, applies each stream whole, once, in order', () => {
  fc.assert(
    fc.property(deliveries, ({ lengths, order, cuts }) => {
      const applied = new Map<string, number>();
      const parked = new Map<string, CloudEvent>();
      const seen: CloudEvent[] = [];
      let at = 0;
      for (let i = 0; at < order.length; i++) {
        const size = cuts[i % cuts.length]!;
        const batch = order.slice(at, at + size).map(({ s, v }) => streamEvent(`s${s}`, v));
        at += size;
        const plan = planStreams(applied, batch, [...parked.values()]);
        seen.push(...plan.apply);
        for (const { stream, version } of plan.unpark) parked.delete(`${stream}/${version}`);
        for (const event of plan.park) parked.set(`${event.partitionkey}/${event.streamversion}`, event);
        for (const [stream, position] of plan.positions) {
          applied.set(stream, position.version);
          assert.equal(position.parked, [...parked.keys()].filter((k) => k.startsWith(`${stream}/`)).length);
        }
      }
      for (const [s, length] of lengths.entries()) {
        const versions = seen.filter((e) => e.partitionkey === `s${s}`).map((e) => e.streamversion);
        assert.deepEqual(
          versions,
          Array.from({ length }, (_, v) => v + 1),
        );
      }
      assert.equal(parked.size, 0);
    }),
  );
});

async function setup(handle: (events: readonly CloudEvent[]) => void | Promise<void>) {
  const host = new PgliteHost('memory://');
  const db = host.database('ordered');
  await migrate(db, eventingMigrations);
  const committed: CloudEvent[] = [];
  const consumer = createConsumer(
    {
      name: 'ordered',
      types: [VoteCastV1.type],
      retry: { attempts: 2, initialDelayMs: 1, maxDelayMs: 2 },
      handle: async (_trx, events) => handle(events),
      committed: (events) => committed.push(...events),
    },
    { db, logger: silent },
  );
  const deliver = (events: readonly unknown[]) =>
    consumer.handleBatch(events.map((payload) => ({ payload, attempt: 1 })));
  return { host, db, consumer, deliver, committed };
}

test('an event that arrives before the one it follows waits, then both apply in order, once', async () => {
  const handled: string[] = [];
  const { host, db, deliver, committed } = await setup((events) => {
    handled.push(...events.map((e) => `${e.partitionkey}:${e.streamversion}`));
  });
  await deliver([streamEvent('a', 2), streamEvent('a', 3), streamEvent('b', 1)]);
  assert.deepEqual(handled, ['b:1'], 'a:2 and a:3 wait for a:1');
  const parked = await sql<{ n: number }>`select count(*)::int as n from parked_events`.execute(db.kysely);
  assert.equal(parked.rows[0]?.n, 2);
  await deliver([streamEvent('a', 1), streamEvent('a', 2)]);
  assert.deepEqual(handled, ['b:1', 'a:1', 'a:2', 'a:3']);
  await deliver([streamEvent('a', 3), streamEvent('b', 1)]);
  assert.equal(handled.length, 4, 'duplicates change nothing');
  assert.deepEqual(
    committed.map((e) => `${e.partitionkey}:${e.streamversion}`),
    handled,
    'the after-commit hook hears of what was applied, parked ones included',
  );
  await host.close();
});

test('a dead-lettered event does not hold its stream back; its replay applies it once and runs the after-commit hook', async () => {
  let poisonFixed = false;
  const handled: string[] = [];
  const { host, db, consumer, deliver, committed } = await setup((events) => {
    if (!poisonFixed && events.some((e) => e.partitionkey === 'p' && e.streamversion === 2))
      throw new Error('cannot apply p:2 yet');
    handled.push(...events.map((e) => `${e.partitionkey}:${e.streamversion}`));
  });
  await deliver([streamEvent('p', 1), streamEvent('p', 3)]);
  await deliver([streamEvent('p', 2)]);
  assert.deepEqual(handled, ['p:1', 'p:3'], 'p:3 applied once p:2 was set aside');
  const [letter] = await listDeadLetters(db);
  assert.equal(letter?.eventId, 'p-2');
  await deliver([streamEvent('p', 4)]);
  assert.deepEqual(handled, ['p:1', 'p:3', 'p:4']);
  poisonFixed = true;
  committed.length = 0;
  await replayDeadLetter(db, new Map([[consumer.name, consumer]]), letter!.id);
  assert.deepEqual(handled, ['p:1', 'p:3', 'p:4', 'p:2']);
  assert.deepEqual(
    committed.map((e) => e.id),
    ['p-2'],
  );
  await deliver([streamEvent('p', 2)]);
  assert.equal(handled.length, 4, 'the original delivering it again changes nothing');
  await host.close();
});

test('an invalid event in a stream is dead-lettered and the stream goes on past it', async () => {
  const handled: string[] = [];
  const { host, db, deliver } = await setup((events) => {
    handled.push(...events.map((e) => `${e.partitionkey}:${e.streamversion}`));
  });
  const broken = { ...streamEvent('q', 2), data: { pollId: 'q' } };
  await deliver([streamEvent('q', 1), broken, streamEvent('q', 3)]);
  assert.deepEqual(handled, ['q:1', 'q:3']);
  assert.equal((await listDeadLetters(db)).length, 1);
  await host.close();
});

test('the partition function in SQL agrees with partitionOf (the upgrade partitions stored rows with it)', async () => {
  const host = new PgliteHost('memory://');
  const db = host.database('fnv');
  await migrate(db, eventingMigrations);
  await fc.assert(
    fc.asyncProperty(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 }), async (key) => {
      const result = await sql<{ p: number }>`select canvass_partition_of(${key}, 8) as p`.execute(db.kysely);
      assert.equal(result.rows[0]?.p, partitionOf(key, 8));
    }),
    { numRuns: 200 },
  );
  await host.close();
});
