// The eventing path against real PostgreSQL and NATS JetStream: outbox log → relay → JetStream
// partition → consumer (inbox for events without a stream version).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { VoteCastV1 } from '@canvass/contracts';
import { createPostgresDatabase, type Database, migrate } from '@canvass/database';
import {
  createConsumer,
  createEvent,
  createOutbox,
  createRelay,
  type EventBus,
  eventingMigrations,
  listDeadLetters,
  logSubject,
  outboxLog,
  replayDeadLetter,
  type Subscription,
  startConsumer,
  subjectFor,
} from '@canvass/eventing';
import { createNatsBus, durableNameFor, EVENTS_HEADER, MAX_EVENTS_PER_MESSAGE } from '@canvass/eventing-nats';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { sql } from 'kysely';
import { eventually } from '../support/api.ts';
import { NATS_URL, testDatabases } from '../support/cluster.ts';

const logger = { warn() {}, info() {} };
const consumerName = `eventing-test-${randomUUID().slice(0, 8)}`;
let db: Database;
let bus: EventBus;
let subscription: Subscription;
let nc: NatsConnection;

before(async () => {
  const urls = await testDatabases(['eventing']);
  db = createPostgresDatabase({ url: urls.eventing!, schema: 'eventing' });
  // Start from an empty store: earlier runs' rows would only slow the lookups down.
  await sql`drop schema if exists eventing cascade`.execute(db.kysely);
  await migrate(db, [
    ...eventingMigrations,
    { name: '001_seen', sql: 'create table seen (event_id text not null, poll_id text not null);' },
  ]);
  bus = await createNatsBus({ url: NATS_URL, name: 'eventing-test', logger });
  nc = await connect({ servers: NATS_URL });
  subscription = await startConsumer(
    {
      name: consumerName,
      types: [VoteCastV1.type],
      // A new name each run: skip the history earlier runs left in the stream.
      startAt: 'now',
      async handle(trx, events) {
        await trx
          .insertInto('seen')
          .values(
            events.map((event) => ({
              event_id: event.id,
              poll_id: (event.data as { pollId: string }).pollId,
            })),
          )
          .execute();
      },
    },
    { db, bus, logger },
  );
});

after(async () => {
  await subscription.stop();
  await bus.close();
  const jsm = await jetstreamManager(nc);
  for (let p = 0; p < 8; p++) {
    await jsm.consumers.delete('POLLS', durableNameFor(consumerName, logSubject('polls', p))).catch(() => {});
  }
  await nc.close();
  await db.close();
});

const seenFor = async (pollId: string) =>
  (await sql<{ n: number }>`select count(*)::int as n from seen where poll_id = ${pollId}`.execute(db.kysely))
    .rows[0]?.n;

function vote(pollId: string) {
  return createEvent(VoteCastV1, {
    source: '/test',
    partitionkey: pollId,
    data: { pollId, voteId: randomUUID(), optionIds: ['a'], castAt: new Date().toISOString() },
  });
}

test('outbox events reach the consumer through JetStream once each', async () => {
  const pollId = randomUUID();
  const outbox = createOutbox(db);
  const relay = createRelay({ db, bus, log: outboxLog(), logger });
  const events = Array.from({ length: 50 }, () => vote(pollId));
  await db.kysely.transaction().execute((trx) => outbox.append(trx, events));
  await relay.flush();
  // On the wire as the outbox stores them: the relay neither parses nor writes them again.
  const stored = await sql<{ text: string }>`select event::text as text from outbox
    where event->>'partitionkey' = ${pollId} order by seq`.execute(db.kysely);
  const jsm = await jetstreamManager(nc);
  const message = await jsm.streams.getMessage('POLLS', { last_by_subj: subjectFor(events[0]!) });
  assert.equal(message?.string(), `[${stored.rows.map((row) => row.text).join(',')}]`);
  // Publishing the same rows again (a relay that crashed before its checkpoint moved) changes nothing.
  await bus.publish(events);
  await eventually(async () => assert.equal(await seenFor(pollId), 50));
  assert.equal((await relay.status()).pending, 0);
  await relay.stop();
});

