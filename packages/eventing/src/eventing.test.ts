import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VoteCastV1 } from '@canvass/contracts';
import { migrate, PgliteHost } from '@canvass/database';
import { sql } from 'kysely';
import { startConsumer } from './consumer.ts';
import { createEvent } from './events.ts';
import { createInProcessBus } from './in-process-bus.ts';
import { eventingMigrations } from './migrations.ts';
import { createOutbox } from './outbox.ts';

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
  const outbox = createOutbox({ db: producer, bus, logger: silent });
  const seen = async () =>
    (await sql<{ n: number }>`select count(*)::int as n from seen`.execute(consumerDb.kysely)).rows[0]?.n;
  return { host, producer, consumerDb, bus, outbox, subscription, seen };
}

test('events written in a transaction reach the consumer once, in order', async () => {
  const { host, producer, outbox, seen } = await setup();
  await producer.kysely.transaction().execute((trx) => outbox.append(trx, [vote('p1'), vote('p1')]));
  await outbox.flush();
  assert.equal(await seen(), 2);
  const pending = await sql<{
    n: number;
  }>`select count(*)::int as n from outbox where state = 'pending'`.execute(producer.kysely);
  assert.equal(pending.rows[0]?.n, 0);
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
