// NATS down for 10 s under a steady stream of votes, with polls and analytics running as their
// own processes: every acknowledged vote is kept in the outbox, the backlog drains once NATS is
// back, and the counts match.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, httpApi } from '../support/api.ts';
import { freePort, testDatabases } from '../support/cluster.ts';
import { startPrivateNats } from '../support/nats-server.ts';
import { startServiceProcess, stopProcess, waitReady } from '../support/processes.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('NATS down for 10 s under a steady stream of votes: nothing lost, the backlog drains, counts match', async (t) => {
  const nats = await startPrivateNats();
  const cleanups: (() => Promise<unknown>)[] = [];
  // In reverse order of starting: processes first, the NATS server last.
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await nats.dispose();
  });
  const urls = await testDatabases(['polls', 'analytics']);
  const token = `outage-operator-${crypto.randomUUID()}`;
  const ports = { polls: await freePort(), analytics: await freePort() };
  for (const name of ['polls', 'analytics'] as const) {
    const service = startServiceProcess(name, {
      PORT: String(ports[name]),
      DATABASE_URL: urls[name]!,
      NATS_URL: nats.url,
      CANVASS_ADMIN_TOKEN: token,
    });
    cleanups.push(() => stopProcess(service));
    await waitReady(ports[name]);
  }
  const polls = httpApi(`http://127.0.0.1:${ports.polls}`);
  const analytics = httpApi(`http://127.0.0.1:${ports.analytics}`);
  const outbox = async () =>
    (await polls('GET', '/admin/v1/outbox', { headers: { authorization: `Bearer ${token}` } })).body as {
      pending: number;
    };

  const poll = (
    await polls('POST', '/api/v1/polls', {
      body: { question: 'Outage?', options: [{ label: 'A' }, { label: 'B' }] },
    })
  ).body;
  let acked = 0;
  let refused = 0;
  let voting = true;
  const voter = (async () => {
    for (let i = 0; voting; i++) {
      const response = await polls('POST', `/api/v1/polls/${poll.id}/votes`, {
        headers: { 'voter-token': `outage-voter-${poll.id}-${i}` },
        body: { optionIds: [poll.options[i % 2].id] },
      });
      if (response.status === 201) acked++;
      else refused++;
      await sleep(40);
    }
  })();

  await sleep(3_000);
  await nats.stop();
  const ackedWhenDown = acked;
  await sleep(10_000);
  const ackedWhileDown = acked - ackedWhenDown;
  const backlog = await outbox();
  await nats.start();
  await sleep(3_000);
  voting = false;
  await voter;

  assert.equal(refused, 0, 'voting never stopped');
  assert.ok(ackedWhileDown > 50, `votes were acknowledged during the outage (${ackedWhileDown})`);
  assert.ok(backlog.pending > 0, 'the outbox held them meanwhile');
  await eventually(async () => {
    const results = await analytics('GET', `/api/v1/polls/${poll.id}/results`);
    assert.equal(results.status, 200);
    assert.equal(results.body.totalVotes, acked);
  }, 60_000);
  await eventually(async () => assert.equal((await outbox()).pending, 0), 30_000);
});
