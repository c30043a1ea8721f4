import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PollCreatedV1, ResultsUpdatedV1, VoteCastV1, VoteCastV2 } from '@canvass/contracts';
import { migrate, PgliteHost } from '@canvass/database';
import fc from 'fast-check';
import { sql } from 'kysely';
import { createConsumer, startConsumer } from './consumer.ts';
import { getDeadLetter, listDeadLetters, replayDeadLetter } from './dead-letters.ts';
import { createEvent, timeOrderedId } from './events.ts';
import { createInProcessBus } from './in-process-bus.ts';
import { outboxLog } from './log.ts';
import { eventingMigrations } from './migrations.ts';
import { createOutbox } from './outbox.ts';
import { createRelay } from './relay.ts';

const silent = { warn() {} };

function vote(pollId: string) {
  return createEvent(VoteCastV1, {
    source: 'test',
    partitionkey: pollId,
    data: { pollId, voteId: crypto.randomUUID(), optionIds: ['a'], castAt: new Date().toISOString() },
  });
}

async function setup() {
  const host = new PgliteHost('memory://');
  const producer = host.database('producer');
  const consumerDb = host.database('consumer');
  await migrate(producer, eventingMigrations);
  await migrate(consumerDb, [
    ...eventingMigrations,
    { name: '001', sql: 'create table seen (event_id text);' },
  ]);
  const bus = createInProcessBus();
  const subscription = await startConsumer(
    {
      name: 'counter',
      types: [VoteCastV1.type],
      async handle(trx, events) {
        await trx
          .insertInto('seen')
          .values(events.map((event) => ({ event_id: event.id })))
          .execute();
      },
    },
    { db: consumerDb, bus, logger: silent },
  );
  const outbox = createOutbox(producer);
  const relay = createRelay({ db: producer, bus, log: outboxLog(), logger: silent });
  const seen = async () =>
    (await sql<{ n: number }>`select count(*)::int as n from seen`.execute(consumerDb.kysely)).rows[0]?.n;
  return { host, producer, consumerDb, bus, outbox, relay, subscription, seen };
}

test('events written in a transaction reach the consumer once', async () => {
  const { host, producer, outbox, relay, seen } = await setup();
  await producer.kysely.transaction().execute((trx) => outbox.append(trx, [vote('p1'), vote('p1')]));
  assert.equal((await relay.status()).pending, 2);
  await relay.flush();
  assert.equal(await seen(), 2);
  assert.equal((await relay.status()).pending, 0);
  await host.close();
});

test('a redelivered event is handled once', async () => {
  const { host, bus, seen } = await setup();
  const event = vote('p2');
  await bus.publish([event]);
  await bus.publish([event, event]);
  assert.equal(await seen(), 1);
  await host.close();
});

test('an event that breaks its contract is dead-lettered and the rest of the batch goes on', async () => {
  const { host, bus, consumerDb, seen } = await setup();
  const bad = { ...vote('p3'), data: { pollId: 'p3' } };
  await bus.publish([bad as never, vote('p3')]);
  assert.equal(await seen(), 1);
  const letters = await consumerDb.kysely.selectFrom('dead_letters').selectAll().execute();
  assert.equal(letters.length, 1);
  assert.equal(letters[0]?.event_id, bad.id);
  assert.match(String(letters[0]?.error), /invalid data/);
  await host.close();
});

test('an event that breaks its contract is refused by the outbox', async () => {
  const { host, producer, outbox } = await setup();
  const bad = { ...vote('p4'), data: { pollId: 'p4', optionIds: [] } };
  await assert.rejects(
    producer.kysely.transaction().execute((trx) => outbox.append(trx, [bad as never])),
    /invalid data/,
  );
  await host.close();
});

test('an event that keeps failing is retried, then dead-lettered with its history; replay after the fix applies it once', async () => {
  const host = new PgliteHost('memory://');
  const db = host.database('retrying');
  await migrate(db, [
    ...eventingMigrations,
    { name: '001', sql: 'create table seen (event_id text primary key);' },
  ]);
  let fixed = false;
  let calls = 0;
  const consumer = createConsumer(
    {
      name: 'picky',
      types: [VoteCastV1.type],
      retry: { attempts: 3, initialDelayMs: 1, maxDelayMs: 5 },
      async handle(trx, events) {
        calls++;
        if (!fixed && events.some((event) => (event.data as { pollId: string }).pollId === 'poison')) {
          throw new Error('cannot handle poison yet');
        }
        await trx
          .insertInto('seen')
          .values(events.map((event) => ({ event_id: event.id })))
          .execute();
      },
    },
    { db, logger: silent },
  );
  const poison = vote('poison');
  const good = [vote('fine'), vote('fine')];
  await consumer.handleBatch([poison, ...good].map((payload) => ({ payload, attempt: 1 })));

  const seen = async () =>
    (await db.kysely.selectFrom('seen').select('event_id').execute()).map((r) => r.event_id);
  assert.deepEqual((await seen()).sort(), good.map((e) => e.id).sort(), 'the rest of the batch went through');
  const [letter] = await listDeadLetters(db);
  assert.equal(letter?.eventId, poison.id);
  assert.equal(letter?.attempts, 3);
  assert.match(String(letter?.error), /poison/);
  assert.ok(new Date(String(letter?.firstFailedAt)) <= new Date(String(letter?.lastFailedAt)));
  assert.ok(calls >= 3 + 3 + 2, 'batch retried, then each event on its own');

  const consumers = new Map([[consumer.name, consumer]]);
  await assert.rejects(replayDeadLetter(db, consumers, letter!.id), /failed again/);
  assert.equal((await getDeadLetter(db, letter!.id)).attempts, 4);
  fixed = true;
  await replayDeadLetter(db, consumers, letter!.id);
  assert.ok((await seen()).includes(poison.id));
  await assert.rejects(replayDeadLetter(db, consumers, letter!.id), /already replayed/);
  // The broker redelivering the original batch later changes nothing either.
  await consumer.handleBatch([poison, ...good].map((payload) => ({ payload, attempt: 2 })));
  assert.equal((await seen()).length, 3);
  await host.close();
});

