// Cluster tier bus over NATS JetStream. One stream per bounded context (the first segment of the
// event type: stream POLLS holds `polls.>`), created or updated at first use. A context with an
// ordered log sends every event on its partition subject (`polls.events.3`), others on the type
// without its version (see @canvass/eventing subjects). An ordered log's events travel in runs: a
// partition's consecutive events in one message (`messagesFor`, ≤ 256 events), so the broker
// stores, delivers and acknowledges a message per run, not per event (under load a relay batch of
// a partition is usually one run). Publishing waits for JetStream's ack
// and passes a de-duplication id (subject and event id; a run's first and last), so a batch
// published twice (a relay that crashed before its checkpoint moved) is stored once. A
// subscription is one durable pull consumer per
// subject (servers before 2.10 take one filter subject each); one loop per subscription hands the
// partitions' events over one batch at a time (so a busy consumer gets big batches, one
// transaction for many partitions), each partition's in the order they came. A batch that fails is
// retried in place (never nak'd, which would let later messages pass it); a long batch tells
// JetStream it is still being worked on, so it is not redelivered meanwhile. A handled batch is
// acknowledged message by message, written in one flush (acks are fire-and-forget publishes, no
// round trip). Not AckPolicy.All: it acknowledges everything up to a stream sequence, so after a
// restart (or a dropped buffer) the first new message's ack would also acknowledge older ones
// handed to the dead process and not yet redelivered: measured, a killed consumer lost a poll's
// events that way. Consumers tolerate the order redeliveries come back in (stream versions park
// what arrives early).
// An ephemeral subscription (live fan-out) is a durable of its own per process that starts at new
// events and that the server deletes once nobody has pulled from it for a while.
import {
  type Delivery,
  defaultPartitions,
  type EventBus,
  isLogSubject,
  type PartitionMap,
  REGION_CONTEXT,
  type SubscribeOptions,
  type Subscription,
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
  type StreamSource,
} from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { ackedPublisher } from './acked-publisher.ts';
import { eventCount, KEY_HEADER, messagesFor, payloadsOf } from './messages.ts';

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
  /**
   * Publish an ordered log's consecutive events as runs, one message each (default). Off while a
   * deployment upgrades from a release before runs: its subscribers read a run as one malformed
   * event (docs/operations.md, "Upgrading to runs").
   */
  runs?: boolean;
  /**
   * This region and its peers (docs/regions.md): the REGION stream then also sources each peer's
   * own subjects from the peer's REGION stream, over the leafnode to its JetStream domain.
   */
  region?: { name: string; peers: readonly string[] };
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
/**
 * On an ordered log's partition subject, where a message is a run of up to 256 events: how many
 * messages one pull asks for, and how many a durable may have handed out and not yet acknowledged.
 * The client asks for more as messages arrive, not as they are handled, so the server's limit on
 * unacknowledged messages is what bounds how many events a process holds (about 256 runs, against
 * 10,000 single events elsewhere). max_bytes would bound the pulls better, but the Debian server
 * (2.9) and this client deliver nothing with it set (tried).
 */
const RUN_PULL_MESSAGES = 64;
const RUN_MAX_ACK_PENDING = 256;
/** The same for subjects that carry one event per message. */
const MAX_ACK_PENDING = 10_000;
/** A delivered batch not acknowledged (nor said to be in hand) within this comes back. */
const ACK_WAIT_MS = 10_000;

export function streamNameFor(subject: string): string {
  const context = subject.split('.')[0];
  if (!context) throw new Error(`subject "${subject}" has no context`);
  return context.toUpperCase();
}

/** A durable name per subscription and subject: `analytics-tallies` + `polls.vote.cast.3`. */
export function durableNameFor(subscription: string, subject: string): string {
  return `${subscription}__${subject.replaceAll('.', '_').replaceAll('*', 'any')}`;
}

