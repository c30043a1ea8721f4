// Applies a batch of polls events to the results read model. Votes become deltas in memory first,
// so a batch costs one multi-row upsert per table (results, options, minutes, segments, terms),
// however many votes and polls it holds; retractions subtract exactly what the retracted ballot added. Lifecycle
// events (created, edited, opened, closed) and open-text answers are applied one by one, in order.
import type { CloudEvent, PollSettings } from '@canvass/contracts';
import { columnOf as col } from '@canvass/database';
import { type Kysely, sql } from 'kysely';
import type { AnalyticsTables } from '../tables.ts';
import { loadSegmentBuckets, SegmentBuckets } from './segments.ts';
import { termsOf } from './terms.ts';

type Data = Record<string, unknown>;

interface BallotData {
  pollId: string;
  voteId: string;
  optionIds: string[];
  rating: number | null;
  text: string | null;
  segment: string | null;
  castAt: string;
}

interface PollFacts {
  type: string | null;
  settings: PollSettings | null;
}

const add = <K>(map: Map<K, number>, key: K, by: number) => map.set(key, (map.get(key) ?? 0) + by);
const inner = <K, V>(map: Map<string, Map<K, V>>, key: string) => {
  const found = map.get(key) ?? new Map<K, V>();
  map.set(key, found);
  return found;
};
const minuteOf = (iso: string) => {
  const at = new Date(iso);
  at.setUTCSeconds(0, 0);
  return at.toISOString();
};

/** What each ballot adds to (sign 1) or takes from (sign -1) the tallies, per poll. */
export class TallyDeltas {
  readonly ballots = new Map<string, number>();
  /** poll → option id (or rating value) → votes and points. */
  readonly options = new Map<string, Map<string, { votes: number; points: number }>>();
  readonly minutes = new Map<string, Map<string, number>>();
  /** poll → `segment\u0000optionId` (optionId '' counts ballots) → votes; segments as bucketed. */
  readonly segments = new Map<string, Map<string, number>>();
  readonly terms = new Map<string, Map<string, number>>();

  /**
   * poll → counter key ('' ballots, `v:<key>` votes, `p:<key>` points) → what ballots added and
   * took away, apart: a region's grow-only counters (docs/regions.md). Kept only with a region.
   */
  readonly grown: Map<string, Map<string, { cast: number; retracted: number }>> | undefined;

  /** Which breakdown row each ballot's segment counts in (see segments.ts). */
  readonly buckets: SegmentBuckets;

  constructor(buckets = new SegmentBuckets(), options: { grow?: boolean } = {}) {
    this.buckets = buckets;
    this.grown = options.grow ? new Map() : undefined;
  }

  #grow(pollId: string, key: string, by: number, sign: 1 | -1): void {
    if (!this.grown || by === 0) return;
    const counters = inner(this.grown, pollId);
    const current = counters.get(key) ?? { cast: 0, retracted: 0 };
    if (sign === 1) current.cast += by;
    else current.retracted += by;
    counters.set(key, current);
  }

  count(ballot: BallotData, type: string | null, sign: 1 | -1): void {
    const { pollId } = ballot;
    add(this.ballots, pollId, sign);
    this.#grow(pollId, '', 1, sign);
    add(inner(this.minutes, pollId), minuteOf(ballot.castAt), sign);
    const segments = inner(this.segments, pollId);
    const segment = this.buckets.bucket(pollId, ballot.segment);
    add(segments, `${segment}\u0000`, sign);
    const options = inner(this.options, pollId);
    const bump = (key: string, votes: number, points: number) => {
      const current = options.get(key) ?? { votes: 0, points: 0 };
      options.set(key, { votes: current.votes + votes * sign, points: current.points + points * sign });
      this.#grow(pollId, `v:${key}`, votes, sign);
      this.#grow(pollId, `p:${key}`, points, sign);
      if (votes !== 0) add(segments, `${segment}\u0000${key}`, votes * sign);
    };
    if (ballot.rating !== null) bump(String(ballot.rating), 1, 0);
    else if (type === 'ranking') {
      const last = ballot.optionIds.length - 1;
      for (const [place, id] of ballot.optionIds.entries()) bump(id, place === 0 ? 1 : 0, last - place);
    } else for (const id of ballot.optionIds) bump(id, 1, 0);
  }

  /** Drops what this batch counted for a poll (deleted in the same batch). */
  forget(pollId: string): void {
    for (const map of [this.ballots, this.options, this.minutes, this.segments, this.terms, this.grown])
      map?.delete(pollId);
  }

  countTerms(pollId: string, text: string, sign: 1 | -1): void {
    const terms = inner(this.terms, pollId);
    for (const term of termsOf(text)) add(terms, term, sign);
  }
}

