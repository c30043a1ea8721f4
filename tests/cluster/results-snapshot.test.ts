// One results read is one snapshot, on real PostgreSQL: analytics reads a poll's results (its total
// and, for an open-text poll, the answers shown, their count and their terms) in one statement, so
// a change that commits while the read runs is seen whole or not at all. Read in several
// statements, an approval committed between them showed a reader two answers counted and one
// listed. Made deterministic with a lock: a transaction locks the answers table, the read starts,
// the transaction adds an answer (a vote, its approval and its terms) and commits, and only then
// can the read see the answers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAnalyticsService } from '@canvass/analytics';
import { createPostgresDatabase, type Database } from '@canvass/database';
import { createInProcessBus } from '@canvass/eventing';
import { provisionDatabases } from '@canvass/launcher';
import { createLogger, createServiceRuntime, type ServiceRuntime } from '@canvass/service-kit';
import { sql } from 'kysely';
import pg from 'pg';
import { eventually, injectApi } from '../support/api.ts';
import { POSTGRES_URL } from '../support/cluster.ts';

let url = '';
let db: Database;
let runtime: ServiceRuntime;

before(async () => {
  const urls = await provisionDatabases({
    adminUrl: POSTGRES_URL,
    prefix: 'canvass_test_snapshot_',
    services: ['analytics'],
  });
  url = urls.analytics!;
  db = createPostgresDatabase({ url, schema: 'analytics' });
  await sql.raw('drop schema if exists analytics cascade').execute(db.kysely);
  runtime = await createServiceRuntime({
    name: 'analytics',
    db,
    bus: createInProcessBus(),
    logger: createLogger('analytics', 'silent'),
    create: createAnalyticsService,
  });
  await runtime.prepare();
});

after(async () => {
  await runtime?.stopHttp();
  await db?.close();
});

test('an answer approved while its results are read is in all of that read or in none of it', async () => {
  const pollId = 'snapshot-poll-1';
  await sql`insert into poll_results (poll_id, question, type, status, settings, total_votes)
    values (${pollId}, 'Ideas?', 'open_text', 'open', ${JSON.stringify({ moderation: true })}::jsonb, 1)`.execute(
    db.kysely,
  );
  await sql`insert into text_answers (poll_id, vote_id, text, approved_at)
    values (${pollId}, 'vote-1', 'first idea', now())`.execute(db.kysely);
  await sql`insert into term_counts (poll_id, term, count) values (${pollId}, 'first', 1), (${pollId}, 'idea', 1)`.execute(
    db.kysely,
  );

  const writer = new pg.Client({ connectionString: url });
  const watcher = new pg.Client({ connectionString: url });
  await writer.connect();
  await watcher.connect();
  try {
    await writer.query('begin');
    await writer.query('lock table analytics.text_answers in access exclusive mode');
    const reading = injectApi(runtime.app)('GET', `/api/v1/polls/${pollId}/results`);
    // The read is waiting for the answers (every statement that reads them waits for the lock).
    await eventually(async () => {
      const waiting = await watcher.query(
        `select count(*)::int as n from pg_stat_activity
         where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
      );
      assert.ok(waiting.rows[0].n > 0, 'the read waits for the lock');
    });
    await writer.query(`update analytics.poll_results set total_votes = 2 where poll_id = $1`, [pollId]);
    await writer.query(
      `insert into analytics.text_answers (poll_id, vote_id, text, approved_at)
       values ($1, 'vote-2', 'second idea', now())`,
      [pollId],
    );
    await writer.query(
      `update analytics.term_counts set count = count + 1 where poll_id = $1 and term = 'idea'`,
      [pollId],
    );
    await writer.query(`insert into analytics.term_counts (poll_id, term, count) values ($1, 'second', 1)`, [
      pollId,
    ]);
    await writer.query('commit');

    const read = await reading;
    assert.equal(read.status, 200, JSON.stringify(read.body));
    const { totalVotes, answers } = read.body;
    const said = JSON.stringify({ totalVotes, answers });
    assert.equal(answers.recent.length, answers.shown, said);
    assert.ok(answers.shown <= totalVotes, `more answers shown than votes: ${said}`);
    assert.equal(answers.shown + answers.awaitingModeration, totalVotes, said);
    const idea = answers.terms.find((term: { term: string }) => term.term === 'idea');
    assert.equal(idea?.count, answers.shown, said);
  } finally {
    await writer.end();
    await watcher.end();
  }
});
