// One voter's concurrent duplicates on real PostgreSQL: two polls services with their own
// connection pools, caches and vote batches over one database, as two processes would be.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createPostgresDatabase, type Database } from '@canvass/database';
import type { ServiceRuntime } from '@canvass/service-kit';
import { sql } from 'kysely';
import { testDatabases } from '../support/cluster.ts';
import { startPollsReplicas } from '../support/polls-runtimes.ts';
import { awkwardAnswersProperty, duplicateVoteProperty } from '../support/vote-properties.ts';

const databases: Database[] = [];
let runtimes: ServiceRuntime[] = [];

before(async () => {
  const urls = await testDatabases(['polls']);
  for (let i = 0; i < 2; i++) databases.push(createPostgresDatabase({ url: urls.polls!, schema: 'polls' }));
  runtimes = await startPollsReplicas(databases);
});
after(async () => {
  for (const runtime of runtimes) await runtime.stopHttp();
  for (const db of databases) await db.close();
});

duplicateVoteProperty(
  () => runtimes,
  () => databases[0]!,
  30,
);

awkwardAnswersProperty(
  () => runtimes,
  () => databases[0]!,
  20,
);

test('a vote whose batch waited for a change of its poll is judged by the poll as changed', async () => {
  const service = runtimes[0]!;
  const db = databases[0]!;
  const poll = (
    await service.app.inject({
      method: 'POST',
      url: '/api/v1/polls',
      payload: { question: 'Closing under way?', options: [{ label: 'A' }, { label: 'B' }] },
    })
  ).json();
  const prefix = `closing-${Date.now()}`;
  const vote = (voter: string) =>
    service.app.inject({
      method: 'POST',
      url: `/api/v1/polls/${poll.id}/votes`,
      headers: { 'voter-token': `${prefix}-voter-${voter}` },
      payload: { optionIds: [poll.options[0].id] },
    });
  // The first vote leaves the poll in this process's cache as open.
  assert.equal((await vote('early')).statusCode, 201);
  // A change holds the stream head and then the row, as closing does, and closes the poll; a
  // vote arriving meanwhile waits in its batch's lock statement until the change commits.
  const late = await db.kysely.transaction().execute(async (trx) => {
    await sql`select poll_id from poll_streams where poll_id = ${poll.id} for update`.execute(trx);
    await sql`update polls set status = 'closed', config_version = config_version + 1
      where id = ${poll.id}`.execute(trx);
    const pending = vote('late');
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { pending };
  });
  const answer = await late.pending;
  assert.equal(answer.statusCode, 409, answer.body);
  assert.equal(answer.json().type, '/problems/poll-not-open');
  const counted = await sql<{
    n: number;
  }>`select count(*)::int as n from votes where poll_id = ${poll.id}`.execute(db.kysely);
  assert.equal(counted.rows[0]?.n, 1, 'only the vote before the close is stored');
});
