// A poll's results as clients see them (GET …/results, and every live update): tallies with
// percentages, type-specific figures (rating average, NPS, ranking points, open-text answers and
// terms), the per-minute series, the breakdown by segment, and the final chain head once closed.
import type { PollSettings } from '@canvass/contracts';
import { type Kysely, sql } from 'kysely';
import type { AnalyticsTables } from '../tables.ts';
import { OTHER_SEGMENT, OTHER_SEGMENT_LABEL } from './segments.ts';

export const percent = (part: number, whole: number) =>
  whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10;

/** Minutes of the series a results body carries (a day); older minutes stay in the table. */
const SERIES_MINUTES = 1440;
const RECENT_ANSWERS = 50;
const TOP_TERMS = 60;

export interface PollAccessFacts {
  pollId: string;
  status: string;
  workspaceId: string | null;
  settings: PollSettings | null;
}

export interface ResultsSnapshot {
  access: PollAccessFacts;
  body: Record<string, unknown>;
}

function npsOf(distribution: Map<number, number>, total: number) {
  let promoters = 0;
  let detractors = 0;
  for (const [value, votes] of distribution) {
    if (value >= 9) promoters += votes;
    else if (value <= 6) detractors += votes;
  }
  const passives = total - promoters - detractors;
  return {
    score: total === 0 ? 0 : Math.round(((promoters - detractors) / total) * 1000) / 10,
    promoters,
    passives,
    detractors,
  };
}

/** A poll's row with its tallies, minutes and segments, folded into one statement for many polls. */
interface FoldedPoll {
  poll_id: string;
  question: string | null;
  type: string | null;
  status: string | null;
  workspace_id: string | null;
  settings: PollSettings | null;
  total_votes: number | string;
  final: unknown;
  updated_at: Date | string;
  sequence: number | string | null;
  /** [option_id, label, votes, points], in position order. */
  options: [string, string | null, number, number][];
  /** [minute, votes], oldest first: the newest SERIES_MINUTES minutes that had votes. */
  minutes: [string, number][];
  /** [segment, option_id, votes]. */
  segments: [string, string, number][];
  /** An open-text poll's answers shown: the newest, the top terms, and how many in all. */
  open_text: {
    /** [vote_id, text], the most recently approved first. */
    recent: [string, string][];
    /** [term, count], the most used first. */
    terms: [string, number][];
    /** Counts come as JSON numbers (not bigint strings): they are built inside json_build_object. */
    shown: number;
  } | null;
}

/**
 * The results here; with `region` (several regions, docs/regions.md), the counts add every peer's
 * counters (what its ballots added less what its withdrawals took away).
 */
export async function readResults(
  db: Kysely<AnalyticsTables>,
  pollId: string,
  region?: string,
): Promise<ResultsSnapshot | undefined> {
  return (await readManyResults(db, [pollId], region)).get(pollId);
}

/**
 * Many polls' results in one statement (and one more with regions): the live publisher reads
 * every poll changed in an interval at once. One statement is also one snapshot: an open-text
 * poll's answers shown, their count and terms always agree with each other and with its total
 * (read by separate statements, an approval committed between them showed two answers counted
 * and one listed).
 */
export async function readManyResults(
  db: Kysely<AnalyticsTables>,
  pollIds: readonly string[],
  region?: string,
): Promise<Map<string, ResultsSnapshot>> {
  const found = new Map<string, ResultsSnapshot>();
  if (pollIds.length === 0) return found;
  const ids = [...new Set(pollIds)];
  const [folded, peers] = await Promise.all([
    sql<FoldedPoll>`
      select p.poll_id, p.question, p.type, p.status, p.workspace_id, p.settings, p.total_votes,
        p.final, p.updated_at, s.sequence,
        coalesce((select json_agg(json_build_array(o.option_id, o.label, o.votes, o.points) order by o.position)
          from option_tallies o where o.poll_id = p.poll_id and o.label is not null), '[]') as options,
        coalesce((select json_agg(json_build_array(m.minute, m.votes) order by m.minute)
          from (select minute, votes from vote_minutes where poll_id = p.poll_id and votes <> 0
            order by minute desc limit ${SERIES_MINUTES}) m), '[]') as minutes,
        coalesce((select json_agg(json_build_array(g.segment, g.option_id, g.votes))
          from segment_tallies g where g.poll_id = p.poll_id and g.votes <> 0), '[]') as segments,
        case when p.type = 'open_text' then json_build_object(
          'recent', coalesce((select json_agg(json_build_array(a.vote_id, a.text) order by a.approved_at desc)
            from (select vote_id, text, approved_at from text_answers where poll_id = p.poll_id
              order by approved_at desc limit ${RECENT_ANSWERS}) a), '[]'),
          'terms', coalesce((select json_agg(json_build_array(t.term, t.count) order by t.count desc, t.term)
            from (select term, count from term_counts where poll_id = p.poll_id and count > 0
              order by count desc, term limit ${TOP_TERMS}) t), '[]'),
          'shown', (select count(*) from text_answers where poll_id = p.poll_id)) end as open_text
      from poll_results p left join result_sequences s on s.poll_id = p.poll_id
      where p.poll_id = any(${ids}::text[]) and p.question is not null`.execute(db),
    region === undefined
      ? []
      : db
          .selectFrom('region_counters')
          .select(['poll_id', 'region', 'key', sql<string>`casts - retractions`.as('net')])
          .where('poll_id', 'in', ids)
          .where('region', '<>', region)
          .orderBy('region')
          .execute(),
  ]);
  const peersOf = Map.groupBy(peers, (row) => row.poll_id);
  for (const poll of folded.rows)
    found.set(poll.poll_id, resultsOf(poll, peersOf.get(poll.poll_id) ?? [], region));
  return found;
}