test('an older version a consumer lists is upcast before handling; a type it does not take is skipped', async () => {
  const host = new PgliteHost('memory://');
  const db = host.database('upcasting');
  await migrate(db, [...eventingMigrations, { name: '001', sql: 'create table segments (segment text);' }]);
  const consumer = createConsumer(
    {
      name: 'segments',
      types: [VoteCastV1.type, VoteCastV2.type],
      upcast: {
        [VoteCastV1.type]: (event) => ({
          ...event,
          type: VoteCastV2.type,
          data: { ...(event.data as object), segment: null },
        }),
      },
      async handle(trx, events) {
        for (const event of events) {
          assert.equal(event.type, VoteCastV2.type);
          await trx
            .insertInto('segments')
            .values({ segment: (event.data as { segment: string | null }).segment })
            .execute();
        }
      },
    },
    { db, logger: silent },
  );
  const v2 = createEvent(VoteCastV2, {
    source: 'test',
    data: { pollId: 'p', voteId: 'v2', optionIds: ['a'], segment: 'embed', castAt: new Date().toISOString() },
  });
  const created = createEvent(PollCreatedV1, {
    source: 'test',
    data: {
      pollId: 'p',
      workspaceId: null,
      question: 'q',
      type: 'single_choice',
      status: 'open',
      options: [],
      createdAt: new Date().toISOString(),
    },
  });
  await consumer.handleBatch([vote('p'), v2, created].map((payload) => ({ payload, attempt: 1 })));
  const rows = await db.kysely.selectFrom('segments').select('segment').execute();
  assert.deepEqual(rows.map((r) => r.segment).sort(), ['embed', null]);
  assert.equal((await listDeadLetters(db)).length, 0, 'another consumer’s type is no dead letter');
  await host.close();
});

test('an in-process live subscription gets only the snapshots it wants; logged events always arrive', async () => {
  const bus = createInProcessBus();
  const seen: string[] = [];
  await bus.subscribe({
    name: 'live',
    types: [ResultsUpdatedV1.type, PollCreatedV1.type],
    ephemeral: true,
    wants: (key) => key === 'poll_watched',
    async handle(batch) {
      for (const delivery of batch) {
        const event = delivery.payload as { type: string; data: { pollId: string } };
        seen.push(`${event.type} ${event.data.pollId}`);
      }
    },
  });
  const snapshot = (pollId: string) =>
    createEvent(ResultsUpdatedV1, {
      source: 'test',
      partitionkey: pollId,
      data: { pollId, sequence: 1, status: 'open', visibility: 'live', public: true, results: {} },
    });
  const created = createEvent(PollCreatedV1, {
    source: 'test',
    partitionkey: 'poll_other',
    data: {
      pollId: 'poll_other',
      workspaceId: null,
      question: 'Q?',
      type: 'single_choice',
      status: 'open',
      options: [{ id: 'a', label: 'A' }],
      createdAt: new Date().toISOString(),
    },
  });
  await bus.publish([snapshot('poll_other'), snapshot('poll_watched'), created]);
  assert.deepEqual(seen, [`${ResultsUpdatedV1.type} poll_watched`, `${PollCreatedV1.type} poll_other`]);
});

test('event ids are time-ordered UUIDs (v7): later ones sort after earlier ones, and never repeat', () => {
  const v7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const event = createEvent(VoteCastV1, {
    source: '/test',
    data: { pollId: 'p', voteId: 'v', optionIds: ['a'], castAt: new Date().toISOString() },
  });
  assert.match(event.id, v7);
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 48 - 2 }),
      fc.integer({ min: 1, max: 10 ** 9 }),
      (earlier, gap) => {
        const later = Math.min(earlier + gap, 2 ** 48 - 1);
        const [a, b] = [timeOrderedId(earlier), timeOrderedId(later)];
        assert.match(a, v7);
        assert.equal(
          Number.parseInt(a.slice(0, 8) + a.slice(9, 13), 16),
          earlier,
          'its first 48 bits are the time',
        );
        // Byte order (PostgreSQL's C collation) and any other: hex digits and the fixed dashes.
        assert.ok(a < b && a.localeCompare(b) < 0, `${a} before ${b}`);
      },
    ),
  );
  const now = Date.now();
  const ids = new Set(Array.from({ length: 10_000 }, () => timeOrderedId(now)));
  assert.equal(ids.size, 10_000, 'ids of one millisecond differ by their random bits');
});
