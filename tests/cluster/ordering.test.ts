// The ordering contract against real PostgreSQL and NATS JetStream: each poll's events are
// applied in the order they were committed, once, whatever happens to the consumer on the way
// (paused past JetStream's ack wait, killed mid-stream, rebuilt), so every result equals a
// recount of the poll's stream. Polls of every type are created, edited, voted on, changed,
// withdrawn, moderated and closed meanwhile (tests/support/poll-workload.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually } from '../support/api.ts';
import { rebuildTallies, startOrderingPlatform } from '../support/ordering-platform.ts';
import { runPollWorkload } from '../support/poll-workload.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('analytics paused (SIGSTOP) past the ack wait while polls of every type change: results equal a recount', async (t) => {
  const platform = await startOrderingPlatform();
  t.after(() => platform.dispose());
  const seed = Date.now() % 1_000_000;
  const analytics = platform.analyticsProcess();
  // Some history first, so the consumer is mid-stream (with messages pulled and in hand) when it stops.
  const before = await runPollWorkload(platform.polls, { seed, pollsPerType: 1, votersPerPoll: 6 });
  analytics.child.kill('SIGSTOP');
  const during = await runPollWorkload(platform.polls, {
    seed: seed + 1,
    pollsPerType: 2,
    votersPerPoll: 10,
  });
  // Longer than JetStream's ack wait (10 s): whatever it had pulled is handed over again as well.
  await sleep(12_000);
  analytics.child.kill('SIGCONT');
  await platform.converges([...before, ...during].map((poll) => poll.id));
  const letters = (await platform.admin('analytics', 'GET', '/admin/v1/dead-letters')) as unknown[];
  assert.deepEqual(letters, [], `seed ${seed}: nothing was dead-lettered`);
});

test('analytics killed mid-stream and restarted, then its projection rebuilt: results equal a recount each time', async (t) => {
  const platform = await startOrderingPlatform();
  t.after(() => platform.dispose());
  const seed = Date.now() % 1_000_000;
  const workload = runPollWorkload(platform.polls, { seed, pollsPerType: 2, votersPerPoll: 12 });
  await sleep(1_500);
  platform.analyticsProcess().child.kill('SIGKILL');
  await platform.analyticsProcess().exited;
  const polls = await workload;
  await platform.startAnalytics();
  const ids = polls.map((poll) => poll.id);
  await platform.converges(ids);

  await rebuildTallies(platform);
  await platform.converges(ids, 30_000);
  // And it stays right once the live stream (which redelivers what the rebuild replayed) goes on.
  const more = await runPollWorkload(platform.polls, { seed: seed + 1, pollsPerType: 1, votersPerPoll: 4 });
  await platform.converges([...ids, ...more.map((poll) => poll.id)]);
});

test('two relaying polls processes: each poll reaches JetStream once per event, in version order', async (t) => {
  const platform = await startOrderingPlatform({ pollsProcesses: 2 });
  t.after(() => platform.dispose());
  const seed = Date.now() % 1_000_000;
  // Requests take turns between the two processes; both relay the same log.
  const polls = await runPollWorkload(platform.polls, { seed, pollsPerType: 2, votersPerPoll: 10 });
  await platform.converges(polls.map((poll) => poll.id));
  const { readLog } = await import('../support/jetstream.ts');
  const published = await readLog(platform.nats.url, 'POLLS', 'polls.events');
  for (const poll of polls) {
    const versions = published
      .filter((event) => event.partitionkey === poll.id)
      .map((event) => event.streamversion);
    assert.deepEqual(
      versions,
      Array.from({ length: versions.length }, (_, i) => i + 1),
      `poll ${poll.id} was published whole, once, in order`,
    );
  }
  await eventually(async () => {
    const outbox = (await platform.admin('polls', 'GET', '/admin/v1/outbox')) as { pending: number };
    assert.equal(outbox.pending, 0);
  });
});
