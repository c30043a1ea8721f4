// Votes sent while the polls process restarts: their connections are refused (nothing was sent),
// so the gateway tries again until the new process answers, instead of answering 502. Each vote is
// stored once: a request that reached the service is never sent twice.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { createPostgresDatabase } from '@canvass/database';
import { createGateway, httpUpstream } from '@canvass/gateway';
import { createLogger } from '@canvass/service-kit';
import { sql } from 'kysely';
import { injectApi } from '../support/api.ts';
import { freePort, NATS_URL, testDatabases } from '../support/cluster.ts';
import { startServiceProcess, stopProcess, waitReady } from '../support/processes.ts';

test('votes sent while the polls process restarts are each stored once, none answered 502', async (t) => {
  const urls = await testDatabases(['polls']);
  const port = await freePort();
  const env = { PORT: String(port), DATABASE_URL: urls.polls!, NATS_URL };
  const first = startServiceProcess('polls', env);
  t.after(() => stopProcess(first));
  await waitReady(port);

  const polls = httpUpstream('polls-1', `http://127.0.0.1:${port}`);
  const gateway = createGateway({
    logger: createLogger('gateway', 'silent'),
    tier: 'cluster',
    upstreams: { polls, analytics: polls, identity: polls, notifications: polls, billing: polls },
    // Generous for a loaded CI machine; the default (5 s) covers a restart of a few seconds.
    resilience: { notSentRetryMs: 30_000 },
  });
  t.after(() => gateway.close());
  const api = injectApi(gateway);
  const created = await api('POST', '/api/v1/polls', {
    body: { question: `Restart ${randomUUID()}?`, options: [{ label: 'A' }, { label: 'B' }] },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const poll = created.body;

  await stopProcess(first);
  const voters = Array.from({ length: 5 }, () => `voter-${randomUUID()}`);
  const votes = voters.map((voter) =>
    api('POST', `/api/v1/polls/${poll.id}/votes`, {
      body: { optionIds: [poll.options[0].id] },
      headers: { 'voter-token': voter },
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  const started = Date.now();
  const second = startServiceProcess('polls', env);
  t.after(() => stopProcess(second));
  const answers = await Promise.all(votes);
  t.diagnostic(`the votes were answered ${Date.now() - started} ms after the restart began`);
  for (const answer of answers) assert.equal(answer.status, 201, JSON.stringify(answer.body));

  const db = createPostgresDatabase({ url: urls.polls!, schema: 'polls' });
  t.after(() => db.close());
  const stored = await sql<{
    n: number;
  }>`select count(*)::int as n from votes where poll_id = ${poll.id}`.execute(db.kysely);
  assert.equal(stored.rows[0]?.n, voters.length, 'each vote stored once');
});
