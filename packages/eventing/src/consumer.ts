// An idempotent consumer: each batch is handled in one transaction that also records the event ids
// in the inbox, so an event delivered again changes nothing. An event that breaks its contract goes
// to the dead-letter store at once (retrying cannot fix it) and the batch goes on without it.
import type { CloudEvent } from '@canvass/contracts';
import type { AnyTables, Database } from '@canvass/database';
import type { Kysely } from 'kysely';
import type { Delivery, EventBus, Subscription } from './bus.ts';
import { validateEvent } from './events.ts';

export interface ConsumerLogger {
  warn(object: object, message: string): void;
}

export interface ConsumerSpec {
  /** Durable name, unique per service (the inbox and the broker track progress by it). */
  name: string;
  types: readonly string[];
  /** Applies new (never seen) events inside the inbox transaction. */
  handle(trx: Kysely<AnyTables>, events: readonly CloudEvent[]): Promise<void>;
  maxBatch?: number;
}

export interface ConsumerDeps {
  db: Database;
  bus: EventBus;
  logger: ConsumerLogger;
}

function describePayload(payload: unknown): { id: string | null; type: string | null; text: string } {
  const record = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
  return {
    id: typeof record.id === 'string' ? record.id : null,
    type: typeof record.type === 'string' ? record.type : null,
    text: typeof payload === 'string' ? payload : (JSON.stringify(payload) ?? String(payload)),
  };
}

export async function startConsumer(spec: ConsumerSpec, deps: ConsumerDeps): Promise<Subscription> {
  const { db, bus, logger } = deps;

  async function handleBatch(batch: readonly Delivery[]): Promise<void> {
    const valid: CloudEvent[] = [];
    const invalid: { delivery: Delivery; error: Error }[] = [];
    for (const delivery of batch) {
      try {
        valid.push(validateEvent(delivery.payload));
      } catch (error) {
        invalid.push({ delivery, error: error as Error });
      }
    }
    await db.kysely.transaction().execute(async (trx) => {
      for (const { delivery, error } of invalid) {
        const described = describePayload(delivery.payload);
        await trx
          .insertInto('dead_letters')
          .values({
            consumer: spec.name,
            event_id: described.id,
            type: described.type,
            payload: described.text,
            error: error.message,
            attempts: delivery.attempt,
          })
          .execute();
        logger.warn({ consumer: spec.name, eventId: described.id, err: error }, 'event dead-lettered');
      }
      // De-duplicate within the batch too: a broker may hand over the same event twice at once.
      const unique = [...new Map(valid.map((event) => [event.id, event])).values()];
      if (unique.length === 0) return;
      const fresh = await trx
        .insertInto('inbox')
        .values(unique.map((event) => ({ consumer: spec.name, event_id: event.id })))
        .onConflict((conflict) => conflict.columns(['consumer', 'event_id']).doNothing())
        .returning('event_id')
        .execute();
      const freshIds = new Set(fresh.map((row) => row.event_id as string));
      const events = unique.filter((event) => freshIds.has(event.id));
      if (events.length > 0) await spec.handle(trx, events);
    });
  }

  return bus.subscribe({
    name: spec.name,
    types: spec.types,
    maxBatch: spec.maxBatch,
    handle: handleBatch,
  });
}
