// An idempotent consumer. Each batch is handled in one transaction that also records what it
// applied, so an event delivered again changes nothing: events of keyed streams (a poll's, carrying
// `streamversion`) by each key's applied version, applied in version order with early ones parked
// (ordered.ts); any other event by its id in the inbox. A failing batch is retried with
// exponential backoff and jitter; if it still fails, its events are tried one at a time and an
// event that keeps failing goes to the dead-letter store with its error, attempt count and
// failure times, so one bad event never holds up the rest (its stream moves past it). An event
// that breaks its contract goes there at once (retrying cannot fix it). Older versions a consumer
// lists are upcast first.
import type { CloudEvent } from '@canvass/contracts';
import type { AnyTables, Database } from '@canvass/database';
import { contextFrom, inSpan, linksTo, markFailed, SpanKind, startSpan } from '@canvass/telemetry';
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { type Kysely, sql } from 'kysely';
import type { Delivery, EventBus, Subscription } from './bus.ts';
import { validateEvent } from './events.ts';
import { applyInOrder, isSequenced, skipVersion } from './ordered.ts';

export interface ConsumerLogger {
  warn(object: object, message: string): void;
}

export interface ConsumerSpec {
  /** Durable name, unique per service (the inbox and the broker track progress by it). */
  name: string;
  /** Every event type (and version) this consumer accepts. */
  types: readonly string[];
  /** Upcasters from an older type to the one `handle` expects, keyed by the older type. */
  upcast?: Readonly<Record<string, (event: CloudEvent) => CloudEvent>>;
  /** Applies new (never seen) events inside the inbox transaction. */
  handle(trx: Kysely<AnyTables>, events: readonly CloudEvent[]): Promise<void>;
  /** Runs after a transaction that applied these events committed (notify others; must not throw). */
  committed?(events: readonly CloudEvent[]): void;
  maxBatch?: number;
  /** How long a batch waits for more events on a broker (see SubscribeOptions.gatherMs). */
  gatherMs?: number;
  startAt?: 'oldest' | 'now';
  /** Attempts before an event is dead-lettered (default 5), and the first backoff delay. */
  retry?: { attempts?: number; initialDelayMs?: number; maxDelayMs?: number };
}

export interface ConsumerDeps {
  db: Database;
  logger: ConsumerLogger;
  /** The service its spans are named for. */
  service?: string;
  /** Fault injection for chaos tests: runs after a batch commits, before the broker hears of it. */
  afterCommit?: () => void;
}

export interface Consumer {
  readonly name: string;
  readonly types: readonly string[];
  handleBatch(batch: readonly Delivery[]): Promise<void>;
  /** Whether this consumer takes events of a type (any version it lists). */
  accepts(type: string): boolean;
  /**
   * Runs raw payloads through validation, upcasting, de-duplication and the handler (rebuilds);
   * returns the events applied. The caller runs `committed` once its transaction commits.
   */
  applyPayloads(trx: Kysely<AnyTables>, payloads: readonly unknown[]): Promise<CloudEvent[]>;
  /**
   * Applies a dead-lettered event in the caller's transaction: as it is, since its stream moved
   * past it (a dead letter replays once: its state changes in the same transaction). Returns a
   * function to call after commit (the same after-commit hook as live events).
   */
  replay(trx: Kysely<AnyTables>, payload: unknown): Promise<() => void>;
  committed(events: readonly CloudEvent[]): void;
  subscribe(bus: EventBus): Promise<Subscription>;
  /** Stops taking deliveries; the broker keeps them for `resume` (a rebuild, a shutdown). */
  pause(): Promise<void>;
  resume(): Promise<void>;
}

interface Failure {
  payload: unknown;
  error: Error;
  attempts: number;
  firstFailedAt: Date;
}

function describePayload(payload: unknown): { id: string | null; type: string | null; text: string } {
  const record = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
  return {
    id: typeof record.id === 'string' ? record.id : null,
    type: typeof record.type === 'string' ? record.type : null,
    text: typeof payload === 'string' ? payload : (JSON.stringify(payload) ?? String(payload)),
  };
}

/** Stands for a dead-lettered event in its stream's order; its type is nobody's. */
const PLACEHOLDER = {
  specversion: '1.0',
  source: '/dead-lettered',
  type: 'dead.lettered.v0',
  time: new Date(0).toISOString(),
  datacontenttype: 'application/json',
  data: null,
} as const;

function traceparentOf(delivery: Delivery): unknown {
  return delivery.traceparent ?? (delivery.payload as { traceparent?: unknown } | null)?.traceparent;
}

const isRetryable = (error: unknown) => !(error as { nonRetryable?: boolean } | undefined)?.nonRetryable;

