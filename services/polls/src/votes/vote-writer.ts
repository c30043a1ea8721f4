// The vote hot path's write side: votes wait here for at most one turn of the event loop (or for
// a batch in flight to finish) and go to the database together. A batch of new votes on polls
// whose stream heads this process knows (known-heads.ts) goes as one fenced autocommit statement;
// any other batch, or one whose fence did not hold, as one transaction that locks each poll's
// stream head and row and the log partitions' heads with one statement (vote-statements.ts), and
// inserts every vote and appends every event to the streams (which are the ordered log the relay
// publishes) with one more. A voter's answer (and receipt) is sent only after the commit. Both
// re-read each poll's status and config_version under lock, so a cached poll that has since closed
// or changed cannot let a vote in; a ballot checked against an older version of its poll is
// checked again.
import { type Ballot, type CloudEvent, VoteCastV3, VoteRetractedV1 } from '@canvass/contracts';
import { createEvent } from '@canvass/eventing';
import { conflict, type Logger, newId, newSignedToken, notFound, sha256 } from '@canvass/service-kit';
import { activeSpan, activeTraceparent, inSpan, linksTo, type Span } from '@canvass/telemetry';
import { type Kysely, sql } from 'kysely';
import type { Registry } from 'prom-client';
import { findPoll, type StoredPoll } from '../polls/poll-store.ts';
import { LOG_HEAD_MISSING, type StreamHead, streamWrite, writeStreams } from '../streams/poll-stream.ts';
import type { PollsTables } from '../tables.ts';
import { type CastVoteBody, parseBallot } from './ballot.ts';
import { KnownHeads, voteBatchMetrics } from './known-heads.ts';
import { insertVotes, lockBatch, type PollState, type VoteRow } from './vote-statements.ts';

export type VoteCommand =
  | {
      kind: 'cast';
      poll: StoredPoll;
      body: CastVoteBody;
      ballot: Ballot;
      voterHash: string;
    }
  | { kind: 'retract'; poll: StoredPoll; voterHash: string };

export type VoteOutcome =
  | { kind: 'cast'; voteId: string; receiptId: string; replaced: boolean }
  | { kind: 'retract'; voteId: string };

interface Pending {
  command: VoteCommand;
  /** The request's span: its events carry its context, and it learns the receipt's hash. */
  span: Span | undefined;
  traceparent: string | undefined;
  resolve(outcome: VoteOutcome): void;
  reject(error: unknown): void;
}

export interface VoteWriterOptions {
  kysely: Kysely<PollsTables>;
  logger: Logger;
  /** Signs receipts so other services can tell a voter of this poll (see newSignedToken). */
  secret: string;
  maxBatch?: number;
  /** Batches in the database at once; more queue up and go in the next one. */
  maxInFlight?: number;
  /** Hears of a poll read under lock that was newer than the one a vote came with. */
  onStalePoll?: (poll: StoredPoll) => void;
  /** Where `canvass_vote_batches_total{path}` is counted. */
  metrics?: Registry | undefined;
}

export const pollNotOpen = (status: string) =>
  conflict('poll-not-open', 'This poll is not open for voting', `The poll is ${status}; nothing was stored.`);

export const votingLocked = () =>
  conflict(
    'voting-locked',
    'Voting is locked',
    'The presenter locked voting on this poll (or its countdown ran out); nothing was stored.',
  );

export const alreadyVoted = () =>
  conflict(
    'already-voted',
    'You have already voted',
    'This voter has a vote in this poll, and the poll does not allow changing it.',
  );

interface PreparedCast {
  row: VoteRow;
  event: CloudEvent;
  receiptId: string;
}

const castOutcome = (prepared: PreparedCast, replaced: boolean): VoteOutcome => ({
  kind: 'cast',
  voteId: prepared.row.id,
  receiptId: prepared.receiptId,
  replaced,
});

/**
 * What the fenced statement raises through canvass_fail() (migration 015) when what it relied on
 * does not hold, and PostgreSQL's deadlock: nothing of it stayed. By reason, as counted.
 */
const FENCE = { head: 'CV001', poll: 'CV002', voter: 'CV003' } as const;
const FENCE_REASONS = new Map<string, string>([
  ...Object.entries(FENCE).map(([reason, code]) => [code, reason] as [string, string]),
  ['40P01', 'deadlock'],
]);

export class VoteWriter {
  readonly #queue: Pending[] = [];
  readonly #heads = new KnownHeads();
  /** The batches being written, each with its polls and a promise kept when it is done. */
  readonly #writing = new Set<{ polls: Set<string>; done: Promise<void> }>();
  readonly #options: Required<Omit<VoteWriterOptions, 'metrics'>>;
  #inFlight = 0;
  #scheduled = false;
  #idle: (() => void)[] = [];

