// Cluster tier bus over NATS JetStream. One stream per bounded context (the first segment of the
// event type: `polls.>` goes to stream POLLS), created or updated at first use. Publishing waits
// for JetStream's ack and passes the event id as Nats-Msg-Id, so a relay that publishes a row
// twice (a crash between publish and marking it sent) stores it once. Each subscription is a
// durable pull consumer per stream; messages are handled in batches of whatever has arrived.
import type { CloudEvent } from '@canvass/contracts';
import type { Delivery, EventBus, SubscribeOptions, Subscription } from '@canvass/eventing';
import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  StorageType,
} from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

export interface NatsBusOptions {
  url: string;
  /** Connection name shown by the server, usually the service name. */
  name: string;
  logger: { warn(object: object, message: string): void; info(object: object, message: string): void };
  /** How long a stream keeps events (default 7 days). */
  maxAgeMs?: number;
}

const nanos = (ms: number) => ms * 1_000_000;

export function streamNameFor(type: string): string {
  const context = type.split('.')[0];
  if (!context) throw new Error(`event type "${type}" has no context`);
  return context.toUpperCase();
}

export function subjectFor(event: Pick<CloudEvent, 'type'>): string {
  return event.type;
}

export async function createNatsBus(options: NatsBusOptions): Promise<EventBus> {
  const nc = await connect({
    servers: options.url,
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
  });
  let connected = true;
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') {
        connected = false;
        options.logger.warn({ server: options.url }, 'NATS disconnected');
      } else if (status.type === 'reconnect') {
        connected = true;
        options.logger.info({ server: options.url }, 'NATS reconnected');
      }
    }
  })();
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const streams = new Map<string, Promise<string>>();

  function ensureStream(type: string): Promise<string> {
    const name = streamNameFor(type);
    let ready = streams.get(name);
    if (!ready) {
      ready = ensureStreamExists(jsm, name, options.maxAgeMs ?? 7 * 24 * 3600_000);
      ready.catch(() => streams.delete(name));
      streams.set(name, ready);
    }
    return ready;
  }

  const subscriptions = new Set<Subscription>();

  return {
    async publish(events) {
      await Promise.all([...new Set(events.map((event) => event.type))].map(ensureStream));
      await Promise.all(
        events.map((event) =>
          js.publish(subjectFor(event), JSON.stringify(event), { msgID: event.id, timeout: 5_000 }),
        ),
      );
    },

    async subscribe(subscribe) {
      const byStream = new Map<string, string[]>();
      for (const type of subscribe.types) {
        const stream = await ensureStream(type);
        byStream.set(stream, [...(byStream.get(stream) ?? []), subjectFor({ type })]);
      }
      const parts = await Promise.all(
        [...byStream].map(([stream, subjects]) => consumeStream(stream, subjects, subscribe)),
      );
      const subscription: Subscription = {
        async stop() {
          subscriptions.delete(subscription);
          await Promise.all(parts.map((part) => part.stop()));
        },
      };
      subscriptions.add(subscription);
      return subscription;
    },

    isConnected: () => connected && !nc.isClosed(),

    async close() {
      await Promise.all([...subscriptions].map((subscription) => subscription.stop()));
      if (!nc.isClosed()) await nc.drain();
    },
  };

  async function consumeStream(
    stream: string,
    subjects: string[],
    subscribe: SubscribeOptions,
  ): Promise<Subscription> {
    // Servers before 2.10 take one filter subject per consumer. Several types of one stream are
    // read through the stream's wildcard (keeping their relative order) and filtered here.
    const filter = subjects.length === 1 ? subjects[0]! : `${stream.toLowerCase()}.>`;
    const wanted = new Set(subjects);
    const config = {
      durable_name: subscribe.name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: filter,
      // Short, so that messages handed to a process that died come back soon (the inbox makes
      // a redelivery of a slow but live batch harmless).
      ack_wait: nanos(10_000),
      max_ack_pending: 10_000,
    };
    try {
      await jsm.consumers.add(stream, config);
    } catch {
      // It exists already (another replica, an earlier run): bring its filter up to date.
      await jsm.consumers.update(stream, subscribe.name, { filter_subject: filter });
    }
    const consumer = await js.consumers.get(stream, subscribe.name);
    const maxBatch = subscribe.maxBatch ?? 500;
    const messages = await consumer.consume({ max_messages: maxBatch * 2, expires: 5_000 });
    const queue: JsMsg[] = [];
    let working: Promise<void> | undefined;

    async function work(): Promise<void> {
      while (queue.length > 0) {
        const batch = queue.splice(0, maxBatch);
        const deliveries: Delivery[] = batch.map((message) => ({
          payload: parsePayload(message),
          attempt: message.info.deliveryCount,
        }));
        try {
          await subscribe.handle(deliveries);
          for (const message of batch) message.ack();
        } catch (error) {
          const attempt = Math.max(...deliveries.map((delivery) => delivery.attempt));
          const delay = Math.min(30_000, 200 * 2 ** attempt) * (0.5 + Math.random() / 2);
          options.logger.warn(
            { err: error, consumer: subscribe.name, attempt },
            'batch failed; redelivering',
          );
          for (const message of batch) message.nak(Math.round(delay));
        }
      }
    }

    function kick(): void {
      if (working) return;
      working = work().finally(() => {
        working = undefined;
        if (queue.length > 0) kick();
      });
    }

    const loop = (async () => {
      for await (const message of messages) {
        if (!wanted.has(message.subject)) {
          message.ack();
          continue;
        }
        queue.push(message);
        kick();
      }
    })();

    return {
      async stop() {
        messages.stop();
        await loop.catch(() => {});
        while (working) await working;
      },
    };
  }
}

function parsePayload(message: JsMsg): unknown {
  const text = message.string();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function ensureStreamExists(jsm: JetStreamManager, name: string, maxAgeMs: number): Promise<string> {
  const subjects = [`${name.toLowerCase()}.>`];
  const config = {
    name,
    subjects,
    storage: StorageType.File,
    max_age: nanos(maxAgeMs),
    duplicate_window: nanos(120_000),
  };
  try {
    await jsm.streams.info(name);
    await jsm.streams.update(name, {
      subjects,
      max_age: config.max_age,
      duplicate_window: config.duplicate_window,
    });
  } catch {
    try {
      await jsm.streams.add(config);
    } catch {
      // Another process created it between our two calls.
      await jsm.streams.info(name);
    }
  }
  return name;
}
