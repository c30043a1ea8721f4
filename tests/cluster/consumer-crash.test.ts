// A consumer killed mid-stream, right after committing a batch and before acknowledging it:
// JetStream delivers that batch again after the restart, and the inbox keeps it from counting twice.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PollCreatedV1, VoteCastV2 } from '@canvass/contracts';
import { createEvent } from '@canvass/eventing';
import { createNatsBus } from '@canvass/eventing-nats';
import { eventually, httpApi } from '../support/api.ts';
import { freePort, testDatabases } from '../support/cluster.ts';
import { startPrivateNats } from '../support/nats-server.ts';
import { startServiceProcess, stopProcess, waitReady } from '../support/processes.ts';

test('a consumer killed after committing a batch, before acking it, counts every vote exactly once', async (t) => {
  const nats = await startPrivateNats();
  const cleanups: (() => Promise<unknown>)[] = [];
  // In reverse order of starting: processes and clients first, the NATS server last.
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await nats.dispose();
  });
  const urls = await testDatabases(['analytics']);
  const port = await freePort();
  const env = { PORT: String(port), DATABASE_URL: urls.analytics!, NATS_URL: nats.url };

  const pollId = `crash-${crypto.randomUUID()}`;
  const votes = 1_500;
  const logger = { warn() {}, info() {} };
  const bus = await createNatsBus({ url: nats.url, name: 'consumer-crash-test', logger });
  cleanups.push(() => bus.close());
  await bus.publish([
    createEvent(PollCreatedV1, {
      source: '/test',
      partitionkey: pollId,
      data: {
        pollId,
        workspaceId: null,
        question: 'Crash?',
        type: 'single_choice',
        status: 'open',
        options: [{ id: 'a', label: 'A' }],
        createdAt: new Date().toISOString(),
      },
    }),
  ]);
  for (let start = 0; start < votes; start += 500) {
    await bus.publish(
      Array.from({ length: 500 }, (_, i) =>
        createEvent(VoteCastV2, {
          source: '/test',
          partitionkey: pollId,
          data: {
            pollId,
            voteId: `v${start + i}`,
            optionIds: ['a'],
            segment: null,
            castAt: new Date().toISOString(),
          },
        }),
      ),
    );
  }

  const doomed = startServiceProcess('analytics', { ...env, CANVASS_CHAOS: 'consumer-crash-after-commit' });
  cleanups.push(() => stopProcess(doomed));
  const exit = await doomed.exited;
  assert.equal(exit.signal, 'SIGKILL', doomed.output());

  const analytics = httpApi(`http://127.0.0.1:${port}`);
  const restarted = startServiceProcess('analytics', env);
  cleanups.push(() => stopProcess(restarted));
  await waitReady(port);
  // The batch in hand when it died comes back after JetStream's ack wait (10 s).
  await eventually(async () => {
    const results = await analytics('GET', `/api/v1/polls/${pollId}/results`);
    assert.equal(results.status, 200);
    assert.equal(results.body.totalVotes, votes);
  }, 60_000);
  await new Promise((resolve) => setTimeout(resolve, 12_000));
  const settled = await analytics('GET', `/api/v1/polls/${pollId}/results`);
  assert.equal(settled.body.totalVotes, votes, 'still exact once every redelivery is through');
  assert.equal(settled.body.options[0].votes, votes);
});