  readonly #metrics: ReturnType<typeof voteBatchMetrics>;

  constructor(options: VoteWriterOptions) {
    const { metrics, ...rest } = options;
    this.#options = { maxBatch: 500, maxInFlight: 2, onStalePoll: () => {}, ...rest };
    this.#metrics = voteBatchMetrics(metrics);
  }

  submit(command: VoteCommand): Promise<VoteOutcome> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ command, span: activeSpan(), traceparent: activeTraceparent(), resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves once every submitted vote is written (or failed). */
  drain(): Promise<void> {
    if (this.#queue.length === 0 && this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #schedule() {
    if (this.#scheduled || this.#inFlight >= this.#options.maxInFlight || this.#queue.length === 0) return;
    this.#scheduled = true;
    // Everything submitted in this turn of the event loop goes in the same batch.
    setImmediate(() => {
      this.#scheduled = false;
      const batch = this.#queue.splice(0, this.#options.maxBatch);
      if (batch.length === 0) return;
      this.#inFlight++;
      void this.#writeInTurn(batch).finally(() => {
        this.#inFlight--;
        this.#schedule();
        if (this.#queue.length === 0 && this.#inFlight === 0)
          for (const resolve of this.#idle.splice(0)) resolve();
      });
      this.#schedule();
    });
  }

  /**
   * Writes a batch once the batches in flight that share a poll with it are done. PostgreSQL would
   * make it wait for their locks anyway; waiting here means each batch starts from the heads the
   * one before it left, so what this process knows of a head is what is committed (unless another
   * process appended), and its fenced statement holds.
   */
  async #writeInTurn(batch: Pending[]): Promise<void> {
    const polls = new Set(batch.map((pending) => pending.command.poll.id));
    const earlier = [];
    for (const writing of this.#writing)
      for (const pollId of polls)
        if (writing.polls.has(pollId)) {
          earlier.push(writing.done);
          break;
        }
    let finish!: () => void;
    const entry = { polls, done: new Promise<void>((resolve) => (finish = resolve)) };
    this.#writing.add(entry);
    try {
      await Promise.all(earlier);
      await this.#write(batch);
    } finally {
      this.#writing.delete(entry);
      finish();
    }
  }

  async #write(batch: Pending[]): Promise<void> {
    let outcomes: Map<Pending, VoteOutcome | Error>;
    try {
      // The batch is a trace of its own, linked to the requests it carries.
      outcomes = await inSpan(
        'polls write votes',
        {
          root: true,
          links: linksTo(batch.map((pending) => pending.traceparent)),
          attributes: { 'canvass.service': 'polls', 'canvass.votes': batch.length },
        },
        async (span) => {
          const fenced = await this.#writeFenced(batch);
          const path = fenced ? 'fenced' : 'locked';
          span.setAttribute('canvass.vote.path', path);
          this.#metrics?.batches.inc({ path });
          if (fenced) return fenced;
          const learned = new Map<string, StreamHead | undefined>();
          const written = await this.#options.kysely
            .transaction()
            .execute((trx) => this.#apply(trx, batch, learned));
          for (const [pollId, head] of learned) this.#heads.remember(pollId, head);
          return written;
        },
      );
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      // Something in the batch broke the transaction: write each vote alone, so one bad vote
      // fails alone.
      this.#options.logger.warn({ err: error, votes: batch.length }, 'vote batch failed; writing one by one');
      for (const pending of batch) await this.#write([pending]);
      return;
    }
    for (const [pending, outcome] of outcomes) {
      if (outcome instanceof Error) pending.reject(outcome);
      else pending.resolve(outcome);
    }
  }

  /** Forgets what this process knows of a poll's head: this process changed the poll. */
  forget(pollId: string): void {
    this.#heads.remember(pollId, undefined);
  }

  /**
   * The common case in one autocommit statement instead of a transaction's four round trips: a
   * batch of new votes on polls whose stream heads this process knows (it wrote them last). The
   * statement locks those heads (in poll order) only where they still are what it knows, then the
   * polls' rows (FOR SHARE, as the locking path does), checks each is open with the configuration
   * the ballots were checked against, inserts the votes, and writes their events (their log places
   * taken under the partitions' locks, as every appender takes them), the stream heads and the
   * NOTIFY. If anything does not hold (another process or a poll change moved a head, a poll
   * closed or changed, a voter had voted), it raises, so nothing of it stays, and the batch takes
   * the locking path, which tells each vote why. Undefined then.
   */
  async #writeFenced(batch: readonly Pending[]): Promise<Map<Pending, VoteOutcome> | undefined> {
    const polls = new Map<string, { from: StreamHead; configVersion: number; events: CloudEvent[] }>();
    for (const { command } of batch) {
      if (command.kind !== 'cast') return undefined;
      const poll = polls.get(command.poll.id);
      if (poll) {
        if (poll.configVersion !== command.poll.configVersion) return undefined;
        continue;
      }
      const from = this.#heads.usable(command.poll.id);
      if (!from) return undefined;
      polls.set(command.poll.id, { from, configVersion: command.poll.configVersion, events: [] });
    }
    const now = new Date();
    const rows = new Map<Pending, PreparedCast>();
    for (const pending of batch) {
      const prepared = this.#prepareCast(
        pending,
        pending.command as Extract<VoteCommand, { kind: 'cast' }>,
        now,
      );
      rows.set(pending, prepared);
      polls.get(prepared.row.poll_id)!.events.push(prepared.event);
    }
    const ids = [...polls.keys()];
    const write = streamWrite(
      ids.map((pollId) => ({ pollId, from: polls.get(pollId)!.from, events: polls.get(pollId)!.events })),
      sql<boolean>`(select every from ok)`,
    )!;
    try {
      await sql`/* prepared */ with fenced as materialized (
          select s.poll_id from poll_streams s
          join unnest(${ids}::text[], ${ids.map((id) => polls.get(id)!.from.version)}::int[],
            ${ids.map((id) => polls.get(id)!.from.hash)}::text[]) as v(poll_id, version, hash)
            on s.poll_id = v.poll_id and s.version = v.version and s.head_hash = v.hash
          order by s.poll_id for update of s
        ), open as materialized (
          select p.id, p.closes_at, p.voting_locked_at from polls p
          join unnest(${ids}::text[], ${ids.map((id) => polls.get(id)!.configVersion)}::int[])
            as v(id, config_version) on p.id = v.id and p.config_version = v.config_version
          where (select count(*) from fenced) = ${ids.length} and p.status = 'open'
          order by p.id for share of p
        ), inserted as (
          ${insertVotes(
            Array.from(rows.values(), (prepared) => prepared.row),
            sql<boolean>`(select count(*) from open) = ${ids.length}`,
          )}
        ), ok as (select count(*) = ${rows.size} as every from inserted), ${write.ctes}
        select case
          when (select count(*) from fenced) <> ${ids.length}
            then canvass_fail('${sql.raw(FENCE.head)}', 'vote batch fenced out: a stream head moved')
          when (select count(*) from open) <> ${ids.length}
            -- The clock read after every lock was taken, as the locking path reads it: now() is
            -- when the statement began, before it waited for a poll's change.
            or exists (select 1 from open where closes_at <= clock_timestamp() or voting_locked_at <= clock_timestamp())
            then canvass_fail('${sql.raw(FENCE.poll)}', 'vote batch fenced out: a poll closed, locked or changed')
          when not every then canvass_fail('${sql.raw(FENCE.voter)}', 'vote batch fenced out: a voter had voted')
          when ${write.complete} then ${write.notify}
          else canvass_fail('${sql.raw(LOG_HEAD_MISSING)}', 'a log partition has no head row')
        end from ok`.execute(this.#options.kysely);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const reason = FENCE_REASONS.get(code as string);
      if (!reason) {
        for (const pollId of ids) this.#heads.remember(pollId, undefined);
        throw error;
      }
      this.#metrics?.fenceFailures.inc({ reason });
      // A voter's conflict leaves the heads as they were; anything else, they are read again.
      this.#heads.undone(ids, reason === 'voter');
      return undefined;
    }
    for (const [pollId, head] of write.heads) this.#heads.remember(pollId, head);
    return new Map(Array.from(rows, ([pending, prepared]) => [pending, castOutcome(prepared, false)]));
  }

  async #apply(
    trx: Kysely<PollsTables>,
    batch: readonly Pending[],
    learned: Map<string, StreamHead | undefined>,
  ): Promise<Map<Pending, VoteOutcome | Error>> {
    const outcomes = new Map<Pending, VoteOutcome | Error>();
    const pollIds = [...new Set(batch.map((pending) => pending.command.poll.id))];
    const states = await lockBatch(trx, pollIds);
    const now = new Date();
    // The heads this transaction leaves, for the next batch's single statement: only open polls'.
    for (const pollId of pollIds) {
      const state = states.get(pollId);
      const open =
        state?.status === 'open' &&
        (state.closesAt === null || state.closesAt > now) &&
        (state.votingLockedAt === null || state.votingLockedAt > now);
      learned.set(pollId, open ? state.head : undefined);
    }

    // Admission: the poll is open now, and the ballot fits the poll as it is now.
    const admitted: Pending[] = [];
    for (const pending of batch) {
      const { command } = pending;
      const state = states.get(command.poll.id);
      if (!state) {
        outcomes.set(pending, notFound('poll', `There is no poll with id ${command.poll.id}.`));
        continue;
      }
      if (state.status !== 'open' || (state.closesAt !== null && state.closesAt <= now)) {
        outcomes.set(pending, pollNotOpen(state.status === 'open' ? 'closed' : state.status));
        continue;
      }
      // The presenter's lock, read here (not from a cached poll) so an unlock counts at once everywhere.
      if (state.votingLockedAt !== null && state.votingLockedAt <= now) {
        outcomes.set(pending, votingLocked());
        continue;
      }
      if (state.configVersion !== command.poll.configVersion) {
        if (!state.fresh) {
          state.fresh = await findPoll(trx, command.poll.id);
          // The process's cached poll is behind (another process changed it): the next batches
          // bring the poll as it is, so their fenced statement can hold.
          if (state.fresh) this.#options.onStalePoll(state.fresh);
        }
        try {
          if (!state.fresh) throw notFound('poll', `There is no poll with id ${command.poll.id}.`);
          command.poll = state.fresh;
          if (command.kind === 'cast') command.ballot = parseBallot(state.fresh, command.body);
        } catch (error) {
          outcomes.set(pending, error as Error);
          continue;
        }
      }
      admitted.push(pending);
    }

    // Every new vote in one statement; a voter who has a current vote is left for the next step.
    const rows = new Map<Pending, PreparedCast>();
    for (const pending of admitted) {
      if (pending.command.kind === 'cast')
        rows.set(pending, this.#prepareCast(pending, pending.command, now));
    }
    let inserted = new Set<string>();
    if (rows.size > 0 && rows.size === admitted.length) {
      // Only casts (the common case): in one statement with their events, if every one is new.
      const written = await this.#writeNewVotes(trx, states, rows);
      if (written.complete) {
        for (const [pollId, head] of written.heads) if (learned.get(pollId)) learned.set(pollId, head);
        for (const [pending, prepared] of rows) outcomes.set(pending, castOutcome(prepared, false));
        return outcomes;
      }
      inserted = written.inserted;
    } else if (rows.size > 0) {
      const returned = await insertVotes(Array.from(rows.values(), (prepared) => prepared.row)).execute(trx);
      inserted = new Set(returned.rows.map((row) => row.id));
    }
    for (const [pending, prepared] of rows) {
      if (!inserted.has(prepared.row.id)) continue;
      states.get(pending.command.poll.id)!.events.push(prepared.event);
      outcomes.set(pending, castOutcome(prepared, false));
    }

    // Changes and withdrawals, one at a time in the order they came (they are the rare case).
    for (const pending of admitted) {
      const { command } = pending;
      const prepared = rows.get(pending);
      if (prepared && inserted.has(prepared.row.id)) continue;
      if (!command.poll.settings.allowVoteChange) {
        outcomes.set(
          pending,
          command.kind === 'cast'
            ? alreadyVoted()
            : conflict(
                'vote-change-not-allowed',
                'Votes cannot be changed',
                'This poll does not allow changing or withdrawing a vote.',
              ),
        );
        continue;
      }
      const state = states.get(command.poll.id)!;
      const retracted = await this.#retractCurrent(trx, pending, prepared?.row.id ?? null, now);
      if (!retracted) {
        outcomes.set(pending, notFound('vote', 'This voter has no vote in this poll to withdraw.'));
        continue;
      }
      state.events.push(retracted.event);
      if (prepared) {
        await trx.insertInto('votes').values(prepared.row).execute();
        state.events.push(prepared.event);
        outcomes.set(pending, castOutcome(prepared, true));
      } else {
        outcomes.set(pending, { kind: 'retract', voteId: retracted.voteId });
      }
    }

    const heads = await this.#appendEvents(trx, states);
    for (const [pollId, head] of heads) if (learned.get(pollId)) learned.set(pollId, head);
    return outcomes;
  }

  /**
   * A batch of new votes in one statement: the votes, and only if every one of them was inserted
   * (no voter had a vote already), their events, the stream heads and the log heads, and the
   * NOTIFY. Otherwise the inserted votes stay, nothing else is written, and the caller goes on
   * from them.
   */
  async #writeNewVotes(
    trx: Kysely<PollsTables>,
    states: Map<string, PollState>,
    rows: Map<Pending, PreparedCast>,
  ): Promise<
    { complete: true; heads: Map<string, StreamHead> } | { complete: false; inserted: Set<string> }
  > {
    const byPoll = new Map<string, CloudEvent[]>();
    for (const [pending, prepared] of rows) {
      const pollId = pending.command.poll.id;
      const events = byPoll.get(pollId);
      if (events) events.push(prepared.event);
      else byPoll.set(pollId, [prepared.event]);
    }
    const write = streamWrite(
      [...byPoll].map(([pollId, events]) => ({ pollId, from: states.get(pollId)!.head, events })),
      sql<boolean>`(select every from ok)`,
    )!;
    const result = await sql<{ inserted: string[]; every: boolean }>`/* prepared */ with inserted as (
        ${insertVotes(Array.from(rows.values(), (prepared) => prepared.row))}
      ), ok as (select count(*) = ${rows.size} as every from inserted), ${write.ctes}
      select array(select id from inserted) as inserted, every,
        case when not every then null when ${write.complete} then ${write.notify}
          else canvass_fail('${sql.raw(LOG_HEAD_MISSING)}', 'a log partition has no head row') end as notified
      from ok`.execute(trx);
    const { inserted, every } = result.rows[0]!;
    return every ? { complete: true, heads: write.heads } : { complete: false, inserted: new Set(inserted) };
  }

