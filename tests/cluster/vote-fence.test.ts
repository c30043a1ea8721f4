// A batch of new votes on polls whose stream heads a polls process wrote last goes to PostgreSQL as
// one autocommit statement, fenced on those heads (vote-writer.ts). These show, on real
// PostgreSQL, that it is taken, and that whenever what it relied on no longer holds (another
// process appended, the poll closed, a voter had voted) nothing of it stays and the batch is
// answered as the locking path answers it: every acknowledged vote counted once, every stream's
// hash chain whole, every log partition's sequences without gaps or repeats.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createPostgresDatabase, type Database } from '@canvass/database';
import { verifyStream } from '@canvass/polls';
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

/** canvass_vote_batches_total by path, as the process's /metrics says. */
async function batches(runtime: ServiceRuntime): Promise<{ fenced: number; locked: number }> {
  const text = (await runtime.app.inject({ method: 'GET', url: '/metrics' })).body;
  const count = (path: string) =>
    Number(new RegExp(`^canvass_vote_batches_total\\{path="${path}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { fenced: count('fenced'), locked: count('locked') };
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

/** Every log partition's sequences are 1..n with no gap or repeat, and its head is n. */
async function assertLogWhole() {
  const rows = await sql<{
    partition: number;
    n: string;
    low: string;
    high: string;
    distinct: string;
    head: string;
  }>`
    select e.partition, count(*) as n, min(e.seq) as low, max(e.seq) as high, count(distinct e.seq) as distinct,
      max(h.seq) as head
    from polls.poll_events e join polls.log_heads h on h.log = 'poll_events' and h.partition = e.partition
    group by e.partition`.execute(db());
  assert.ok(rows.rows.length > 0);
  for (const row of rows.rows) {
    assert.equal(row.distinct, row.n, `partition ${row.partition}: no sequence twice`);
    assert.equal(Number(row.high) - Number(row.low) + 1, Number(row.n), `partition ${row.partition}: no gap`);
    assert.equal(row.high, row.head, `partition ${row.partition}: the head is the last sequence`);
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
  assert.ok(
    after.fenced - before.fenced >= 4,
    `later batches go in one statement (${JSON.stringify(after)})`,
  );
  assert.deepEqual(await tally(poll.id), { votes: 48, castEvents: 48, chain: true });
  await assertLogWhole();
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
  const locked = after[0]!.locked - before[0]!.locked + after[1]!.locked - before[1]!.locked;
  assert.ok(locked >= 2, `a head the other process moved sends a batch the locking way (${locked})`);
  assert.deepEqual(await tally(poll.id), { votes: 80, castEvents: 80, chain: true });
  await assertLogWhole();
});

test('a voter who voted, and a poll closed meanwhile, are answered as the locking path answers them', async () => {
  const poll = await createPoll(a(), 'Once?');
  for (const answer of await vote(a(), poll, ['once-1', 'once-2'])) assert.equal(answer.statusCode, 201);
  for (const answer of await vote(a(), poll, ['once-3'])) assert.equal(answer.statusCode, 201);
  // A batch of a new voter and one who voted: the fenced statement is undone as a whole.
  const mixed = await vote(a(), poll, ['once-4', 'once-1']);
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
  // Closing at a set time moves no head until the scheduler closes it: the statement checks it.
  const timed = await createPoll(a(), 'Timed?');
  const closesAt = new Date(Date.now() + 1_500).toISOString();
  const edit = await a().app.inject({
    method: 'PATCH',
    url: `/api/v1/polls/${timed.id}`,
    headers: { 'manage-token': timed.manageToken },
    payload: { closesAt },
  });
  assert.equal(edit.statusCode, 200, edit.body);
  for (const answer of await vote(a(), timed, ['timed-1'])) assert.equal(answer.statusCode, 201);
  for (const answer of await vote(a(), timed, ['timed-2'])) assert.equal(answer.statusCode, 201);
  await new Promise((resolve) => setTimeout(resolve, Date.parse(closesAt) - Date.now() + 50));

  for (const late of [closed, timed])
    for (const answer of await vote(a(), late, ['late-1', 'late-2'])) {
      assert.equal(answer.statusCode, 409, answer.body);
      assert.equal(answer.json().type, '/problems/poll-not-open');
    }
  assert.deepEqual(await tally(closed.id), { votes: 2, castEvents: 2, chain: true });
  assert.deepEqual(await tally(timed.id), { votes: 2, castEvents: 2, chain: true });
  await assertLogWhole();
});

test('a stream head moved in the same process (a poll edit) is fenced out too, and the vote still counts', async () => {
  const poll = await createPoll(a(), 'Edited?');
  for (const answer of await vote(a(), poll, ['edit-1', 'edit-2'])) assert.equal(answer.statusCode, 201);
  for (const answer of await vote(a(), poll, ['edit-3'])) assert.equal(answer.statusCode, 201);
  const edit = await a().app.inject({
    method: 'PATCH',
    url: `/api/v1/polls/${poll.id}`,
    headers: { 'manage-token': poll.manageToken },
    payload: { question: 'Edited, still?' },
  });
  assert.equal(edit.statusCode, 200, edit.body);
  const before = await batches(a());
  for (const answer of await vote(a(), poll, ['edit-4', 'edit-5'])) assert.equal(answer.statusCode, 201);
  for (const answer of await vote(a(), poll, ['edit-6'])) assert.equal(answer.statusCode, 201);
  const soon = await batches(a());
  assert.equal(soon.fenced, before.fenced, 'for a second after a fence fails, the poll goes the locking way');
  assert.ok(soon.locked >= before.locked + 2);
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  for (const answer of await vote(a(), poll, ['edit-7'])) assert.equal(answer.statusCode, 201);
  for (const answer of await vote(a(), poll, ['edit-8'])) assert.equal(answer.statusCode, 201);
  const later = await batches(a());
  assert.ok(later.fenced > soon.fenced, 'then in one statement again');
  assert.deepEqual(await tally(poll.id), { votes: 8, castEvents: 8, chain: true });
  await assertLogWhole();
});
