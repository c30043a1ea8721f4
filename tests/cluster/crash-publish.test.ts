// Kill -9 the producing service between commit and publish: after a restart its event is
// published exactly once (the outbox keeps it; JetStream de-duplicates by event id).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPostgresDatabase } from '@canvass/database';
import { connect } from '@nats-io/transport-node';
import { sql } from 'kysely';
import { eventually } from '../support/api.ts';
import { freePort, NATS_URL, testDatabases } from '../support/cluster.ts';
import { readSubject } from '../support/jetstream.ts';
import { startServiceProcess, stopProcess, waitReady } from '../support/processes.ts';

test('a producer killed between publish and marking sent publishes its event exactly once after restart', async (t) => {
  const urls = await testDatabases(['polls']);
  const port = await freePort();
  const env = { PORT: String(port), DATABASE_URL: urls.polls!, NATS_URL };
  const db = createPostgresDatabase({ url: urls.polls!, schema: 'polls' });
  const nc = await connect({ servers: NATS_URL });
  try {
    // First let a well-behaved process publish anything earlier tests left pending.
    const before = startServiceProcess('polls', env);
    t.after(() => stopProcess(before));
    await waitReady(port);
    await eventually(async () => {
      const pending = await sql<{
        n: number;
      }>`select count(*)::int as n from outbox where state = 'pending'`.execute(db.kysely);
      assert.equal(pending.rows[0]?.n, 0);
    }, 30_000);
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

    const row = await sql<{ id: string; state: string; poll_id: string }>`
      select o.id, o.state, p.id as poll_id from outbox o join polls p on p.id = o.event->'data'->>'pollId'
      where p.question = ${question}`.execute(db.kysely);
    assert.equal(row.rows.length, 1, 'the poll and its event committed');
    assert.equal(row.rows[0]!.state, 'pending', 'published, but never marked sent');
    const eventId = row.rows[0]!.id;

    const restarted = startServiceProcess('polls', env);
    t.after(() => stopProcess(restarted));
    await waitReady(port);
    await eventually(async () => {
      const state = await sql<{ state: string }>`select state from outbox where id = ${eventId}`.execute(
        db.kysely,
      );
      assert.equal(state.rows[0]?.state, 'sent');
    }, 30_000);
    await stopProcess(restarted);

    // Read the whole subject back from JetStream and count copies of the event.
    const stored = (await readSubject(nc, 'POLLS', 'polls.poll.created')) as { id: string }[];
    assert.ok(stored.length > 0);
    assert.equal(stored.filter((event) => event.id === eventId).length, 1);
  } finally {
    await nc.close();
    await db.close();
  }
});
