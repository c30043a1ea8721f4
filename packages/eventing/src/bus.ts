// The EventBus port. Adapters: in-process (embedded tier) and NATS JetStream (cluster tier).
import type { CloudEvent } from '@canvass/contracts';

/** One delivery of one message; `payload` is unvalidated (a consumer checks it against its contract). */
export interface Delivery {
  readonly payload: unknown;
  /** 1 on first delivery, then counts redeliveries. */
  readonly attempt: number;
  /** The W3C trace context the broker carried (NATS header), when there is one. */
  readonly traceparent?: string;
}

export interface SubscribeOptions {
  /** Durable name: deliveries resume where this name left off. */
  name: string;
  /**
   * CloudEvents types to receive. A context with an ordered log (polls, identity) is read whole:
   * a subscriber to any of its types receives every event of its partitions, since keyed streams
   * must be seen whole to be applied in order (`createConsumer` skips the types it does not take).
   */
  types: readonly string[];
  /**
   * Handles a batch, in order. Resolving acknowledges every delivery in it; rejecting has the same
   * batch handed over again (after a backoff) before anything later, so the handler must be
   * idempotent (see `createConsumer`).
   */
  handle(batch: readonly Delivery[]): Promise<void>;
  maxBatch?: number;
  /**
   * On a broker: how long a batch of a busy subscription (one that handled a batch within the last
   * `gatherMs`) waits, after its first message, for more (until `maxBatch`); after a quiet spell
   * the first message goes at once. Bigger batches cost fewer transactions, statements and acks
   * per event; for readers that can wait that long (webhooks, usage, results that go out in
   * rounds). The in-process bus hands events over as they are published and ignores it.
   */
  gatherMs?: number;
  /**
   * Where a subscription name seen for the first time starts: the oldest event the broker keeps
   * (default; a new read model catches up on history) or only events published from now on.
   */
  startAt?: 'oldest' | 'now';
  /**
   * A subscription of this process only (live fan-out: every process gets every event), not a
   * consumer group: it starts at events published from now on, is not paused by `stop()`, and the
   * broker forgets it soon after the process is gone. `name` must be unique to the process.
   */
  ephemeral?: boolean;
  /**
   * For superseding snapshots keyed by what they describe (a poll's results, an event's stage):
   * whether this process wants the one for this partition key now. Those it does not want are
   * dropped unread (the NATS bus reads the key from a header, so it skips decoding them). Only
   * types off an ordered log are filtered; a logged context's events always arrive.
   */
  wants?(key: string): boolean;
}

/**
 * An event as an ordered log stores it (what the relay publishes): the fields a bus routes and
 * traces it by, and its JSON as stored, which goes on the wire as it is instead of being parsed
 * from the database and written out again.
 */
export interface StoredEvent {
  id: string;
  type: string;
  time: string;
  partitionkey?: string | undefined;
  traceparent?: string | undefined;
  /** The whole event as JSON. */
  json: string;
}

/** What a bus publishes: events, or stored ones. */
export type PublishedEvent = CloudEvent | StoredEvent;

export const isStoredEvent = (event: PublishedEvent): event is StoredEvent => 'json' in event;

/** The event itself (a stored one parsed). */
export const eventOf = (event: PublishedEvent): CloudEvent =>
  isStoredEvent(event) ? (JSON.parse(event.json) as CloudEvent) : event;

export interface Subscription {
  /** Stops taking new deliveries and waits for the batch in hand. */
  stop(): Promise<void>;
}

export interface EventBus {
  /** Resolves once the bus has taken responsibility for every event (persisted or delivered). */
  publish(events: readonly PublishedEvent[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /**
   * What the named subscription has not yet acknowledged (its consumer lag): events in-process;
   * on NATS, messages, of which a run of an ordered log's events is one. Zero when caught up.
   */
  lag(name: string): Promise<number>;
  isConnected(): boolean;
  close(): Promise<void>;
}
