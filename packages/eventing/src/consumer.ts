// An idempotent consumer. Each batch is handled in one transaction that also records the event
// ids in the inbox, so an event delivered again changes nothing. A failing batch is retried with
// exponential backoff and jitter; if it still fails, its events are tried one at a time and an
// event that keeps failing goes to the dead-letter store with its error, attempt count and
// failure times, so one bad event never holds up the rest. An event that breaks its contract goes
// there at once (retrying cannot fix it). Older versions a consumer lists are upcast first.
import type { CloudEvent } from '@canvass/contracts';
import type { AnyTables, Database } from '@canvass/database';
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { type Kysely, sql } from 'kysely';
import type { Delivery, EventBus, Subscription } from './bus.ts';
import { validateEvent } from './events.ts';

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
  startAt?: 'oldest' | 'now';
  /** Attempts before an event is dead-lettered (default 5), and the first backoff delay. */
  retry?: { attempts?: number; initialDelayMs?: number; maxDelayMs?: number };
}

export interface ConsumerDeps {
  db: Database;
  logger: ConsumerLogger;
  /** Fault injection for chaos tests: runs after a batch commits, before the broker hears of it. */
  afterCommit?: () => void;
}

export interface Consumer {
  readonly name: string;
  readonly types: readonly string[];
  handleBatch(batch: readonly Delivery[]): Promise<void>;
  /** Whether this consumer takes events of a type (any version it lists). */
  accepts(type: string): boolean;
  /** Runs raw payloads through validation, upcasting, the inbox and the handler (dead-letter replay, rebuilds). */
  applyPayloads(trx: Kysely<AnyTables>, payloads: readonly unknown[]): Promise<void>;
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

  function toEvent(payload: unknown): CloudEvent {
    let event = validateEvent(payload);
    if (!accepted.has(event.type)) {
      throw Object.assign(new Error(`consumer ${spec.name} does not accept ${event.type}`), {
        nonRetryable: true,
      });
    }
    const upcaster = spec.upcast?.[event.type];
    if (upcaster) event = validateEvent(upcaster(event));
    return event;
  }

  async function applyEvents(trx: Kysely<AnyTables>, events: readonly CloudEvent[]): Promise<void> {
    // De-duplicate within the batch too: a broker may hand over the same event twice at once.
    const unique = [...new Map(events.map((event) => [event.id, event])).values()];
    if (unique.length === 0) return;
    const fresh = await trx
      .insertInto('inbox')
      .values(unique.map((event) => ({ consumer: spec.name, event_id: event.id })))
      .onConflict((conflict) => conflict.columns(['consumer', 'event_id']).doNothing())
      .returning('event_id')
      .execute();
    const freshIds = new Set(fresh.map((row) => row.event_id as string));
    const freshEvents = unique.filter((event) => freshIds.has(event.id));
    if (freshEvents.length > 0) await spec.handle(trx, freshEvents);
  }

  async function deadLetter(failures: readonly Failure[]): Promise<void> {
    if (failures.length === 0) return;
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
  async function applyWithRetry(events: readonly CloudEvent[]): Promise<Failure | undefined> {
    let tries = 0;
    let firstFailedAt: Date | undefined;
    try {
      await policy.execute(async () => {
        tries++;
        try {
          await db.kysely.transaction().execute((trx) => applyEvents(trx, events));
        } catch (error) {
          firstFailedAt ??= new Date();
          throw error;
        }
      });
      spec.committed?.(events);
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

  async function handleBatch(batch: readonly Delivery[]): Promise<void> {
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
      }
    }
    await deadLetter(invalid);
    const failure = await applyWithRetry(events);
    if (!failure) return deps.afterCommit?.();
    if (events.length === 1) return deadLetter([{ ...failure, payload: events[0] }]);
    // Find the event(s) at fault: one at a time, each with its own retries.
    logger.warn(
      { consumer: spec.name, err: failure.error, events: events.length },
      'batch failed; trying one by one',
    );
    for (const event of events) {
      const single = await applyWithRetry([event]);
      if (single) await deadLetter([{ ...single, payload: event }]);
    }
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
