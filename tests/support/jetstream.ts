// Reading back what JetStream stored on a subject, event by event (servers before 2.10 take one
// filter subject).
import { payloadsOf } from '@canvass/eventing-nats';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';

export async function readSubject(nc: NatsConnection, stream: string, subject: string): Promise<unknown[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.consumers.add(stream, {
    filter_subject: subject,
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.All,
    inactive_threshold: 30_000_000_000,
  });
  try {
    if (info.num_pending === 0) return [];
    const consumer = await jetstream(nc).consumers.get(stream, info.name);
    const payloads: unknown[] = [];
    const messages = await consumer.fetch({ max_messages: info.num_pending, expires: 5_000 });
    for await (const message of messages) {
      // A run of an ordered log's events comes back event by event. Streams outlive test runs
      // (7 days): a subject may hold what other tests stored on purpose, such as a malformed
      // message; that comes back as its text.
      payloads.push(...payloadsOf(message));
      if (message.info.pending === 0) break;
    }
    return payloads;
  } finally {
    await jsm.consumers.delete(stream, info.name).catch(() => {});
  }
}

/** Every event stored on an ordered log's partition subjects (`polls.events.0` …), each partition in order. */
export async function readLog(
  url: string,
  stream: string,
  prefix: string,
  partitions = 8,
): Promise<{ partitionkey?: string; streamversion?: number; id: string; type: string }[]> {
  const nc = await connect({ servers: url });
  try {
    const all = [];
    for (let p = 0; p < partitions; p++) all.push(...(await readSubject(nc, stream, `${prefix}.${p}`)));
    return all as { partitionkey?: string; streamversion?: number; id: string; type: string }[];
  } finally {
    await nc.close();
  }
}
