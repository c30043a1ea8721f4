// Kill -9 the producing service between publishing a batch and moving its relay checkpoint: after
// a restart the relay publishes from the checkpoint again, and the event is stored exactly once
// (the log keeps it; JetStream de-duplicates by event id).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPostgresDatabase } from '@canvass/database';
import { connect } from '@nats-io/transport-node';
import { sql } from 'kysely';
import { eventually } from '../support/api.ts';
import { freePort, NATS_URL, testDatabases } from '../support/cluster.ts';
import { readSubject } from '../support/jetstream.ts';
import { startServiceProcess, stopProcess, waitReady } from '../support/processes.ts';

test('a producer killed between publishing and moving its checkpoint publishes its event exactly once after restart', async (t) => {
  const urls = await testDatabases(['polls']);
  const port = await freePort();
  const env = { PORT: String(port), DATABASE_URL: urls.polls!, NATS_URL };
  const db = createPostgresDatabase({ url: urls.polls!, schema: 'polls' });
  const nc = await connect({ servers: NATS_URL });
  const unpublished = async () =>
    Number(
      (
        await sql<{ n: number }>`select coalesce(sum(h.seq - c.published_seq), 0)::int as n
          from log_heads h join relay_checkpoints c using (log, partition) where h.log = 'poll_events'`.execute(
          db.kysely,
        )
      ).rows[0]?.n,
    );
  const checkpoint = async (partition: number) =>
    Number(
      (
        await sql<{ seq: number }>`select published_seq as seq from relay_checkpoints
          where log = 'poll_events' and partition = ${partition}`.execute(db.kysely)
      ).rows[0]?.seq,
    );
  try {
    // First let a well-behaved process publish anything earlier tests left pending.
    const before = startServiceProcess('polls', env);
    t.after(() => stopProcess(before));
    await waitReady(port);
    await eventually(async () => assert.equal(await unpublished(), 0), 60_000);
    await stopProcess(before);

    const doomed = startServiceProcess('polls', { ...env, CANVASS_CHAOS: 'outbox-crash-after-publish' });
    t.after(() => stopProcess(doomed));
    await waitReady(port);
    const question = `Crash ${crypto.randomUUID()}?`;
    // The process dies right after JetStream acks the event, possibly before it answers us.
    await fetch(`http://127.0.0.1:${port}/api/v1/polls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question, options: [{ label: 'A' }, { label: 'B' }] }),
    }).catch(() => undefined);
    const exit = await doomed.exited;
    assert.equal(exit.signal, 'SIGKILL', doomed.output());

    const row = await sql<{ event_id: string; partition: number; seq: number }>`
      select e.event_id, e.partition, e.seq from poll_events e join polls p on p.id = e.poll_id
      where p.question = ${question}`.execute(db.kysely);
    assert.equal(row.rows.length, 1, 'the poll and its event committed');
    const { event_id: eventId, partition, seq } = row.rows[0]!;
    assert.ok((await checkpoint(partition)) < Number(seq), 'published, but the checkpoint never moved');

    const restarted = startServiceProcess('polls', env);
    t.after(() => stopProcess(restarted));
    await waitReady(port);
    await eventually(async () => assert.ok((await checkpoint(partition)) >= Number(seq)), 30_000);
    await stopProcess(restarted);

    // Read the whole subject back from JetStream and count copies of the event.
    const stored = (await readSubject(nc, 'POLLS', `polls.events.${partition}`)) as { id: string }[];
    assert.ok(stored.length > 0);
    assert.equal(stored.filter((event) => event.id === eventId).length, 1);
  } finally {
    await nc.close();
    await db.close();
  }
});