  #prepareCast(pending: Pending, command: Extract<VoteCommand, { kind: 'cast' }>, now: Date): PreparedCast {
    const { poll, ballot } = command;
    // Random, not time-ordered as event ids are: an open-text answer's vote id is shown with the
    // public results, where a time in it would tell when each answer was cast.
    const voteId = newId();
    const receiptId = newSignedToken(this.#options.secret, 'receipt', poll.id);
    const receiptHash = sha256(receiptId);
    // An operator finds a vote's trace by its receipt (hashed: the receipt is the voter's secret).
    pending.span?.setAttribute('canvass.vote.receipt_hash', receiptHash);
    const segment = command.body.segment ?? null;
    const event = createEvent(VoteCastV3, {
      source: '/polls',
      subject: poll.id,
      partitionkey: poll.id,
      ...(pending.traceparent ? { traceparent: pending.traceparent } : {}),
      data: { pollId: poll.id, voteId, ...ballot, segment, receiptHash, castAt: now.toISOString() },
    });
    const row: VoteRow = {
      id: voteId,
      poll_id: poll.id,
      voter_hash: command.voterHash,
      option_ids: ballot.optionIds,
      rating: ballot.rating,
      text: ballot.text,
      segment,
      receipt_hash: receiptHash,
      event_id: event.id,
      moderation: poll.type === 'open_text' ? (poll.settings.moderation ? 'pending' : 'approved') : null,
      cast_at: now,
    };
    return { row, event, receiptId };
  }