export function createConsumer(spec: ConsumerSpec, deps: ConsumerDeps): Consumer {
  const { db, logger } = deps;
  const accepted = new Set(spec.types);
  const attempts = spec.retry?.attempts ?? 5;
  const policy = retry(handleWhen(isRetryable), {
    maxAttempts: attempts - 1,
    backoff: new ExponentialBackoff({
      initialDelay: spec.retry?.initialDelayMs ?? 100,
      maxDelay: spec.retry?.maxDelayMs ?? 5_000,
    }),
  });

  /**
   * Validates and upcasts. An event of a type this consumer does not take comes back as it is:
   * it is not handled, but it still moves its stream's position (a poll's stream holds every type).
   */
  function toEvent(payload: unknown): CloudEvent {
    const event = validateEvent(payload);
    const upcaster = spec.upcast?.[event.type];
    return upcaster ? validateEvent(upcaster(event)) : event;
  }

  async function applyEvents(
    trx: Kysely<AnyTables>,
    events: readonly CloudEvent[],
    streams: readonly string[] = [],
  ): Promise<CloudEvent[]> {
    const mine = (list: readonly CloudEvent[]) => list.filter((event) => accepted.has(event.type));
    const applied = mine(
      await applyInOrder(
        trx,
        spec.name,
        events,
        async (due) => {
          const handled = mine(due);
          if (handled.length > 0) await spec.handle(trx, handled);
        },
        streams,
      ),
    );
    // Events of no keyed stream: de-duplicated by id, within the batch too (a broker may hand
    // over the same event twice at once).
    const unique = [...new Map(mine(events.filter((e) => !isSequenced(e))).map((e) => [e.id, e])).values()];
    if (unique.length === 0) return applied;
    const fresh = await trx
      .insertInto('inbox')
      .values(unique.map((event) => ({ consumer: spec.name, event_id: event.id })))
      .onConflict((conflict) => conflict.columns(['consumer', 'event_id']).doNothing())
      .returning('event_id')
      .execute();
    const freshIds = new Set(fresh.map((row) => row.event_id as string));
    const freshEvents = unique.filter((event) => freshIds.has(event.id));
    if (freshEvents.length > 0) await spec.handle(trx, freshEvents);
    return [...applied, ...freshEvents];
  }

  function committed(events: readonly CloudEvent[]): void {
    if (events.length > 0) spec.committed?.(events);
  }

  async function deadLetter(failures: readonly Failure[]): Promise<void> {
    if (failures.length === 0) return;
    for (const failure of failures) traceFailure(failure);
    await db.kysely
      .insertInto('dead_letters')
      .values(
        failures.map((failure) => {
          const described = describePayload(failure.payload);
          return {
            consumer: spec.name,
            event_id: described.id,
            type: described.type,
            payload: described.text,
            error: failure.error.message,
            attempts: failure.attempts,
            first_failed_at: failure.firstFailedAt,
            last_failed_at: new Date(),
          };
        }),
      )
      .onConflict((oc) =>
        oc
          .columns(['consumer', 'event_id'])
          .where('event_id', 'is not', null)
          .where('state', '=', 'pending')
          .doNothing(),
      )
      .execute();
    for (const failure of failures) {
      logger.warn(
        {
          consumer: spec.name,
          eventId: describePayload(failure.payload).id,
          attempts: failure.attempts,
          err: failure.error,
        },
        'event dead-lettered',
      );
    }
  }

  /** Applies events with retries; resolves with the failure if every attempt failed. */
  async function applyWithRetry(
    events: readonly CloudEvent[],
    streams: readonly string[] = [],
  ): Promise<Failure | undefined> {
    let tries = 0;
    let firstFailedAt: Date | undefined;
    let applied: CloudEvent[] = [];
    try {
      await policy.execute(async () => {
        tries++;
        try {
          applied = await db.kysely.transaction().execute((trx) => applyEvents(trx, events, streams));
        } catch (error) {
          firstFailedAt ??= new Date();
          throw error;
        }
      });
      committed(applied);
      return undefined;
    } catch (error) {
      return {
        payload: events[0],
        error: error as Error,
        attempts: tries,
        firstFailedAt: firstFailedAt ?? new Date(),
      };
    }
  }

  /**
   * One span per batch, a trace of its own linked to the spans that wrote its events (never a
   * child of one vote: a batch carries thousands).
   */
  function handleBatch(batch: readonly Delivery[]): Promise<void> {
    return inSpan(
      `consume ${spec.name}`,
      {
        root: true,
        kind: SpanKind.CONSUMER,
        links: linksTo(batch.map(traceparentOf)),
        attributes: {
          'canvass.service': deps.service ?? spec.name,
          'canvass.consumer': spec.name,
          'messaging.batch.message_count': batch.length,
        },
      },
      () => handleDeliveries(batch),
    );
  }

  /**
   * An event that failed for good shows in the trace of the span that wrote it (a vote's): an
   * error span with the event's id, type and error.
   */
  function traceFailure(failure: Failure): void {
    const described = describePayload(failure.payload);
    const span = startSpan(`consume ${spec.name} failed`, {
      kind: SpanKind.CONSUMER,
      parent: contextFrom((failure.payload as { traceparent?: unknown } | null)?.traceparent),
      attributes: {
        'canvass.service': deps.service ?? spec.name,
        'canvass.consumer': spec.name,
        'canvass.event.id': described.id ?? 'unknown',
        'canvass.event.type': described.type ?? 'unknown',
        'canvass.attempts': failure.attempts,
      },
    });
    markFailed(span, failure.error);
    span.end();
  }

  async function handleDeliveries(batch: readonly Delivery[]): Promise<void> {
    const events: CloudEvent[] = [];
    const invalid: Failure[] = [];
    for (const delivery of batch) {
      try {
        events.push(toEvent(delivery.payload));
      } catch (error) {
        invalid.push({
          payload: delivery.payload,
          error: error as Error,
          attempts: 1,
          firstFailedAt: new Date(),
        });
        // Its stream moves past it (never handled: no consumer takes this type), so the events
        // after it are not held back.
        const { partitionkey, streamversion, id } = (delivery.payload ?? {}) as Partial<CloudEvent>;
        if (typeof partitionkey === 'string' && Number.isInteger(streamversion) && typeof id === 'string')
          events.push({ ...PLACEHOLDER, id, partitionkey, streamversion: streamversion as number });
      }
    }
    await deadLetter(invalid);
    const failure = await applyWithRetry(events);
    if (!failure) return deps.afterCommit?.();
    if (events.length === 1) return giveUp(events[0]!, failure);
    // Find the event(s) at fault: one at a time, each with its own retries.
    logger.warn(
      { consumer: spec.name, err: failure.error, events: events.length },
      'batch failed; trying one by one',
    );
    const ordered = [...events].sort((a, b) => (a.streamversion ?? 0) - (b.streamversion ?? 0));
    for (const event of ordered) {
      const single = await applyWithRetry([event]);
      if (single) await giveUp(event, single);
    }
  }

  /** Dead-letters an event; its stream moves past it, and what waited behind it is applied. */
  async function giveUp(event: CloudEvent, failure: Failure): Promise<void> {
    await deadLetter([{ ...failure, payload: event }]);
    if (!isSequenced(event)) return;
    await db.kysely.transaction().execute((trx) => skipVersion(trx, spec.name, event));
    const behind = await applyWithRetry([], [event.partitionkey]);
    if (behind) logger.warn({ consumer: spec.name, err: behind.error }, 'events after a dead letter wait');
  }

  let bus: EventBus | undefined;
  let subscription: Subscription | undefined;
  const subscribe = async (to: EventBus) => {
    bus = to;
    subscription = await to.subscribe({
      name: spec.name,
      types: spec.types,
      handle: handleBatch,
      ...(spec.maxBatch ? { maxBatch: spec.maxBatch } : {}),
      ...(spec.gatherMs ? { gatherMs: spec.gatherMs } : {}),
      ...(spec.startAt ? { startAt: spec.startAt } : {}),
    });
    return subscription;
  };

  return {
    name: spec.name,
    types: spec.types,
    handleBatch,
    accepts: (type) => accepted.has(type),
    applyPayloads: (trx, payloads) => applyEvents(trx, payloads.map(toEvent)),
    async replay(trx, payload) {
      const event = toEvent(payload);
      if (!accepted.has(event.type)) throw new Error(`consumer ${spec.name} does not take ${event.type}`);
      if (!isSequenced(event)) {
        const applied = await applyEvents(trx, [event]);
        return () => committed(applied);
      }
      await spec.handle(trx, [event]);
      return () => committed([event]);
    },
    committed,
    subscribe,
    async pause() {
      await subscription?.stop();
      subscription = undefined;
    },
    async resume() {
      if (!bus) throw new Error(`consumer ${spec.name} was never subscribed`);
      if (!subscription) await subscribe(bus);
    },
  };
}

/** Creates a consumer and subscribes it: the common case. */
export async function startConsumer(
  spec: ConsumerSpec,
  deps: ConsumerDeps & { bus: EventBus },
): Promise<Subscription> {
  return createConsumer(spec, deps).subscribe(deps.bus);
}

/** How many events are dead-lettered and not yet replayed or discarded, per consumer. */
export async function pendingDeadLetters(db: Database): Promise<Record<string, number>> {
  const rows = await sql<{ consumer: string; n: number }>`
    select consumer, count(*)::int as n from dead_letters where state = 'pending' group by consumer`.execute(
    db.kysely,
  );
  return Object.fromEntries(rows.rows.map((row) => [row.consumer, row.n]));
}

/**
 * Events waiting per consumer for an earlier event of their stream. A few for a moment is a
 * redelivery catching up; a count that stays means a stream is stuck behind a missing event.
 */
export async function parkedEvents(db: Database): Promise<Record<string, number>> {
  const rows = await sql<{ consumer: string; n: number }>`
    select consumer, count(*)::int as n from parked_events group by consumer`.execute(db.kysely);
  return Object.fromEntries(rows.rows.map((row) => [row.consumer, row.n]));
}