export async function createNatsBus(options: NatsBusOptions): Promise<EventBus> {
  const partitions = options.partitions ?? defaultPartitions;
  const runs = options.runs ?? true;
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
  const publishAcked = ackedPublisher(nc);
  const streams = new Map<string, Promise<string>>();
  const durables = new Map<string, { stream: string; durable: string }[]>();

  const maxAges = { ...STREAM_MAX_AGES, ...options.maxAgeByContext };

  function ensureStream(subject: string): Promise<string> {
    const name = streamNameFor(subject);
    let ready = streams.get(name);
    if (!ready) {
      const maxAge = maxAges[name.toLowerCase()] ?? options.maxAgeMs ?? STREAM_MAX_AGE_MS;
      const sources =
        name === REGION_CONTEXT.toUpperCase()
          ? (options.region?.peers ?? []).map((peer) => ({
              name,
              filter_subject: `${REGION_CONTEXT}.${peer}.>`,
              external: { api: `$JS.${peer}.API`, deliver: '' },
            }))
          : [];
      ready = ensureStreamExists(jsm, name, maxAge, sources);
      ready.catch(() => streams.delete(name));
      streams.set(name, ready);
    }
    return ready;
  }

  const subscriptions = new Set<Subscription>();

  return {
    async publish(events) {
      const messages = messagesFor(events, partitions, runs);
      await Promise.all([...new Set(messages.map((message) => message.subject))].map(ensureStream));
      await publishAcked(messages, PUBLISH_TIMEOUT_MS);
    },

    async subscribe(subscribe) {
      const subjects = subjectsFor(subscribe.types, partitions);
      const worker = batchWorker(subscribe);
      const parts = await Promise.all(
        subjects.map(async (subject) =>
          consumeSubject(await ensureStream(subject), subject, subscribe, worker),
        ),
      );
      if (!subscribe.ephemeral) await dropStaleDurables(subscribe.name, subjects);
      durables.set(
        subscribe.name,
        parts.map((part) => part.id),
      );
      const subscription: Subscription = {
        async stop() {
          subscriptions.delete(subscription);
          worker.stopping();
          await Promise.all(parts.map((part) => part.stop()));
          await worker.stop();
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

  /**
   * Durables of this subscription on subjects it no longer reads (a layout before the ordered
   * log had one per event type): deleted, so they stop holding messages and counting as lag.
   */
  async function dropStaleDurables(name: string, subjects: readonly string[]): Promise<void> {
    const wanted = new Set(subjects.map((subject) => durableNameFor(name, subject)));
    for (const stream of new Set(subjects.map(streamNameFor))) {
      const stale: string[] = [];
      for await (const info of jsm.consumers.list(stream)) {
        if (info.name.startsWith(`${name}__`) && !wanted.has(info.name)) stale.push(info.name);
      }
      for (const durable of stale) {
        await jsm.consumers.delete(stream, durable).catch(() => {});
        options.logger.info({ stream, durable }, 'dropped a durable consumer of the previous layout');
      }
    }
  }

  /**
   * One loop per subscription hands its partitions' messages over in batches, one batch at a time:
   * each partition's messages stay in the order they came, and a busy consumer gets big batches
   * (one transaction for many partitions' events) instead of one small one per partition at once.
   */
  function batchWorker(subscribe: SubscribeOptions) {
    const maxBatch = subscribe.maxBatch ?? 500;
    const queue: JsMsg[] = [];
    /** Events each queued message carries (a run of an ordered log's carries many), and their sum. */
    const counts: number[] = [];
    let queued = 0;
    let working: Promise<void> | undefined;
    let stopped = false;

    /** The next batch: whole messages, up to maxBatch events (at least one message). */
    function take(): JsMsg[] {
      let events = counts[0] ?? 0;
      let n = 1;
      while (n < queue.length && events + counts[n]! <= maxBatch) events += counts[n++]!;
      counts.splice(0, n);
      queued -= events;
      return queue.splice(0, n);
    }

    /** Hands a batch over until it is handled; tells JetStream it is in hand while that takes long. */
    async function handleInOrder(batch: JsMsg[]): Promise<void> {
      const deliveries: Delivery[] = [];
      for (const message of batch) {
        const attempt = message.info.deliveryCount;
        const payloads = payloadsOf(message);
        // A plain event's context is its header; a run's events carry theirs in the payload.
        const traceparent = payloads.length === 1 ? message.headers?.get('traceparent') : undefined;
        for (const payload of payloads)
          deliveries.push(traceparent ? { payload, attempt, traceparent } : { payload, attempt });
      }
      // Ephemeral consumers take no acks (see consumeSubject).
      const acked = subscribe.ephemeral !== true;
      const progress = setInterval(() => {
        if (acked) for (const message of batch) message.working();
      }, ACK_WAIT_MS / 3);
      try {
        for (let attempt = 1; ; attempt++) {
          try {
            await subscribe.handle(deliveries);
            if (acked) for (const message of batch) message.ack();
            return;
          } catch (error) {
            // Stopping leaves the batch unacknowledged: it comes back to whoever reads next.
            if (stopped) return;
            const delay = Math.min(30_000, 200 * 2 ** attempt) * (0.5 + Math.random() / 2);
            options.logger.warn(
              { err: error, subscription: subscribe.name, attempt },
              'batch failed; retrying it',
            );
            await new Promise((resolve) => setTimeout(resolve, delay));
          }
        }
      } finally {
        clearInterval(progress);
      }
    }

    const gatherMs = subscribe.gatherMs ?? 0;
    /** Resolves once the queue holds a full batch, or `gatherMs` after it was called. */
    let gathered: (() => void) | undefined;
    const gather = () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(done, gatherMs);
        function done() {
          clearTimeout(timer);
          gathered = undefined;
          resolve();
        }
        gathered = done;
      });

    /** When the last batch was handled: a consumer that handled one within gatherMs is busy. */
    let lastHandled = Number.NEGATIVE_INFINITY;
    async function work(): Promise<void> {
      while (queue.length > 0 && !stopped) {
        // Only a busy consumer gathers: after a quiet spell the first event goes at once (a poll
        // just created is seen without the wait), and under load batches fill up.
        const busy = Date.now() - lastHandled < gatherMs;
        if (busy && queued < maxBatch) await gather();
        if (stopped) break;
        await handleInOrder(take());
        lastHandled = Date.now();
      }
    }

    function kick(): void {
      if (working) return;
      working = work().finally(() => {
        working = undefined;
        if (queue.length > 0 && !stopped) kick();
      });
    }

    return {
      push(message: JsMsg) {
        if (stopped) return;
        const count = eventCount(message);
        queue.push(message);
        counts.push(count);
        queued += count;
        if (gathered && queued >= maxBatch) gathered();
        kick();
      },
      /** Takes nothing new; the batch in hand finishes. */
      stopping() {
        stopped = true;
        gathered?.();
      },
      /** Waits for the batch in hand; what was pulled and not begun is left unacknowledged. */
      async stop() {
        stopped = true;
        gathered?.();
        while (working) await working;
        queue.length = 0;
        counts.length = 0;
        queued = 0;
      },
    };
  }

  async function consumeSubject(
    stream: string,
    subject: string,
    subscribe: SubscribeOptions,
    worker: ReturnType<typeof batchWorker>,
  ) {
    const durable = durableNameFor(subscribe.name, subject);
    const ephemeral = subscribe.ephemeral === true;
    /** A partition subject of an ordered log, whose messages may be runs. */
    const onLog = isLogSubject(subject, partitions);
    const config = {
      durable_name: durable,
      // Live fan-out takes no acks: its snapshots supersede each other, so one lost to a restart
      // costs nothing the next does not repair, and each process saves an ack per message.
      ack_policy: ephemeral ? AckPolicy.None : AckPolicy.Explicit,
      deliver_policy: subscribe.startAt === 'now' || ephemeral ? DeliverPolicy.New : DeliverPolicy.All,
      filter_subject: subject,
      // Short, so that messages handed to a process that died come back soon; a live batch that
      // takes longer says so (working()), and a redelivery changes nothing (stream versions, inbox).
      ack_wait: nanos(ACK_WAIT_MS),
      max_ack_pending: onLog ? RUN_MAX_ACK_PENDING : MAX_ACK_PENDING,
      ...(ephemeral ? { inactive_threshold: nanos(EPHEMERAL_INACTIVE_MS) } : {}),
    };
    async function ensureConsumer(): Promise<void> {
      let existing: Awaited<ReturnType<typeof jsm.consumers.info>> | undefined;
      try {
        existing = await jsm.consumers.info(stream, durable);
      } catch {
        existing = undefined;
      }
      if (existing && existing.config.ack_policy === config.ack_policy) {
        // Keep its position; a durable made before runs gets their limit on unacknowledged messages.
        if (!ephemeral && existing.config.max_ack_pending !== config.max_ack_pending)
          await jsm.consumers.update(stream, durable, { max_ack_pending: config.max_ack_pending });
        return;
      }
      if (existing) {
        // Made with another ack policy (which cannot be changed in place): make it again from
        // where it had acknowledged everything.
        await jsm.consumers.delete(stream, durable);
      }
      const floor = existing?.ack_floor.stream_seq ?? 0;
      try {
        await jsm.consumers.add(
          stream,
          existing && floor > 0
            ? { ...config, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: floor + 1 }
            : config,
        );
      } catch {
        // Another replica made it between our two calls.
        await jsm.consumers.info(stream, durable);
      }
    }
    await ensureConsumer();
    let stopped = false;

    // Pull messages until stopped; if the server goes away the iterator fails, and pulling
    // resumes (from the durable's position) once it is back.
    let current: Awaited<ReturnType<Awaited<ReturnType<typeof js.consumers.get>>['consume']>> | undefined;
    const loop = (async () => {
      while (!stopped) {
        try {
          const consumer = await js.consumers.get(stream, durable);
          current = await consumer.consume({
            max_messages: Math.min(
              subscribe.maxBatch ?? 500,
              onLog ? RUN_PULL_MESSAGES : Number.POSITIVE_INFINITY,
            ),
            expires: 5_000,
          });
          if (stopped) current.stop();
          for await (const message of current) {
            const key = subscribe.wants && message.headers?.get(KEY_HEADER);
            // Not wanted here: dropped unread (ephemeral consumers take no acks).
            if (key && !subscribe.wants!(key)) {
              if (!ephemeral) message.ack();
              continue;
            }
            worker.push(message);
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
        await loop.catch(() => {});
        // Nobody resumes an ephemeral subscription: free it now rather than after the inactivity limit.
        if (ephemeral) await jsm.consumers.delete(stream, durable).catch(() => {});
      },
    };
  }
}

/** How long a published batch may wait for JetStream's acks before the publish fails. */
const PUBLISH_TIMEOUT_MS = 5_000;

async function ensureStreamExists(
  jsm: JetStreamManager,
  name: string,
  maxAgeMs: number,
  sources: StreamSource[],
): Promise<string> {
  const subjects = [`${name.toLowerCase()}.>`];
  const config = {
    name,
    subjects,
    ...(sources.length > 0 ? { sources } : {}),
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
      ...(sources.length > 0 ? { sources } : {}),
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
