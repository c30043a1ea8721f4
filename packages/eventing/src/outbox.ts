// Transactional outbox. `append` writes events in the caller's transaction, so a state change and
// its events commit or roll back together. Each event goes on its partition key's partition of
// the `outbox` log (key: `partitionkey`, else `workspace`, else `subject`), in commit order; a
// relay (relay.ts) publishes each partition in order from its checkpoint.
import type { CloudEvent } from '@canvass/contracts';
import type { AnyTables, Database } from '@canvass/database';
import { type Kysely, sql } from 'kysely';
import { validateEvent } from './events.ts';
import { advancePartitionsSql, lockPartitions, logChannel } from './log.ts';
import { LOG_PARTITIONS, partitionOf } from './subjects.ts';

export interface Outbox {
  /** Validates the events against their contracts and writes them in the caller's transaction. */
  append(trx: Kysely<AnyTables>, events: readonly CloudEvent[]): Promise<void>;
}

/** The key an event is ordered by: its partition key, else its workspace, else its subject. */
export function keyOf(event: CloudEvent): string {
  return event.partitionkey ?? event.workspace ?? event.subject ?? event.id;
}

export function createOutbox(db: Pick<Database, 'schema'>): Outbox {
  const channel = logChannel(db.schema);
  return {
    async append(trx, events) {
      if (events.length === 0) return;
      const keyed = events.map((event) => {
        const valid = validateEvent(event);
        // Stored with its key, so every reader (and the broker's subject) partitions it alike.
        const stored = valid.partitionkey ? valid : { ...valid, partitionkey: keyOf(valid) };
        return { event: stored, partition: partitionOf(stored.partitionkey!, LOG_PARTITIONS) };
      });
      const heads = await lockPartitions(
        trx,
        'outbox',
        keyed.map((row) => row.partition),
      );
      const rows = keyed.map(({ event, partition }) => {
        const seq = heads.get(partition)! + 1;
        heads.set(partition, seq);
        return { partition, seq, id: event.id, type: event.type, event: JSON.stringify(event) };
      });
      await trx.insertInto('outbox').values(rows).execute();
      await advancePartitionsSql('outbox', heads).execute(trx);
      // The partitions written, so the relay reads only those.
      await sql`select pg_notify(${channel}, ${[...heads.keys()].join(',')})`.execute(trx);
    },
  };
}
