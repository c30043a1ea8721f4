// The vote batch's statements of fixed text (vote-writer.ts): the lock of a batch's stream heads,
// poll rows and log partitions, and the insert of its new votes.
import type { CloudEvent } from '@canvass/contracts';
import { columnOf, textArrayLiteral } from '@canvass/database';
import {
  LOG_PARTITIONS,
  lockOrder,
  lockPartitionsQuery,
  partitionHeads,
  partitionOf,
} from '@canvass/eventing';
import { type Insertable, type Kysely, type RawBuilder, sql } from 'kysely';
import type { StoredPoll } from '../polls/poll-store.ts';
import { POLL_LOG, type StreamHead } from '../streams/poll-stream.ts';
import type { PollsTables } from '../tables.ts';

export type VoteRow = Insertable<PollsTables['votes']> & { id: string };

export interface PollState {
  head: StreamHead;
  status: string;
  closesAt: Date | null;
  votingLockedAt: Date | null;
  configVersion: number;
  fresh?: StoredPoll | undefined;
  events: CloudEvent[];
}

/**
 * Locks, in one statement, the stream head of every poll in the batch (in id order) and then the
 * head of every log partition they are on (in partition order): the order every appender takes
 * them in, so batches never deadlock. Returns each poll's state and each partition's last sequence.
 */
export async function lockBatch(
  trx: Kysely<PollsTables>,
  polls: readonly string[],
): Promise<Map<string, PollState>> {
  const pollIds = [...polls].sort();
  const partitions = lockOrder(pollIds.map((pollId) => partitionOf(pollId, LOG_PARTITIONS)));
  // A union's branches run in order, each taking its locks as it reads. The poll's row is locked
  // too, FOR SHARE, so a batch that waited reads it as it was committed (a row joined without a
  // lock, or under FOR KEY SHARE, is read as it was when the statement began: a vote could get
  // into a poll closed meanwhile). Whatever changes a poll row and its stream locks the stream
  // head first (lockStreamHead), so the two never deadlock.
  const result = await sql<{
    poll_id: string | null;
    version: number;
    head_hash: string;
    status: string;
    closes_at: Date | null;
    voting_locked_at: Date | null;
    config_version: number;
    partition: number;
    seq: string;
  }>`/* prepared */ select * from (
       select s.poll_id, s.version, s.head_hash, p.status, p.closes_at, p.voting_locked_at, p.config_version,
         null::int as partition, null::bigint as seq
       from poll_streams s join polls p on p.id = s.poll_id
       where s.poll_id = any(${pollIds}::text[]) order by s.poll_id for update of s for share of p) as streams
     union all
     select null, null, null, null, null, null, null, h.partition, h.seq
     from (${lockPartitionsQuery(POLL_LOG, partitions)}) as h`.execute(trx);
  const states = new Map<string, PollState>();
  const partitionRows = [];
  for (const row of result.rows) {
    if (row.poll_id === null) {
      partitionRows.push(row);
      continue;
    }
    states.set(row.poll_id, {
      head: { version: row.version, hash: row.head_hash },
      status: row.status,
      closesAt: row.closes_at ? new Date(row.closes_at) : null,
      votingLockedAt: row.voting_locked_at ? new Date(row.voting_locked_at) : null,
      configVersion: row.config_version,
      events: [],
    });
  }
  partitionHeads(POLL_LOG, partitions, partitionRows);
  return states;
}

/**
 * New votes in one statement; a voter who has a current vote keeps it (the row is not inserted).
 * The rows go in as one array per column, so the text is the same for any number of votes.
 */
export function insertVotes(rows: readonly VoteRow[], when: RawBuilder<boolean> = sql<boolean>`true`) {
  const column = <K extends keyof VoteRow>(key: K) => columnOf(rows, key).map((value) => value ?? null);
  return sql<{ id: string }>`insert into votes
      (id, poll_id, voter_hash, option_ids, rating, text, segment, receipt_hash, event_id, moderation, cast_at)
    select v.id, v.poll_id, v.voter_hash, v.option_ids::text[], v.rating, v.text, v.segment, v.receipt_hash,
      v.event_id, v.moderation, v.cast_at
    from unnest(${column('id')}::text[], ${column('poll_id')}::text[], ${column('voter_hash')}::text[],
      ${rows.map((row) => textArrayLiteral(row.option_ids ?? []))}::text[], ${column('rating')}::int[],
      ${column('text')}::text[], ${column('segment')}::text[], ${column('receipt_hash')}::text[],
      ${column('event_id')}::text[], ${column('moderation')}::text[],
      ${rows.map((row) => (row.cast_at as Date).toISOString())}::timestamptz[])
      as v(id, poll_id, voter_hash, option_ids, rating, text, segment, receipt_hash, event_id, moderation, cast_at)
    where ${when}
    on conflict (poll_id, voter_hash) where retracted_at is null do nothing
    returning id`;
}
