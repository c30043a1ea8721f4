// A batch of new votes on polls whose stream heads a polls process wrote last goes to PostgreSQL as
// one autocommit statement, fenced on those heads (vote-writer.ts). These show, on real
// PostgreSQL, that it is taken, and that whenever what it relied on no longer holds (another
// process appended, the poll closed, a voter had voted) nothing of it stays and the batch is
// answered as the locking path answers it: every acknowledged vote counted once, every stream's
// hash chain whole, every log partition's sequences without gaps or repeats.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { CloudEvent } from '@canvass/contracts';
import { createPostgresDatabase, type Database } from '@canvass/database';
import { LOG_PARTITIONS, partitionOf } from '@canvass/eventing';
import { verifyStream, writeStreams } from '@canvass/polls';
import type { ServiceRuntime } from '@canvass/service-kit';
import { sql } from 'kysely';
import { testDatabases } from '../support/cluster.ts';
import { startPollsReplicas } from '../support/polls-runtimes.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back.
type Json = any;

let databases: Database[] = [];
let runtimes: ServiceRuntime[] = [];
const a = () => runtimes[0]!;
const b = () => runtimes[1]!;

before(async () => {
  const urls = await testDatabases(['polls']);
  // Two polls processes on one database, each with its own pool, cache and known heads.
  databases = [0, 1].map(() => createPostgresDatabase({ url: urls.polls!, schema: 'polls' }));
  runtimes = await startPollsReplicas(databases);
});
after(async () => {
  for (const runtime of runtimes) await runtime.stopHttp();
  for (const db of databases) await db.close();
});

const db = () => databases[0]!.kysely;

async function createPoll(runtime: ServiceRuntime, question: string, settings: Json = {}): Promise<Json> {
  const response = await runtime.app.inject({
    method: 'POST',
    url: '/api/v1/polls',
    payload: { question, options: [{ label: 'A' }, { label: 'B' }], settings },
  });
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}

/** Votes sent at once (so they share batches), each from its own voter unless `voters` says. */
function vote(runtime: ServiceRuntime, poll: Json, voters: readonly string[]) {
  return Promise.all(
    voters.map((voter, i) =>
      runtime.app.inject({
        method: 'POST',
        url: `/api/v1/polls/${poll.id}/votes`,
        headers: { 'voter-token': `${voter}-voter-token-of-this-test` },
        payload: { optionIds: [poll.options[i % 2].id] },
      }),
    ),
  );
}