/** Every row a poll has in the read model, removed when it is deleted. */
const POLL_TABLES = [
  'poll_results',
  'option_tallies',
  'vote_minutes',
  'segment_tallies',
  'text_answers',
  'term_counts',
  'result_sequences',
  'region_counters',
  'region_pending',
] as const;

/**
 * Applies the events; returns the ids of the polls whose results changed. With `region`, the
 * region's grow-only counters move too, and the polls they moved in wait to be sent to its peers.
 */
export async function applyPollsEvents(
  trx: Kysely<AnalyticsTables>,
  events: readonly CloudEvent[],
  options: { region?: string | undefined } = {},
): Promise<Set<string>> {
  const touched = new Set<string>();
  const deleted = new Set<string>();
  const facts = await loadFacts(trx, events);
  const deltas = new TallyDeltas(await loadSegmentBuckets(trx, events), {
    grow: options.region !== undefined,
  });
  for (const event of events) {
    const data = event.data as Data;
    const pollId = data.pollId as string;
    touched.add(pollId);
    switch (event.type) {
      case 'polls.poll.created.v2':
        facts.set(pollId, { type: data.type as string, settings: data.settings as PollSettings });
        await projectCreated(trx, data);
        break;
      case 'polls.poll.claimed.v1':
        await updatePoll(trx, pollId, { workspace_id: data.workspaceId as string });
        break;
      case 'polls.poll.updated.v1':
        await projectUpdated(trx, data, facts);
        break;
      case 'polls.poll.opened.v1':
        await updatePoll(trx, pollId, { status: 'open' });
        break;
      case 'polls.poll.closed.v1':
        await updatePoll(trx, pollId, {
          status: 'closed',
          final: JSON.stringify({ closedAt: data.closedAt, finalHead: data.finalHead, totals: data.totals }),
        });
        break;
      case 'polls.vote.cast.v3': {
        const ballot = data as unknown as BallotData;
        const poll = facts.get(pollId);
        deltas.count(ballot, poll?.type ?? null, 1);
        // Without moderation an answer shows at once; with it (or unknown settings), once approved.
        if (ballot.text !== null && poll?.settings?.moderation === false)
          await showAnswer(trx, deltas, pollId, ballot.voteId, ballot.text);
        break;
      }
      case 'polls.vote.retracted.v1': {
        const ballot = data as unknown as BallotData;
        deltas.count(ballot, facts.get(pollId)?.type ?? null, -1);
        if (ballot.text !== null) await hideAnswer(trx, deltas, pollId, ballot.voteId, ballot.text);
        break;
      }
      case 'polls.poll.deleted.v1':
        // Its last event: everything counted of it goes, this batch's changes included.
        deltas.forget(pollId);
        deleted.add(pollId);
        for (const table of POLL_TABLES)
          await sql`delete from ${sql.table(table)} where poll_id = ${pollId}`.execute(trx);
        break;
      case 'polls.answer.moderated.v1':
        if (data.decision === 'approved')
          await showAnswer(trx, deltas, pollId, data.voteId as string, data.text as string);
        else await hideAnswer(trx, deltas, pollId, data.voteId as string, data.text as string);
        break;
      default:
        throw new Error(`analytics cannot apply ${event.type}`);
    }
  }
  for (const pollId of deleted) touched.delete(pollId);
  await writeDeltas(trx, deltas, touched);
  if (options.region !== undefined && deltas.grown) await writeGrown(trx, options.region, deltas.grown);
  return touched;
}

async function loadFacts(trx: Kysely<AnalyticsTables>, events: readonly CloudEvent[]) {
  const pollIds = [...new Set(events.map((event) => (event.data as Data).pollId as string))];
  const rows = pollIds.length
    ? (
        await sql<{ poll_id: string; type: string | null; settings: PollSettings | null }>`/* prepared */
          select poll_id, type, settings from poll_results where poll_id = any(${pollIds}::text[])`.execute(
          trx,
        )
      ).rows
    : [];
  return new Map<string, PollFacts>(
    rows.map((row) => [row.poll_id, { type: row.type, settings: row.settings }]),
  );
}

async function updatePoll(trx: Kysely<AnalyticsTables>, pollId: string, set: Record<string, unknown>) {
  await trx
    .insertInto('poll_results')
    .values({ poll_id: pollId, ...set } as never)
    .onConflict((oc) => oc.column('poll_id').doUpdateSet(set as never))
    .execute();
}

