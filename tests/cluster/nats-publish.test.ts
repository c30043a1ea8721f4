// Publishing to JetStream in batches (the NATS bus's ackedPublisher) against a real server: a
// batch resolves only once every message is stored, de-duplicated by Nats-Msg-Id; a subject no
// stream takes, or a server that never acknowledges, fails the batch with a clear error.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { ackedPublisher } from '@canvass/eventing-nats';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, headers } from '@nats-io/transport-node';
import { NATS_URL } from '../support/cluster.ts';

const withId = (id: string) => {
  const h = headers();
  h.set('Nats-Msg-Id', id);
  return h;
};

test('a batch resolves once JetStream stored every message, each id once; refusals and silence fail it', async () => {
  const nc = await connect({ servers: NATS_URL });
  const jsm = await jetstreamManager(nc);
  const tag = randomUUID().replaceAll('-', '').slice(0, 12);
  const stream = `CANVASSTEST_${tag.toUpperCase()}`;
  await jsm.streams.add({
    name: stream,
    subjects: [`canvasstest.${tag}.>`],
    duplicate_window: 60_000_000_000,
  });
  try {
    const publish = ackedPublisher(nc);
    const batch = Array.from({ length: 300 }, (_, i) => ({
      subject: `canvasstest.${tag}.${i % 7}`,
      payload: JSON.stringify({ n: i }),
      headers: withId(`m-${i}`),
    }));
    await publish(batch, 5_000);
    assert.equal((await jsm.streams.info(stream)).state.messages, 300, 'stored before the batch resolved');
    // The same ids again (a relay that republishes after a crash) and a few new ones.
    await publish(
      [...batch.slice(0, 50), ...batch.slice(0, 3).map((m, i) => ({ ...m, headers: withId(`new-${i}`) }))],
      5_000,
    );
    assert.equal((await jsm.streams.info(stream)).state.messages, 303, 'duplicates stored once');
    await publish([], 5_000);

    // No stream takes this subject: the server says no one responds, and the batch fails at once.
    await assert.rejects(
      publish([{ subject: `canvasstest-nostream.${tag}`, payload: '{}', headers: withId('x') }], 5_000),
      /JetStream refused a message: 503/,
    );
    // Someone listens but never acknowledges (not JetStream): the batch fails when its time is up.
    const silent = nc.subscribe(`canvasstest-silent.${tag}`);
    const started = Date.now();
    await assert.rejects(
      publish(
        [
          { subject: `canvasstest.${tag}.0`, payload: '{}', headers: withId('stored') },
          { subject: `canvasstest-silent.${tag}`, payload: '{}', headers: withId('y') },
        ],
        300,
      ),
      /did not acknowledge 1 of 2 messages in 300 ms/,
    );
    assert.ok(Date.now() - started >= 290);
    silent.unsubscribe();

    // A responder that answers twice: its message counts once, so the batch still waits for the
    // other (silent) one and fails, rather than resolving with a message unstored.
    const twice = nc.subscribe(`canvasstest-twice.${tag}`, {
      callback: (_error, message) => {
        message.respond(JSON.stringify({ stream: stream, seq: 1 }));
        message.respond(JSON.stringify({ stream: stream, seq: 1 }));
      },
    });
    const silentAgain = nc.subscribe(`canvasstest-silent.${tag}`);
    await assert.rejects(
      publish(
        [
          { subject: `canvasstest-twice.${tag}`, payload: '{}', headers: withId('t') },
          { subject: `canvasstest-silent.${tag}`, payload: '{}', headers: withId('z') },
        ],
        300,
      ),
      /did not acknowledge 1 of 2 messages/,
    );
    twice.unsubscribe();
    silentAgain.unsubscribe();

    // A closed connection: publishes fail at once, saying so.
    const other = await connect({ servers: NATS_URL });
    const closedPublish = ackedPublisher(other);
    await other.close();
    const at = Date.now();
    await assert.rejects(
      closedPublish([{ subject: `canvasstest.${tag}.1`, payload: '{}', headers: withId('c') }], 5_000),
      /closed/,
    );
    assert.ok(Date.now() - at < 1_000, 'without waiting for the timeout');
  } finally {
    await jsm.streams.delete(stream).catch(() => {});
    await nc.close();
  }
});