test("an outbox partition's sequences commit in order: a second appender waits for the first to end", async () => {
  // The relay reads past its checkpoint by sequence: a higher sequence committed while a lower one
  // may still commit would be passed for good. Two transactions append to one partition; the
  // second may not finish (nor commit) until the first has, and takes the next sequence.
  const pollId = randomUUID();
  const outbox = createOutbox(db);
  const first = vote(pollId);
  const second = vote(pollId);
  const seqs = async () =>
    (
      await sql<{ id: string; seq: string }>`select id, seq from outbox
        where event->>'partitionkey' = ${pollId} order by seq`.execute(db.kysely)
    ).rows.map((row) => [row.id, Number(row.seq)] as const);
  let secondDone = false;
  let waiting: Promise<void> | undefined;
  await db.kysely.transaction().execute(async (trx) => {
    await outbox.append(trx, [first]);
    waiting = db.kysely
      .transaction()
      .execute((other) => outbox.append(other, [second]))
      .then(() => {
        secondDone = true;
      });
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(secondDone, false, 'the second appender waits for the first');
    assert.deepEqual(await seqs(), [], 'nothing of the partition committed meanwhile');
  });
  await waiting;
  const committed = await seqs();
  assert.deepEqual(
    committed.map(([id]) => id),
    [first.id, second.id],
  );
  assert.equal(committed[1]![1], committed[0]![1] + 1, 'the next sequence, after the first commit');
  const relay = createRelay({ db, bus, log: outboxLog(), logger });
  await relay.flush();
  await relay.stop();
  await eventually(async () => assert.equal(await seenFor(pollId), 2));
});

/** Messages JetStream holds on one subject. */
async function storedOn(subject: string): Promise<number> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info('POLLS', { subjects_filter: subject });
  return info.state.subjects?.[subject] ?? 0;
}

test("a partition's events travel as runs, one message each; the same run again is stored once", async () => {
  const pollId = randomUUID();
  const events = Array.from({ length: MAX_EVENTS_PER_MESSAGE + 44 }, () => vote(pollId));
  const subject = subjectFor(events[0]!);
  const before = await storedOn(subject);
  await bus.publish(events);
  assert.equal(await storedOn(subject), before + 2, 'two runs: a full one and the rest');
  await eventually(async () => assert.equal(await seenFor(pollId), events.length));
  // Published again as it was (a relay that crashed before its checkpoint moved): stored once.
  await bus.publish(events);
  assert.equal(await storedOn(subject), before + 2);
  // A longer run that starts at the same event (read again after a takeover) is stored; the
  // consumer drops what it has.
  const more = vote(pollId);
  await bus.publish([...events.slice(MAX_EVENTS_PER_MESSAGE), more]);
  assert.equal(await storedOn(subject), before + 3);
  await eventually(async () => assert.equal(await seenFor(pollId), events.length + 1));
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(await seenFor(pollId), events.length + 1);
});

test('with runs off (an upgrade from a release before them), each event goes as a message of its own', async () => {
  const plain = await createNatsBus({ url: NATS_URL, name: 'eventing-test-plain', logger, runs: false });
  try {
    const pollId = randomUUID();
    const events = [vote(pollId), vote(pollId), vote(pollId)];
    const subject = subjectFor(events[0]!);
    const before = await storedOn(subject);
    await plain.publish(events);
    assert.equal(await storedOn(subject), before + 3);
    await eventually(async () => assert.equal(await seenFor(pollId), 3));
  } finally {
    await plain.close();
  }
});