/** The rows a poll's options (or rating scale) show in, with zero votes until votes come. */
function optionRows(data: Data): { id: string; label: string }[] {
  const settings = data.settings as PollSettings;
  if (data.type === 'rating' || data.type === 'nps') {
    const rows = [];
    for (let value = settings.scaleMin; value <= settings.scaleMax; value++)
      rows.push({ id: String(value), label: String(value) });
    return rows;
  }
  return data.options as { id: string; label: string }[];
}

async function projectOptions(
  trx: Kysely<AnalyticsTables>,
  pollId: string,
  options: { id: string; label: string }[],
) {
  for (const [position, option] of options.entries()) {
    await trx
      .insertInto('option_tallies')
      .values({ poll_id: pollId, option_id: option.id, position, label: option.label })
      .onConflict((oc) => oc.columns(['poll_id', 'option_id']).doUpdateSet({ position, label: option.label }))
      .execute();
  }
}

async function projectCreated(trx: Kysely<AnalyticsTables>, data: Data) {
  const pollId = data.pollId as string;
  await updatePoll(trx, pollId, {
    question: data.question as string,
    type: data.type as string,
    status: data.status as string,
    workspace_id: data.workspaceId as string | null,
    settings: JSON.stringify(data.settings),
  });
  await projectOptions(trx, pollId, optionRows(data));
}

async function projectUpdated(trx: Kysely<AnalyticsTables>, data: Data, facts: Map<string, PollFacts>) {
  const pollId = data.pollId as string;
  const changes = data.changes as Data;
  const set: Record<string, unknown> = { status: data.status };
  if ('question' in changes) set.question = changes.question;
  if ('settings' in changes) {
    set.settings = JSON.stringify(changes.settings);
    const known = facts.get(pollId);
    facts.set(pollId, { type: known?.type ?? null, settings: changes.settings as PollSettings });
  }
  await updatePoll(trx, pollId, set);
  const type = facts.get(pollId)?.type;
  if ('options' in changes || ('settings' in changes && (type === 'rating' || type === 'nps'))) {
    // Options change only while a poll has no votes, so their rows can simply be replaced.
    const options = optionRows({
      ...changes,
      type,
      settings: facts.get(pollId)?.settings,
      options: changes.options,
    });
    await trx.deleteFrom('option_tallies').where('poll_id', '=', pollId).execute();
    await projectOptions(trx, pollId, options);
  }
}

async function showAnswer(
  trx: Kysely<AnalyticsTables>,
  deltas: TallyDeltas,
  pollId: string,
  voteId: string,
  text: string,
) {
  const shown = await trx
    .insertInto('text_answers')
    .values({ poll_id: pollId, vote_id: voteId, text, approved_at: new Date() })
    .onConflict((oc) => oc.columns(['poll_id', 'vote_id']).doNothing())
    .returning('vote_id')
    .executeTakeFirst();
  if (shown) deltas.countTerms(pollId, text, 1);
}

async function hideAnswer(
  trx: Kysely<AnalyticsTables>,
  deltas: TallyDeltas,
  pollId: string,
  voteId: string,
  text: string,
) {
  const hidden = await trx
    .deleteFrom('text_answers')
    .where('poll_id', '=', pollId)
    .where('vote_id', '=', voteId)
    .returning('vote_id')
    .executeTakeFirst();
  if (hidden) deltas.countTerms(pollId, text, -1);
}