/** canvass_vote_batches_total by path and canvass_vote_fence_failures_total by reason, from /metrics. */
async function batches(runtime: ServiceRuntime) {
  const text = (await runtime.app.inject({ method: 'GET', url: '/metrics' })).body;
  const count = (metric: string, label: string, value: string) =>
    Number(new RegExp(`^${metric}\\{${label}="${value}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  const failed = (reason: string) => count('canvass_vote_fence_failures_total', 'reason', reason);
  return {
    fenced: count('canvass_vote_batches_total', 'path', 'fenced'),
    locked: count('canvass_vote_batches_total', 'path', 'locked'),
    head: failed('head'),
    poll: failed('poll'),
    voter: failed('voter'),
  };
}

/** Votes stored and cast events in the stream, for one poll; and whether its chain is whole. */
async function tally(pollId: string) {
  const votes = await sql<{
    n: string;
  }>`select count(*) as n from polls.votes where poll_id = ${pollId}`.execute(db());
  const events = await sql<{ n: string }>`select count(*) as n from polls.poll_events
    where poll_id = ${pollId} and type like 'polls.vote.cast%'`.execute(db());
  return {
    votes: Number(votes.rows[0]!.n),
    castEvents: Number(events.rows[0]!.n),
    chain: (await verifyStream(db() as never, pollId)).ok,
  };
}

/**
 * The log stays whole: no sequence is taken twice in any partition, no event sits past its
 * partition's head, and each of these polls' events have sequences rising with their versions
 * (sequence order is commit order). Gaps are allowed: the polls database is shared with other
 * suites, and a deleted poll's events are pruned once published.
 */
async function assertLogWhole(pollIds: readonly string[]) {
  const partitions = await sql<{
    partition: number;
    n: string;
    distinct: string;
    high: string;
    head: string;
  }>`
    select e.partition, count(*) as n, count(distinct e.seq) as distinct, max(e.seq) as high, max(h.seq) as head
    from polls.poll_events e join polls.log_heads h on h.log = 'poll_events' and h.partition = e.partition
    group by e.partition`.execute(db());
  assert.ok(partitions.rows.length > 0);
  for (const row of partitions.rows) {
    assert.equal(row.distinct, row.n, `partition ${row.partition}: no sequence twice`);
    assert.ok(Number(row.high) <= Number(row.head), `partition ${row.partition}: nothing past the head`);
  }
  const events = await sql<{ poll_id: string; version: number; seq: string }>`
    select poll_id, version, seq from polls.poll_events where poll_id = any(${[...pollIds]}::text[])
    order by poll_id, version`.execute(db());
  assert.ok(events.rows.length > 0);
  for (const [i, row] of events.rows.entries()) {
    const before = events.rows[i - 1];
    if (before?.poll_id === row.poll_id)
      assert.ok(
        Number(row.seq) > Number(before.seq),
        `poll ${row.poll_id} v${row.version}: after v${before.version}`,
      );
  }
}

test('new votes on a poll this process wrote last go in one statement each batch, and count once', async () => {
  const poll = await createPoll(a(), 'Fenced?');
  const before = await batches(a());
  const answers = [];
  for (let round = 0; round < 6; round++)
    answers.push(
      ...(await vote(
        a(),
        poll,
        Array.from({ length: 8 }, (_, i) => `fence-${round}-${i}`),
      )),
    );
  for (const answer of answers) assert.equal(answer.statusCode, 201, answer.body);
  const after = await batches(a());
  assert.ok(after.locked - before.locked >= 1, 'the first batch reads the head under lock');
  assert.equal(
    after.head + after.poll + after.voter,
    before.head + before.poll + before.voter,
    'none undone',
  );
  assert.ok(
    after.fenced - before.fenced >= 4,
    `later batches go in one statement (${JSON.stringify(after)})`,
  );
  assert.deepEqual(await tally(poll.id), { votes: 48, castEvents: 48, chain: true });
  await assertLogWhole([poll.id]);
});

test('two processes voting on one poll fence each other out: each falls back, nothing lost or doubled', async () => {
  const poll = await createPoll(a(), 'Shared?');
  const before = [await batches(a()), await batches(b())];
  const answers = [];
  for (let round = 0; round < 8; round++) {
    const voters = (side: string) => Array.from({ length: 5 }, (_, i) => `shared-${side}-${round}-${i}`);
    const both = await Promise.all([vote(a(), poll, voters('a')), vote(b(), poll, voters('b'))]);
    answers.push(...both.flat());
  }
  for (const answer of answers) assert.equal(answer.statusCode, 201, answer.body);
  const after = [await batches(a()), await batches(b())];
  const moved = after[0]!.head - before[0]!.head + after[1]!.head - before[1]!.head;
  assert.ok(moved >= 1, `a head the other process moved undoes a fenced statement (${moved})`);
  assert.deepEqual(await tally(poll.id), { votes: 80, castEvents: 80, chain: true });
  await assertLogWhole([poll.id]);
});

test('a voter who voted, and a poll closed meanwhile, are answered as the locking path answers them', async () => {
  const poll = await createPoll(a(), 'Once?');
  for (const answer of await vote(a(), poll, ['once-1', 'once-2'])) assert.equal(answer.statusCode, 201);
  for (const answer of await vote(a(), poll, ['once-3'])) assert.equal(answer.statusCode, 201);
  // A batch of a new voter and one who voted: the fenced statement is undone as a whole.
  const beforeMixed = await batches(a());
  const mixed = await vote(a(), poll, ['once-4', 'once-1']);
  assert.equal(
    (await batches(a())).voter,
    beforeMixed.voter + 1,
    'the fenced statement was tried and undone',
  );
  assert.deepEqual(
    mixed.map((answer) => answer.statusCode),
    [201, 409],
  );
  assert.equal(mixed[1]!.json().type, '/problems/already-voted');
  for (const answer of await vote(a(), poll, ['once-5', 'once-6'])) assert.equal(answer.statusCode, 201);
  assert.deepEqual(await tally(poll.id), { votes: 6, castEvents: 6, chain: true });

  // Closed through the other process: this one's known head is stale, and its cached poll open.
  const closed = await createPoll(a(), 'Closed?');
  for (const answer of await vote(a(), closed, ['closed-1'])) assert.equal(answer.statusCode, 201);
  for (const answer of await vote(a(), closed, ['closed-2'])) assert.equal(answer.statusCode, 201);
  const close = await b().app.inject({
    method: 'POST',
    url: `/api/v1/polls/${closed.id}/close`,
    headers: { 'manage-token': closed.manageToken },
  });
  assert.equal(close.statusCode, 200, close.body);
  // A closing time reached, set where no head moves and this process's cached poll is still open:
  // the statement itself must refuse.
  const timed = await createPoll(a(), 'Timed?');
  for (const answer of await vote(a(), timed, ['timed-1'])) assert.equal(answer.statusCode, 201);
  for (const answer of await vote(a(), timed, ['timed-2'])) assert.equal(answer.statusCode, 201);
  await sql`update polls.polls set closes_at = now() where id = ${timed.id}`.execute(db());
  const beforeLate = await batches(a());
  for (const late of [closed, timed])
    for (const answer of await vote(a(), late, ['late-1', 'late-2'])) {
      assert.equal(answer.statusCode, 409, answer.body);
      assert.equal(answer.json().type, '/problems/poll-not-open');
    }
  assert.deepEqual(await tally(closed.id), { votes: 2, castEvents: 2, chain: true });
  assert.deepEqual(await tally(timed.id), { votes: 2, castEvents: 2, chain: true });
  const afterLate = await batches(a());
  assert.equal(afterLate.head, beforeLate.head + 1, 'the closed poll: its head moved');
  assert.equal(afterLate.poll, beforeLate.poll + 1, 'the timed poll: the statement saw it closed');
  await assertLogWhole([poll.id, closed.id, timed.id]);
});

test('a presenter’s lock committed while a fenced batch waited for the poll refuses its votes', async () => {
  // The lock moves no head (as the quiz's reveal and countdown set it), and this process's cached
  // poll does not know it: only the statement can refuse, by the clock after its locks.
  const poll = await createPoll(a(), 'Locked?');
  for (const answer of await vote(a(), poll, ['lock-1'])) assert.equal(answer.statusCode, 201);
  for (const answer of await vote(a(), poll, ['lock-2'])) assert.equal(answer.statusCode, 201);
  const before = await batches(a());
  const presenter = await databases[1]!.kysely.connection().execute(async (connection) => {
    await sql`begin`.execute(connection);
    await sql`update polls.polls set voting_locked_at = now() + interval '300 milliseconds'
      where id = ${poll.id}`.execute(connection);
    const waiting = vote(a(), poll, ['lock-3', 'lock-4']);
    await new Promise((resolve) => setTimeout(resolve, 800));
    await sql`commit`.execute(connection);
    return waiting;
  });
  for (const answer of presenter) {
    assert.equal(answer.statusCode, 409, answer.body);
    assert.equal(answer.json().type, '/problems/voting-locked');
  }
  assert.equal((await batches(a())).poll, before.poll + 1, 'the fenced statement saw the lock');
  assert.deepEqual(await tally(poll.id), { votes: 2, castEvents: 2, chain: true });
  await assertLogWhole([poll.id]);
});

test('a poll changed here is read again under lock; changed elsewhere, the fence fails and the poll rests a second', async () => {
  const poll = await createPoll(a(), 'Edited?');
  const edit = async (runtime: ServiceRuntime, question: string) => {
    const response = await runtime.app.inject({
      method: 'PATCH',
      url: `/api/v1/polls/${poll.id}`,
      headers: { 'manage-token': poll.manageToken },
      payload: { question },
    });
    assert.equal(response.statusCode, 200, response.body);
  };
  const one = async (voter: string) => {
    for (const answer of await vote(a(), poll, [voter])) assert.equal(answer.statusCode, 201, answer.body);
  };
  await one('edit-1');
  await one('edit-2');

  // Edited through this process: it forgets the head, so nothing is tried and undone.
  await edit(a(), 'Edited here?');
  const here = await batches(a());
  await one('edit-3');
  await one('edit-4');
  const afterHere = await batches(a());
  assert.equal(afterHere.locked, here.locked + 1, 'the batch after the edit read the head under lock');
  assert.equal(afterHere.fenced, here.fenced + 1, 'the one after that went in one statement');
  assert.equal(afterHere.head, here.head, 'no statement undone');

  // Edited through the other process: this one's head is stale, and its statement is undone.
  await edit(b(), 'Edited there?');
  await one('edit-5');
  await one('edit-6');
  const soon = await batches(a());
  assert.equal(soon.head, afterHere.head + 1, 'the stale head failed its fence once');
  assert.equal(
    soon.fenced,
    afterHere.fenced,
    'for a second after a fence fails, the poll goes the locking way',
  );
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  await one('edit-7');
  assert.equal((await batches(a())).fenced, soon.fenced + 1, 'then in one statement again');
  assert.deepEqual(await tally(poll.id), { votes: 7, castEvents: 7, chain: true });
  await assertLogWhole([poll.id]);
});

test("a log partition's places go in commit order: an append holds its partition until it ends, on either path", async () => {
  // The relay reads a partition past its checkpoint by sequence, so a sequence must never commit
  // while a lower one of its partition may still commit (the relay would pass it for good). Here
  // another appender holds a place of the partition, uncommitted, while votes on another poll of
  // the same partition arrive: on the fenced statement (process a knows the poll's head) and on
  // the locking path (process b does not). Neither may commit before the holder ends; the place
  // it gives back (a rollback) is the next one taken, so no gap is left either.
  const held = await createPoll(a(), 'Held?');
  const partition = partitionOf(held.id, LOG_PARTITIONS);
  let other: Json;
  do other = await createPoll(a(), 'Same partition?');
  while (partitionOf(other.id, LOG_PARTITIONS) !== partition);
  for (const answer of await vote(a(), other, ['order-1'])) assert.equal(answer.statusCode, 201);
  for (const answer of await vote(a(), other, ['order-2'])) assert.equal(answer.statusCode, 201);

  const head = async () =>
    Number(
      (
        await sql<{ seq: string }>`select seq from polls.log_heads
          where log = 'poll_events' and partition = ${partition}`.execute(db())
      ).rows[0]!.seq,
    );

  for (const [runtime, path] of [
    [a(), 'fenced'],
    [b(), 'locked'],
  ] as const) {
    const before = await batches(runtime);
    const top = await head();
    // The holder: a connection of the other process's pool, as the presenter's test takes one.
    const answers = await databases[1]!.kysely.connection().execute(async (connection) => {
      await sql`begin`.execute(connection);
      const stream = (
        await sql<{ version: number; head_hash: string }>`select version, head_hash from polls.poll_streams
          where poll_id = ${held.id} for update`.execute(connection)
      ).rows[0]!;
      const event = {
        specversion: '1.0',
        id: randomUUID(),
        source: '/tests/vote-fence',
        type: 'polls.poll.updated.v1',
        time: new Date().toISOString(),
        partitionkey: held.id,
        data: { pollId: held.id },
      } as unknown as CloudEvent;
      await writeStreams(connection as never, [
        { pollId: held.id, from: { version: stream.version, hash: stream.head_hash }, events: [event] },
      ]);
      let settled = false;
      const waiting = vote(runtime, other, [`order-${path}`]).finally(() => {
        settled = true;
      });
      try {
        await new Promise((resolve) => setTimeout(resolve, 600));
        assert.equal(settled, false, `the ${path} vote waits for the partition's holder`);
        assert.equal(await head(), top, 'nothing of the partition committed meanwhile');
      } finally {
        // Given back whatever was seen, so the vote (and the shared database) is left whole.
        await sql`rollback`.execute(connection);
      }
      return waiting;
    });
    for (const answer of answers) assert.equal(answer.statusCode, 201, answer.body);
    const after = await batches(runtime);
    assert.equal(after[path], before[path] + 1, `the vote went the ${path} way`);
    assert.equal(await head(), top + 1, 'the place given back was the next one taken');
    const last = await sql<{ seq: string }>`select max(seq) as seq from polls.poll_events
      where poll_id = ${other.id}`.execute(db());
    assert.equal(Number(last.rows[0]!.seq), top + 1, "the vote's event took it");
  }
  assert.deepEqual(await tally(other.id), { votes: 4, castEvents: 4, chain: true });
  assert.deepEqual(await tally(held.id), { votes: 0, castEvents: 0, chain: true });
  await assertLogWhole([held.id, other.id]);
});