function resultsOf(
  poll: FoldedPoll,
  peers: readonly { region: string; key: string; net: string }[],
  region: string | undefined,
): ResultsSnapshot {
  const pollId = poll.poll_id;
  const options = poll.options.map(([option_id, label, votes, points]) => ({
    option_id,
    label,
    votes,
    points,
  }));
  const minutes = poll.minutes.map(([minute, votes]) => ({ minute, votes }));
  const segments = poll.segments.map(([segment, option_id, votes]) => ({ segment, option_id, votes }));
  const localVotes = Number(poll.total_votes);
  let totalVotes = localVotes;
  const byOption = new Map(options.map((option) => [option.option_id, option]));
  const regionVotes = new Map<string, number>();
  for (const row of peers) {
    const net = Number(row.net);
    const option = byOption.get(row.key.slice(2));
    if (row.key === '') {
      totalVotes += net;
      regionVotes.set(row.region, net);
    } else if (option && row.key.startsWith('v:')) option.votes = Number(option.votes) + net;
    else if (option && row.key.startsWith('p:')) option.points = Number(option.points) + net;
  }
  const type = poll.type ?? 'single_choice';
  const body: Record<string, unknown> = {
    pollId,
    question: poll.question,
    type,
    status: poll.status ?? 'open',
    totalVotes,
    options: options.map((option) => ({
      id: option.option_id,
      label: option.label ?? '',
      votes: Number(option.votes),
      percent: percent(Number(option.votes), totalVotes),
      ...(type === 'ranking' ? { points: Number(option.points) } : {}),
    })),
  };
  if (type === 'rating' || type === 'nps') {
    const distribution = new Map(options.map((option) => [Number(option.option_id), Number(option.votes)]));
    let sum = 0;
    for (const [value, votes] of distribution) sum += value * votes;
    body.rating = {
      average: totalVotes === 0 ? null : Math.round((sum / totalVotes) * 100) / 100,
      scaleMin: poll.settings?.scaleMin ?? 0,
      scaleMax: poll.settings?.scaleMax ?? 10,
    };
    if (type === 'nps') body.nps = npsOf(distribution, totalVotes);
  }
  if (type === 'open_text') {
    const { recent, terms, shown } = poll.open_text ?? { recent: [], terms: [], shown: 0 };
    body.answers = {
      shown,
      awaitingModeration: poll.settings?.moderation ? Math.max(0, localVotes - shown) : 0,
      recent: recent.map(([id, text]) => ({ id, text })),
      terms: terms.map(([term, count]) => ({ term, count })),
    };
  }
  body.series = minutes.map((row) => ({
    minute: new Date(row.minute).toISOString(),
    votes: Number(row.votes),
  }));
  const bySegment = new Map<string, { totalVotes: number; options: Map<string, number> }>();
  for (const row of segments) {
    const entry = bySegment.get(row.segment) ?? { totalVotes: 0, options: new Map() };
    if (row.option_id === '') entry.totalVotes = Number(row.votes);
    else entry.options.set(row.option_id, Number(row.votes));
    bySegment.set(row.segment, entry);
  }
  // Segments in name order, then the "other" row (segments past the cap, see segments.ts).
  const order = (segment: string) => (segment === OTHER_SEGMENT ? '\uffff' : segment);
  body.breakdown = [...bySegment]
    .filter(([, entry]) => entry.totalVotes > 0)
    .sort(([a], [b]) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0))
    .map(([segment, entry]) => ({
      segment: segment === '' ? null : segment === OTHER_SEGMENT ? OTHER_SEGMENT_LABEL : segment,
      totalVotes: entry.totalVotes,
      options: options.map((option) => {
        const votes = entry.options.get(option.option_id) ?? 0;
        return { id: option.option_id, votes, percent: percent(votes, entry.totalVotes) };
      }),
    }));
  if (region !== undefined && regionVotes.size > 0)
    body.regions = [
      { region, totalVotes: localVotes },
      ...[...regionVotes].map(([peer, votes]) => ({ region: peer, totalVotes: votes })),
    ];
  body.final = poll.final ?? null;
  body.sequence = Number(poll.sequence ?? 0);
  body.updatedAt = new Date(poll.updated_at).toISOString();
  return {
    access: {
      pollId,
      status: poll.status ?? 'open',
      workspaceId: poll.workspace_id,
      settings: poll.settings,
    },
    body,
  };
}