/** Rows in key order: concurrent batches then lock shared rows in the same order (no deadlocks). */
function sorted<T>(rows: T[], key: (row: T) => string): T[] {
  return rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * One statement for the whole batch, however many polls, options, minutes and terms it touched: a
 * multi-row upsert per table (each its own common table expression; an empty one writes nothing),
 * and each touched poll's results sequence moved on. Fixed text, so it runs prepared.
 */
async function writeDeltas(trx: Kysely<AnalyticsTables>, deltas: TallyDeltas, touched: ReadonlySet<string>) {
  const ballots = sorted(
    [...deltas.ballots]
      .filter(([, count]) => count !== 0)
      .map(([poll_id, total_votes]) => ({ poll_id, total_votes })),
    (row) => row.poll_id,
  );
  const ballotsSql = sql`insert into poll_results (poll_id, total_votes)
      select * from unnest(${col(ballots, 'poll_id')}::text[], ${col(ballots, 'total_votes')}::bigint[])
      on conflict (poll_id) do update
        set total_votes = poll_results.total_votes + excluded.total_votes, updated_at = now()`;
  const options = sorted(
    [...deltas.options].flatMap(([poll_id, perOption]) =>
      [...perOption]
        .filter(([, delta]) => delta.votes !== 0 || delta.points !== 0)
        .map(([option_id, delta]) => ({ poll_id, option_id, votes: delta.votes, points: delta.points })),
    ),
    (row) => `${row.poll_id}\u0000${row.option_id}`,
  );
  const optionsSql = sql`insert into option_tallies (poll_id, option_id, votes, points)
      select * from unnest(${col(options, 'poll_id')}::text[], ${col(options, 'option_id')}::text[],
        ${col(options, 'votes')}::bigint[], ${col(options, 'points')}::bigint[])
      on conflict (poll_id, option_id) do update
        set votes = option_tallies.votes + excluded.votes, points = option_tallies.points + excluded.points`;
  const minutes = sorted(
    [...deltas.minutes].flatMap(([poll_id, perMinute]) =>
      [...perMinute]
        .filter(([, votes]) => votes !== 0)
        .map(([minute, votes]) => ({ poll_id, minute, votes })),
    ),
    (row) => `${row.poll_id}\u0000${row.minute}`,
  );
  const minutesSql = sql`insert into vote_minutes (poll_id, minute, votes)
      select * from unnest(${col(minutes, 'poll_id')}::text[],
        ${minutes.map((row) => new Date(row.minute).toISOString())}::timestamptz[], ${col(minutes, 'votes')}::bigint[])
      on conflict (poll_id, minute) do update set votes = vote_minutes.votes + excluded.votes`;
  const segments = sorted(
    [...deltas.segments].flatMap(([poll_id, perKey]) =>
      [...perKey]
        .map(([key, votes]) => {
          const [segment = '', option_id = ''] = key.split('\u0000');
          return { poll_id, segment, option_id, votes };
        })
        // A segment admitted in this batch keeps its row even at zero: the row is its admission.
        .filter(
          (row) =>
            row.votes !== 0 || (row.option_id === '' && deltas.buckets.admittedHere(poll_id, row.segment)),
        ),
    ),
    (row) => `${row.poll_id}\u0000${row.segment}\u0000${row.option_id}`,
  );
  const segmentsSql = sql`insert into segment_tallies (poll_id, segment, option_id, votes)
      select * from unnest(${col(segments, 'poll_id')}::text[], ${col(segments, 'segment')}::text[],
        ${col(segments, 'option_id')}::text[], ${col(segments, 'votes')}::bigint[])
      on conflict (poll_id, segment, option_id) do update set votes = segment_tallies.votes + excluded.votes`;
  const terms = sorted(
    [...deltas.terms].flatMap(([poll_id, perTerm]) =>
      [...perTerm].filter(([, count]) => count !== 0).map(([term, count]) => ({ poll_id, term, count })),
    ),
    (row) => `${row.poll_id}\u0000${row.term}`,
  );
  const termsSql = sql`insert into term_counts (poll_id, term, count)
      select * from unnest(${col(terms, 'poll_id')}::text[], ${col(terms, 'term')}::text[],
        ${col(terms, 'count')}::bigint[])
      on conflict (poll_id, term) do update set count = term_counts.count + excluded.count`;
  // Every delta is of a touched poll (a deleted poll's are forgotten): none touched, none to write.
  if (touched.size === 0) return;
  await sql`/* prepared */ with results as (${ballotsSql}), options as (${optionsSql}), minutes as (${minutesSql}),
      segments as (${segmentsSql}), terms as (${termsSql})
    insert into result_sequences (poll_id, sequence)
    select unnest(${[...touched]}::text[]), 1
    on conflict (poll_id) do update set sequence = result_sequences.sequence + 1`.execute(trx);
}

/** This region's grow-only counters, and which polls' counters its peers have yet to hear. */
async function writeGrown(
  trx: Kysely<AnalyticsTables>,
  region: string,
  grown: NonNullable<TallyDeltas['grown']>,
) {
  const rows = sorted(
    [...grown].flatMap(([poll_id, counters]) =>
      [...counters].map(([key, { cast, retracted }]) => ({
        poll_id,
        region,
        key,
        casts: cast,
        retractions: retracted,
      })),
    ),
    (row) => `${row.poll_id}\u0000${row.key}`,
  );
  if (rows.length === 0) return;
  await trx
    .insertInto('region_counters')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['poll_id', 'region', 'key']).doUpdateSet({
        casts: sql`region_counters.casts + excluded.casts`,
        retractions: sql`region_counters.retractions + excluded.retractions`,
      }),
    )
    .execute();
  const polls = [...grown.keys()].sort().map((poll_id) => ({ poll_id }));
  await trx
    .insertInto('region_pending')
    .values(polls)
    .onConflict((oc) => oc.column('poll_id').doUpdateSet({ change: sql`region_pending.change + 1` }))
    .execute();
}
