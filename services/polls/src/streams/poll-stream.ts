// Appending to and reading poll streams. A poll's stream is also its outbox: each event is
// written once, to `poll_events`, with its poll's version (the hash chain) and its place in the
// ordered log (its partition, by poll id, and the partition's next sequence, taken under the
// partition's head lock so sequence order is commit order). The relay publishes the log from a
// checkpoint (`pollLog`); nothing is written per event after the commit. Appends lock the
// stream's head row, so concurrent votes on one poll queue rather than fail; commands that read a
// version first pass it as `expectedVersion` and get a conflict if anything was appended since.
import type { CloudEvent } from '@canvass/contracts';
import { type EventLog, LOG_PARTITIONS, partitionOf, readPartitions } from '@canvass/eventing';
import { HttpProblem } from '@canvass/service-kit';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { PollsTables } from '../tables.ts';
import { type ChainLink, type ChainVerdict, chainHash, GENESIS_HASH, verifyChain } from './hash-chain.ts';

export const POLL_LOG = 'poll_events';
/** What an append raises (canvass_fail, migration 015) rather than write events without log places. */
export const LOG_HEAD_MISSING = 'CV004';

export interface Appended {
  eventId: string;
  version: number;
  hash: string;
}

export class StreamConflict extends HttpProblem {
  constructor(pollId: string, expected: number, actual: number) {
    super(
      409,
      'version-conflict',
      'The poll changed meanwhile',
      `Poll ${pollId} is at version ${actual}, not ${expected}; reload and retry.`,
      {
        expectedVersion: expected,
        actualVersion: actual,
      },
    );
  }
}

export interface StreamHead {
  version: number;
  hash: string;
}

/** The stream rows for events appended after `from`, and the head they leave (no I/O). */
export function chainEvents(pollId: string, from: StreamHead, events: readonly CloudEvent[]) {
  const rows = [];
  let { version, hash } = from;
  for (const event of events) {
    version += 1;
    const prevHash = hash;
    hash = chainHash(prevHash, version, event);
    rows.push({
      poll_id: pollId,
      version,
      event_id: event.id,
      type: event.type,
      event: JSON.stringify(event),
      prev_hash: prevHash,
      hash,
    });
  }
  return { rows, head: { version, hash } };
}

export interface StreamAppend {
  pollId: string;
  /** The stream's head before these events (version 0 and the genesis hash for a new poll). */
  from: StreamHead;
  events: readonly CloudEvent[];
}

/**
 * What appends these polls' events (their stream heads locked, or new): `ctes`, the common table
 * expressions of one statement that write the events with their log places, the stream heads and
 * the log heads, each only `when` the condition holds; `notify`, the expression that wakes the
 * relay; what is appended; and each stream's new head. Undefined when there is no event to append.
 *
 * The log places are taken in the statement: it locks the partitions' head rows in partition order
 * (the order every appender takes them; a transaction that locked them already holds them) and
 * advances each by its count of events, so a partition's sequence order stays its commit order
 * whether or not the caller locked the heads before.
 */
