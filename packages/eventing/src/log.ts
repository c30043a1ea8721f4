// An ordered, partitioned event log in a service's own database: the generic outbox, or a log of
// the service's own (the poll streams). Every row has a partition (its partition key's) and a
// sequence within it. Appenders lock the partition's head row in `log_heads` and take the next
// sequences, so a partition's sequence order is its commit order: a relay reading past a
// checkpoint can never skip a row that commits later with a smaller sequence.
import type { AnyTables } from '@canvass/database';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { StoredEvent } from './bus.ts';
import { LOG_PARTITIONS } from './subjects.ts';

export interface LogEntry {
  seq: number;
  event: StoredEvent;
}

export interface EventLog {
  /** The log's name in `log_heads` and `relay_checkpoints`. */
  readonly name: string;
  readonly partitions: number;
  /**
   * Each partition's entries after its sequence in `after` (at most `limit` each), in sequence
   * order: one statement for every partition a relay round reads.
   */
  read(
    db: Kysely<AnyTables>,
    after: ReadonlyMap<number, number>,
    limit: number,
  ): Promise<Map<number, LogEntry[]>>;
  /** Deletes what no longer needs keeping, given each partition's published sequence. */
  prune?(db: Kysely<AnyTables>): Promise<void>;
}

/** NOTIFY channel a log's appends raise (delivered at commit) and its relay listens to. */
export const logChannel = (schema: string) => `canvass_log_${schema}`;

/**
 * The statement that locks the head rows of these partitions (in partition order, so appenders
 * never deadlock) and reads each one's last sequence (`partition`, `seq`). Hold them until commit.
 */
export function lockPartitionsQuery(log: string, partitions: readonly number[]) {
  return sql<{ partition: number; seq: number }>`
    select partition, seq from log_heads where log = ${log} and partition = any(${partitions}::int[])
    order by partition for update`;
}

/** Each locked partition's last sequence; throws unless every wanted partition has its head row. */
export function partitionHeads(
  log: string,
  wanted: readonly number[],
  rows: readonly { partition: number; seq: number | string }[],
): Map<number, number> {
  if (rows.length !== wanted.length) {
    throw new Error(`log ${log} lacks head rows for partitions ${wanted.join(', ')}`);
  }
  return new Map(rows.map((row) => [row.partition, Number(row.seq)]));
}

/** The partitions, each once, in lock order. */
export const lockOrder = (partitions: Iterable<number>) => [...new Set(partitions)].sort((a, b) => a - b);

/**
 * Locks the head rows of these partitions (in partition order, so appenders never deadlock)
 * and returns each one's last sequence. Hold them until commit.
 */
export async function lockPartitions(
  trx: Kysely<AnyTables>,
  log: string,
  partitions: Iterable<number>,
): Promise<Map<number, number>> {
  const wanted = lockOrder(partitions);
  if (wanted.length === 0) return new Map();
  const result = await lockPartitionsQuery(log, wanted).execute(trx);
  return partitionHeads(log, wanted, result.rows);
}

/** SQL that sets the head rows to these sequences (run under the lock, in the same transaction). */
export function advancePartitionsSql(log: string, heads: ReadonlyMap<number, number>) {
  return sql`update log_heads as h set seq = v.seq
    from unnest(${[...heads.keys()]}::int[], ${[...heads.values()]}::bigint[]) as v(partition, seq)
    where h.log = ${log} and h.partition = v.partition`;
}

/**
 * Reads partitions of a log table (columns partition, seq) past their sequences in one statement;
 * `event` is the select list of an entry's stored event (`json`, its text; `id`, `type`, `time`,
 * `partitionkey`, `traceparent`); the table is aliased `t`, so it names columns as `t.event`,
 * `t.poll_id`. The JSON comes as text, so nothing parses it on its way to the bus.
 */
export async function readPartitions(
  db: Kysely<AnyTables>,
  table: string,
  event: RawBuilder<unknown>,
  after: ReadonlyMap<number, number>,
  limit: number,
): Promise<Map<number, LogEntry[]>> {
  const read = new Map<number, LogEntry[]>([...after.keys()].map((partition) => [partition, []]));
  if (after.size === 0) return read;
  // Fixed text (the partitions go in as arrays), so it runs prepared: a busy relay reads often.
  const result = await sql<StoredEvent & { partition: number; seq: number | string }>`/* prepared */
    select v.partition, e.*
    from unnest(${[...after.keys()]}::int[], ${[...after.values()]}::bigint[]) as v(partition, after)
    cross join lateral (
      select t.seq, ${event} from ${sql.table(table)} t
      where t.partition = v.partition and t.seq > v.after order by t.seq limit ${limit}
    ) e
    order by v.partition, e.seq`.execute(db);
  for (const row of result.rows) {
    const { partition, seq, ...event } = row;
    if (event.partitionkey === null) delete event.partitionkey;
    if (event.traceparent === null) delete event.traceparent;
    read.get(partition)!.push({ seq: Number(seq), event: event as StoredEvent });
  }
  return read;
}

/** The stored-event select list of a log whose rows keep the whole event in `t.event`. */
export const storedEventColumns = sql`t.event::text as json, t.event->>'id' as id, t.event->>'type' as type,
  t.event->>'time' as time, t.event->>'partitionkey' as partitionkey, t.event->>'traceparent' as traceparent`;

/** The generic outbox's log: rows in `outbox`, kept a day after they are published. */
export function outboxLog(options: { retainMs?: number } = {}): EventLog {
  const retain = `${options.retainMs ?? 86_400_000} milliseconds`;
  return {
    name: 'outbox',
    partitions: LOG_PARTITIONS,
    read: (db, after, limit) => readPartitions(db, 'outbox', storedEventColumns, after, limit),
    async prune(db) {
      await sql`delete from outbox o using relay_checkpoints c
        where c.log = 'outbox' and c.partition = o.partition and o.seq <= c.published_seq
          and o.created_at < now() - ${retain}::interval`.execute(db);
    },
  };
}
