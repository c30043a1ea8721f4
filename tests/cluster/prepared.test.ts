// Statements marked PREPARED run as named prepared statements on real PostgreSQL (parsed once per
// connection), and the vote path's marked statements are of fixed text whatever a batch holds.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createPostgresDatabase, type Database, PREPARED, preparedTexts } from '@canvass/database';
import type { ServiceRuntime } from '@canvass/service-kit';
import { sql } from 'kysely';
import { testDatabases } from '../support/cluster.ts';
import { startPollsReplicas } from '../support/polls-runtimes.ts';

let db: Database;
let poolUrl: string;
let runtimes: ServiceRuntime[] = [];

before(async () => {
  const urls = await testDatabases(['polls']);
  poolUrl = urls.polls!;
  db = createPostgresDatabase({ url: urls.polls!, schema: 'polls' });
  runtimes = await startPollsReplicas([db]);
});
after(async () => {
  for (const runtime of runtimes) await runtime.stopHttp();
  await db.close();
});

test('a marked statement is prepared once per connection and answers each run with its own values', async () => {
  const answers = await db.kysely.transaction().execute(async (trx) => {
    const runs = [];
    for (const value of [1, 10, 100])
      runs.push(
        (await sql<{ n: number }>`${sql.raw(PREPARED)} select ${value}::int + 1 as n`.execute(trx)).rows[0]!
          .n,
      );
    await sql`select ${5}::int + 2 as n`.execute(trx);
    const prepared = await sql<{ name: string; statement: string }>`
      select name, statement from pg_prepared_statements order by name`.execute(trx);
    return { runs, prepared: prepared.rows };
  });
  assert.deepEqual(answers.runs, [2, 11, 101]);
  const mine = answers.prepared.filter((row) => row.statement.includes('::int + '));
  assert.equal(mine.length, 1, 'one prepared statement, the marked one');
  assert.match(mine[0]!.name, /^canvass_\d+$/);
  assert.ok(mine[0]!.statement.startsWith(PREPARED));
});

test('the vote path’s marked statements keep one text for batches of any size', async () => {
  const service = runtimes[0]!;
  const polls = await Promise.all(
    Array.from({ length: 3 }, async (_, i) =>
      (
        await service.app.inject({
          method: 'POST',
          url: '/api/v1/polls',
          payload: { question: `Fixed ${i}?`, options: [{ label: 'A' }, { label: 'B' }] },
        })
      ).json(),
    ),
  );
  const prefix = `fixed-${Date.now()}`;
  const votes = async (count: number, round: number) => {
    const responses = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        service.app.inject({
          method: 'POST',
          url: `/api/v1/polls/${polls[i % polls.length].id}/votes`,
          headers: { 'voter-token': `${prefix}-${round}-${i}` },
          payload: { optionIds: [polls[i % polls.length].options[i % 2].id] },
        }),
      ),
    );
    for (const response of responses) assert.equal(response.statusCode, 201, response.body);
  };
  // The first batch on a poll takes the locking path; once this process knows the polls' heads,
  // their batches go in one fenced statement. Both run prepared.
  await votes(1, 0);
  await votes(3, 1);
  await votes(3, 100);
  const named = preparedTexts();
  const write = (texts: string[]) => texts.filter((text) => text.includes('insert into votes'));
  assert.equal(write(named).length, 2, 'the vote batch runs prepared, locked and fenced');
  assert.ok(write(named).some((text) => text.includes('fenced as materialized')));
  // Each round also votes in a poll new to the process, so both paths run with every size.
  for (const [round, count] of [5, 17, 40, 2].entries()) {
    polls.unshift(
      (
        await service.app.inject({
          method: 'POST',
          url: '/api/v1/polls',
          payload: { question: `Cold ${round}?`, options: [{ label: 'A' }, { label: 'B' }] },
        })
      ).json(),
    );
    await votes(count, round + 2);
    await votes(count, round + 20);
  }
  assert.deepEqual(write(preparedTexts()), write(named), 'batches of 1 to 40 votes share one text');
  const prefixes = new Set(preparedTexts().map((text) => text.slice(0, 80)));
  assert.equal(prefixes.size, preparedTexts().length, 'no marked statement comes in several texts');
});

test('pooled connections outlive an idle spell longer than pg’s default (10 s), and keep their prepared statements', async () => {
  // A pool of its own, at the defaults every service runs with.
  const pool = createPostgresDatabase({ url: poolUrl, schema: 'polls' });
  try {
    // Two at once take two connections; each says which backend it is and when this statement
    // was prepared on it.
    const backends = () =>
      Promise.all(
        [0, 1].map(
          async () =>
            (
              await sql<{ pid: number; prepared_at: Date }>`${sql.raw(PREPARED)} /* idle probe */
                select pg_backend_pid() as pid, pg_sleep(0.2)::text as slept,
                  (select prepare_time from pg_prepared_statements
                    where statement like '%idle probe%') as prepared_at`.execute(pool.kysely)
            ).rows[0]!,
        ),
      );
    const first = await backends();
    assert.equal(new Set(first.map((row) => row.pid)).size, 2, 'two statements at once take two connections');
    const idleFrom = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    const second = await backends();
    assert.deepEqual(
      second.map((row) => row.pid).sort(),
      first.map((row) => row.pid).sort(),
      'the same two backends answer after the idle spell: no connection was closed and opened again',
    );
    for (const row of second)
      assert.ok(row.prepared_at.getTime() < idleFrom, 'the statement was not parsed again after the spell');
  } finally {
    await pool.close();
  }
});