export function streamWrite(
  appends: readonly StreamAppend[],
  when: RawBuilder<boolean> = sql<boolean>`true`,
) {
  // Rows go in as one array per column (unnest), so the statement's text is the same for any
  // number of events and PostgreSQL keeps it prepared (PREPARED).
  const events = {
    pollId: [] as string[],
    version: [] as number[],
    eventId: [] as string[],
    type: [] as string[],
    event: [] as string[],
    prevHash: [] as string[],
    hash: [] as string[],
    partition: [] as number[],
    /** The event's place among this statement's events of its partition, from 1. */
    place: [] as number[],
  };
  const streamHeads = { pollId: [] as string[], version: [] as number[], hash: [] as string[] };
  const appended: Appended[] = [];
  const heads = new Map<string, StreamHead>();
  const counts = new Map<number, number>();
  for (const append of appends) {
    if (append.events.length === 0) continue;
    const partition = partitionOf(append.pollId, LOG_PARTITIONS);
    const { rows, head } = chainEvents(append.pollId, append.from, append.events);
    for (const row of rows) {
      const place = (counts.get(partition) ?? 0) + 1;
      counts.set(partition, place);
      events.pollId.push(row.poll_id);
      events.version.push(row.version);
      events.eventId.push(row.event_id);
      events.type.push(row.type);
      events.event.push(row.event);
      events.prevHash.push(row.prev_hash);
      events.hash.push(row.hash);
      events.partition.push(partition);
      events.place.push(place);
      appended.push({ eventId: row.event_id, version: row.version, hash: row.hash });
    }
    streamHeads.pollId.push(append.pollId);
    streamHeads.version.push(head.version);
    streamHeads.hash.push(head.hash);
    heads.set(append.pollId, head);
  }
  if (appended.length === 0) return undefined;
  const partitions = [...counts.keys()];
  return {
    appended,
    heads,
    ctes: sql`locked as materialized (
      select h.partition from log_heads h
      where h.log = ${POLL_LOG} and h.partition = any(${partitions}::int[]) and ${when}
      order by h.partition for update
    ), log as (
      update log_heads as h set seq = h.seq + v.n
      from unnest(${partitions}::int[], ${[...counts.values()]}::bigint[]) as v(partition, n)
      where h.log = ${POLL_LOG} and h.partition = v.partition and h.partition in (select partition from locked)
      returning h.partition, h.seq - v.n as base
    ), appended as (
      insert into poll_events (poll_id, version, event_id, type, event, prev_hash, hash, partition, seq)
      select v.poll_id, v.version, v.event_id, v.type, v.event::jsonb, v.prev_hash, v.hash, v.partition,
        l.base + v.place
      from unnest(${events.pollId}::text[], ${events.version}::int[], ${events.eventId}::text[],
        ${events.type}::text[], ${events.event}::text[], ${events.prevHash}::text[], ${events.hash}::text[],
        ${events.partition}::int[], ${events.place}::int[])
        as v(poll_id, version, event_id, type, event, prev_hash, hash, partition, place)
      join log l on l.partition = v.partition
      returning 1
    ), streams as (
      insert into poll_streams (poll_id, version, head_hash)
      select v.poll_id, v.version, v.head_hash
      from unnest(${streamHeads.pollId}::text[], ${streamHeads.version}::int[], ${streamHeads.hash}::text[])
        as v(poll_id, version, head_hash)
      where ${when}
      on conflict (poll_id) do update set version = excluded.version, head_hash = excluded.head_hash
    )`,
    notify: sql`pg_notify('canvass_log_' || current_schema(), ${partitions.join(',')})`,
    /** True when every event was written: false only if a partition had no head row to take places from. */
    complete: sql<boolean>`((select count(*) from appended) = ${appended.length})`,
  };
}

/**
 * Writes the events of one or more polls' streams (their heads already locked, or new) in one
 * statement: the events with their log places, the stream heads, the log heads, and the NOTIFY
 * that wakes the relay. Returns what was appended and the heads it leaves.
 */
export async function writeStreams(
  trx: Kysely<PollsTables>,
  appends: readonly StreamAppend[],
): Promise<{ appended: Appended[]; heads: Map<string, StreamHead> }> {
  const write = streamWrite(appends);
  if (!write) return { appended: [], heads: new Map() };
  await sql`/* prepared */ with ${write.ctes}
    select case when ${write.complete} then ${write.notify}
      else canvass_fail('${sql.raw(LOG_HEAD_MISSING)}', 'a log partition has no head row') end`.execute(trx);
  return write;
}

/** Starts a poll's stream with its first events (the creation). */
export async function startStream(
  trx: Kysely<PollsTables>,
  pollId: string,
  events: readonly CloudEvent[],
): Promise<Appended[]> {
  return (await writeStreams(trx, [{ pollId, from: { version: 0, hash: GENESIS_HASH }, events }])).appended;
}

export async function appendToStream(
  trx: Kysely<PollsTables>,
  pollId: string,
  events: readonly CloudEvent[],
  expectedVersion?: number,
): Promise<Appended[]> {
  const head = await trx
    .selectFrom('poll_streams')
    .select(['version', 'head_hash'])
    .where('poll_id', '=', pollId)
    .forUpdate()
    .executeTakeFirst();
  if (!head) throw new HttpProblem(404, 'poll-not-found', 'Poll not found', `Poll ${pollId} has no history.`);
  if (expectedVersion !== undefined && head.version !== expectedVersion) {
    throw new StreamConflict(pollId, expectedVersion, head.version);
  }
  return (
    await writeStreams(trx, [{ pollId, from: { version: head.version, hash: head.head_hash }, events }])
  ).appended;
}