  async #retractCurrent(
    trx: Kysely<PollsTables>,
    { command, traceparent }: Pending,
    replacedBy: string | null,
    now: Date,
  ) {
    const old = await trx
      .updateTable('votes')
      .set({ retracted_at: now, replaced_by: replacedBy })
      .where('poll_id', '=', command.poll.id)
      .where('voter_hash', '=', command.voterHash)
      .where('retracted_at', 'is', null)
      .returning(['id', 'option_ids', 'rating', 'text', 'segment', 'cast_at', 'moderation'])
      .executeTakeFirst();
    if (!old) return undefined;
    const event = createEvent(VoteRetractedV1, {
      source: '/polls',
      subject: command.poll.id,
      partitionkey: command.poll.id,
      ...(traceparent ? { traceparent } : {}),
      data: {
        pollId: command.poll.id,
        voteId: old.id,
        optionIds: old.option_ids,
        rating: old.rating,
        text: old.text,
        segment: old.segment,
        castAt: new Date(old.cast_at).toISOString(),
        approved: old.moderation === 'approved',
        retractedAt: now.toISOString(),
      },
    });
    return { voteId: old.id, event };
  }

  /**
   * Every poll's new events onto its stream, which is the log the relay publishes: one statement.
   * Returns the heads it leaves.
   */
  async #appendEvents(trx: Kysely<PollsTables>, states: Map<string, PollState>) {
    const appends = [...states].map(([pollId, state]) => ({
      pollId,
      from: state.head,
      events: state.events,
    }));
    return (await writeStreams(trx, appends)).heads;
  }
}