test("a malformed event inside a run is dead-lettered alone; the run's other events are handled", async () => {
  const pollId = randomUUID();
  const [first, last] = [vote(pollId), vote(pollId)];
  const marker = randomUUID();
  const h = headers();
  h.set(EVENTS_HEADER, '3');
  await jetstream(nc).publish(
    subjectFor(first),
    JSON.stringify([first, { id: marker, type: VoteCastV1.type, broken: true }, last]),
    { headers: h },
  );
  await eventually(async () => assert.equal(await seenFor(pollId), 2));
  const letters = await db.kysely
    .selectFrom('dead_letters')
    .selectAll()
    .where('consumer', '=', consumerName)
    .execute();
  const letter = letters.filter((l) => JSON.stringify(l.payload).includes(marker));
  assert.equal(letter.length, 1, 'the broken event alone');
  assert.ok(!JSON.stringify(letter[0]?.payload).includes(first.id), 'not the run around it');
});

test('a redelivered event (same id, new broker message) is handled once', async () => {
  const pollId = randomUUID();
  const event = vote(pollId);
  const js = jetstream(nc);
  // No Nats-Msg-Id: JetStream stores both copies, as after a duplicate-window miss.
  await js.publish(subjectFor(event), JSON.stringify(event));
  await js.publish(subjectFor(event), JSON.stringify(event));
  await eventually(async () => assert.equal(await seenFor(pollId), 1));
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(await seenFor(pollId), 1);
});

test('a malformed message is dead-lettered and the consumer keeps going', async () => {
  const pollId = randomUUID();
  const js = jetstream(nc);
  const marker = `not json ${randomUUID()}`;
  const next = vote(pollId);
  // Same partition as the good event after it, so the consumer must get past the bad one.
  await js.publish(subjectFor(next), marker);
  await js.publish(subjectFor(next), JSON.stringify(next));
  await eventually(async () => assert.equal(await seenFor(pollId), 1));
  const letters = await db.kysely
    .selectFrom('dead_letters')
    .selectAll()
    .where('payload', '=', marker)
    .execute();
  assert.equal(letters.length, 1);
  assert.equal(letters[0]?.consumer, consumerName);
  assert.match(String(letters[0]?.error), /not a valid CloudEvent/);
});

test('an event dead-lettered by a bug is replayed once after the fix', async () => {
  const name = `fixable-${randomUUID().slice(0, 8)}`;
  let fixed = false;
  const consumer = createConsumer(
    {
      name,
      types: [VoteCastV1.type],
      startAt: 'now',
      retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 20 },
      async handle(trx, events) {
        if (!fixed) throw new Error('handler bug: cannot count this yet');
        await trx
          .insertInto('seen')
          .values(
            events.map((event) => ({
              event_id: event.id,
              poll_id: `fixed-${(event.data as { pollId: string }).pollId}`,
            })),
          )
          .execute();
      },
    },
    { db, logger },
  );
  await consumer.subscribe(bus);
  try {
    const pollId = randomUUID();
    const event = vote(pollId);
    await bus.publish([event]);
    const letter = await eventually(async () => {
      const [found] = (await listDeadLetters(db, { limit: 1000 })).filter((l) => l.eventId === event.id);
      assert.ok(found, 'dead-lettered');
      return found;
    });
    assert.equal(letter.attempts, 2);
    // (The suite's other consumer counts it under its own poll id; this one writes `fixed-…`.)
    assert.equal(await seenFor(`fixed-${pollId}`), 0);

    fixed = true;
    await replayDeadLetter(db, new Map([[name, consumer]]), letter.id);
    assert.equal(await seenFor(`fixed-${pollId}`), 1);
    // The broker handing it over again (same id) changes nothing.
    await jetstream(nc).publish(subjectFor(event), JSON.stringify(event));
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await seenFor(`fixed-${pollId}`), 1);
  } finally {
    await consumer.pause();
    const jsm = await jetstreamManager(nc);
    for (let p = 0; p < 8; p++) {
      await jsm.consumers.delete('POLLS', durableNameFor(name, logSubject('polls', p))).catch(() => {});
    }
  }
});