/**
 * What subscribers receive: the stored event (what its hash covers) with its poll as partition
 * key and its version as `streamversion`, so consumers apply each poll's events once, in order.
 */
const published = sql<CloudEvent>`t.event || jsonb_build_object('partitionkey', t.poll_id, 'streamversion', t.version)`;

/** The same as the relay reads it: its text, and the fields the bus routes and traces it by. */
const publishedColumns = sql`(${published})::text as json, t.event_id as id, t.type, t.event->>'time' as time,
  t.poll_id as partitionkey, t.event->>'traceparent' as traceparent`;

/** The poll streams as an ordered log, for the relay. */
export const pollLog: EventLog = {
  name: POLL_LOG,
  partitions: LOG_PARTITIONS,
  read: (db, after, limit) => readPartitions(db, 'poll_events', publishedColumns, after, limit),
  /**
   * A deleted poll's events, once the relay has published all of them (its deletion last): the
   * stream is otherwise kept for good, as the poll's audit trail.
   */
  async prune(db) {
    await sql`delete from poll_events e using deleted_polls d
      where e.poll_id = d.poll_id
        and not exists (
          select 1 from poll_events later left join relay_checkpoints c
            on c.log = ${POLL_LOG} and c.partition = later.partition
          where later.poll_id = d.poll_id and (c.published_seq is null or later.seq > c.published_seq))`.execute(
      db,
    );
    await sql`delete from poll_streams s using deleted_polls d
      where s.poll_id = d.poll_id and not exists (select 1 from poll_events e where e.poll_id = s.poll_id)`.execute(
      db,
    );
  },
};

export async function readStream(db: Kysely<PollsTables>, pollId: string): Promise<ChainLink[]> {
  const rows = await db
    .selectFrom('poll_events')
    .select(['version', 'event', 'prev_hash', 'hash'])
    .where('poll_id', '=', pollId)
    .orderBy('version')
    .execute();
  return rows.map((row) => ({
    version: row.version,
    event: row.event,
    prevHash: row.prev_hash,
    hash: row.hash,
  }));
}

export async function verifyStream(
  db: Kysely<PollsTables>,
  pollId: string,
): Promise<ChainVerdict & { pollId: string }> {
  const links = await readStream(db, pollId);
  if (links.length === 0)
    throw new HttpProblem(404, 'poll-not-found', 'Poll not found', `Poll ${pollId} has no history.`);
  const head = await db
    .selectFrom('poll_streams')
    .select(['version', 'head_hash'])
    .where('poll_id', '=', pollId)
    .executeTakeFirst();
  const verdict = verifyChain(links);
  if (verdict.ok && head && (head.version !== verdict.version || head.head_hash !== verdict.headHash)) {
    return {
      pollId,
      ok: false,
      version: verdict.version,
      brokenAt: verdict.version,
      reason: 'the stream head does not match its last event',
    };
  }
  return { pollId, ...verdict };
}

/**
 * Every stream's events by global position, a page at a time (for replays): each poll's in
 * version order, since a poll's appends hold its head lock while taking positions.
 */
export async function readAllEvents(db: Kysely<PollsTables>, after: number, limit: number) {
  const result = await sql<{ position: number; event: CloudEvent }>`
    select t.position, ${published} as event from poll_events t where t.position > ${after}
    order by position limit ${limit}`.execute(db);
  const rows = result.rows;
  return { events: rows.map((row) => row.event), next: Number(rows.at(-1)?.position ?? after) };
}

export async function eventStats(db: Kysely<PollsTables>) {
  const result = await sql<{ events: number; streams: number; lastPosition: number }>`
    select count(*)::int as events, count(distinct poll_id)::int as streams,
      coalesce(max(position), 0)::int as "lastPosition" from poll_events`.execute(db);
  return result.rows[0]!;
}
