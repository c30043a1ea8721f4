// Appending to and reading poll streams. Appends lock the stream's head row, so concurrent votes
// on one poll queue rather than fail; commands that read a version first pass it as
// `expectedVersion` and get a conflict if anything was appended since (optimistic concurrency).
import type { CloudEvent } from '@canvass/contracts';
import { HttpProblem } from '@canvass/service-kit';
import { type Kysely, sql } from 'kysely';
import type { PollsTables } from '../tables.ts';
import { type ChainLink, type ChainVerdict, chainHash, GENESIS_HASH, verifyChain } from './hash-chain.ts';

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

async function insertLinks(
  trx: Kysely<PollsTables>,
  pollId: string,
  from: StreamHead,
  events: readonly CloudEvent[],
) {
  const chained = chainEvents(pollId, from, events);
  await trx.insertInto('poll_events').values(chained.rows).execute();
  return chained;
}

/** Starts a poll's stream with its first events (the creation). */
export async function startStream(
  trx: Kysely<PollsTables>,
  pollId: string,
  events: readonly CloudEvent[],
): Promise<Appended[]> {
  const { rows, head } = await insertLinks(trx, pollId, { version: 0, hash: GENESIS_HASH }, events);
  await trx
    .insertInto('poll_streams')
    .values({ poll_id: pollId, version: head.version, head_hash: head.hash })
    .execute();
  return rows.map((row) => ({ eventId: row.event_id, version: row.version, hash: row.hash }));
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
  const { rows, head: next } = await insertLinks(
    trx,
    pollId,
    { version: head.version, hash: head.head_hash },
    events,
  );
  await trx
    .updateTable('poll_streams')
    .set({ version: next.version, head_hash: next.hash })
    .where('poll_id', '=', pollId)
    .execute();
  return rows.map((row) => ({ eventId: row.event_id, version: row.version, hash: row.hash }));
}

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

/** Every stream's events in commit-independent global order, a page at a time (for replays). */
export async function readAllEvents(db: Kysely<PollsTables>, after: number, limit: number) {
  const rows = await db
    .selectFrom('poll_events')
    .select(['position', 'event'])
    .where('position', '>', after)
    .orderBy('position')
    .limit(limit)
    .execute();
  return { events: rows.map((row) => row.event as CloudEvent), next: rows.at(-1)?.position ?? after };
}

export async function eventStats(db: Kysely<PollsTables>) {
  const result = await sql<{ events: number; streams: number; lastPosition: number }>`
    select count(*)::int as events, count(distinct poll_id)::int as streams,
      coalesce(max(position), 0)::int as "lastPosition" from poll_events`.execute(db);
  return result.rows[0]!;
}
