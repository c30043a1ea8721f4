// Cluster tier bus over NATS JetStream. One stream per bounded context (the first segment of the
// event type: stream POLLS holds `polls.>`), created or updated at first use. Subjects drop the
// version and partition where configured (`polls.vote.cast.3`, see @canvass/eventing subjects).
// Publishing waits for JetStream's ack and passes the event id as Nats-Msg-Id, so a relay that
// publishes a row twice (a crash between publish and marking it sent) stores it once. A
// subscription is one durable pull consumer per subject (servers before 2.10 take one filter
// subject each), so each partition is consumed in order and partitions are consumed in parallel.
// An ephemeral subscription (live fan-out) is a durable of its own per process that starts at new
// events and that the server deletes once nobody has pulled from it for a while.
import {
  type Delivery,
  defaultPartitions,
  type EventBus,
  type PartitionMap,
  type SubscribeOptions,
  type Subscription,
  subjectFor,
  subjectsFor,
} from '@canvass/eventing';
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
  /**
   * Per bounded context (the type's first segment), overriding `maxAgeMs`. Merged over
   * STREAM_MAX_AGES, which every process shares so that none resets another's retention.
   */
  maxAgeByContext?: Readonly<Record<string, number>>;
  partitions?: PartitionMap;
}

const nanos = (ms: number) => ms * 1_000_000;
export const STREAM_MAX_AGE_MS = 7 * 24 * 3600_000;
/**
 * Results updates are superseding snapshots read live by whoever is connected: nobody replays an
 * old one (a client that reconnects fetches the newest), so an hour is plenty.
 */
export const STREAM_MAX_AGES: Readonly<Record<string, number>> = { analytics: 3600_000 };
/** An ephemeral subscription's consumer outlives its process by this long, then the server drops it. */
export const EPHEMERAL_INACTIVE_MS = 30_000;

export function streamNameFor(subject: string): string {
  const context = subject.split('.')[0];
  if (!context) throw new Error(`subject "${subject}" has no context`);
  return context.toUpperCase();
}

/** A durable name per subscription and subject: `analytics-tallies` + `polls.vote.cast.3`. */
export function durableNameFor(subscription: string, subject: string): string {
  return `${subscription}__${subject.replaceAll('.', '_')}`;
}

export async function createNatsBus(options: NatsBusOptions): Promise<EventBus> {
  const partitions = options.partitions ?? defaultPartitions;
  const nc = await connect({
    servers: options.url,
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
    // Without this the client builds an Error (with a stack) for every request in case it fails:
    // a quarter of the CPU of publishing and acking, measured with --cpu-prof.
    noAsyncTraces: true,
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
  const durables = new Map<string, { stream: string; durable: string }[]>();

  const maxAges = { ...STREAM_MAX_AGES, ...options.maxAgeByContext };

  function ensureStream(subject: string): Promise<string> {
    const name = streamNameFor(subject);
    let ready = streams.get(name);
    if (!ready) {
      const maxAge = maxAges[name.toLowerCase()] ?? options.maxAgeMs ?? STREAM_MAX_AGE_MS;
      ready = ensureStreamExists(jsm, name, maxAge);
      ready.catch(() => streams.delete(name));
      streams.set(name, ready);
    }
    return ready;
  }

  const subscriptions = new Set<Subscription>();

  return {
    async publish(events) {
      const subjects = events.map((event) => subjectFor(event, partitions));
      await Promise.all([...new Set(subjects)].map(ensureStream));
      await Promise.all(
        events.map((event, i) =>
          js.publish(subjects[i]!, JSON.stringify(event), { msgID: event.id, timeout: 5_000 }),
        ),
      );
    },

    async subscribe(subscribe) {
      const parts = await Promise.all(
        subjectsFor(subscribe.types, partitions).map(async (subject) =>
          consumeSubject(await ensureStream(subject), subject, subscribe),
        ),
      );
      durables.set(
        subscribe.name,
        parts.map((part) => part.id),
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

    async lag(name) {
      let total = 0;
      for (const { stream, durable } of durables.get(name) ?? []) {
        const info = await jsm.consumers.info(stream, durable);
        total += info.num_pending + info.num_ack_pending;
      }
      return total;
    },

    isConnected: () => connected && !nc.isClosed(),

    async close() {
      await Promise.all([...subscriptions].map((subscription) => subscription.stop()));
      if (nc.isClosed()) return;
      // Draining needs the server; without it, just close.
      if (connected) await nc.drain().catch(() => nc.close());
      else await nc.close();
    },
  };

  async function consumeSubject(stream: string, subject: string, subscribe: SubscribeOptions) {
    const durable = durableNameFor(subscribe.name, subject);
    const ephemeral = subscribe.ephemeral === true;
    const config = {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: subscribe.startAt === 'now' || ephemeral ? DeliverPolicy.New : DeliverPolicy.All,
      filter_subject: subject,
      // Short, so that messages handed to a process that died come back soon (the inbox makes
      // a redelivery of a slow but live batch harmless).
      ack_wait: nanos(10_000),
      max_ack_pending: 10_000,
      ...(ephemeral ? { inactive_threshold: nanos(EPHEMERAL_INACTIVE_MS) } : {}),
    };
    async function ensureConsumer(): Promise<void> {
      try {
        await jsm.consumers.add(stream, config);
      } catch {
        // It exists already (another replica, an earlier run): keep its position.
        await jsm.consumers.info(stream, durable);
      }
    }
    await ensureConsumer();
    const maxBatch = subscribe.maxBatch ?? 500;
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
          options.logger.warn({ err: error, consumer: durable, attempt }, 'batch failed; redelivering');
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

    // Pull messages until stopped; if the server goes away the iterator fails, and pulling
    // resumes (from the durable's position) once it is back.
    let stopped = false;
    let current: Awaited<ReturnType<Awaited<ReturnType<typeof js.consumers.get>>['consume']>> | undefined;
    const loop = (async () => {
      while (!stopped) {
        try {
          const consumer = await js.consumers.get(stream, durable);
          current = await consumer.consume({ max_messages: maxBatch * 2, expires: 5_000 });
          if (stopped) current.stop();
          for await (const message of current) {
            queue.push(message);
            kick();
          }
        } catch (error) {
          if (stopped) break;
          options.logger.warn({ err: error, consumer: durable }, 'consuming interrupted; resuming shortly');
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          // A long outage outlives an ephemeral consumer's inactivity limit: make it again (from
          // new events; what was missed meanwhile is superseded by what comes next).
          if (ephemeral && !stopped) await ensureConsumer().catch(() => {});
        }
      }
    })();

    return {
      id: { stream, durable },
      async stop() {
        stopped = true;
        current?.stop();
        await loop;
        while (working) await working;
        // Nobody resumes an ephemeral subscription: free it now rather than after the inactivity limit.
        if (ephemeral) await jsm.consumers.delete(stream, durable).catch(() => {});
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
