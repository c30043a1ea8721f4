// A recount of a poll from its stream alone (polls' own fold, not analytics' code), and the same
// figures read from the results analytics serves: what every ordering test compares.
import type { Database } from '@canvass/database';
import { foldPollStream } from '@canvass/polls';
import { sql } from 'kysely';

export interface Figures {
  status: string;
  totalVotes: number;
  /** Per option id (or rating value): votes, and for ranking Borda points. */
  options: Record<string, { votes: number; points?: number }>;
  /** Open-text answers shown (approved, or not moderated), by vote id. */
  shown: string[];
}

export async function recount(pollsDb: Database, pollId: string): Promise<Figures> {
  const rows = await sql<{ event: never }>`
    select event from poll_events where poll_id = ${pollId} order by version`.execute(pollsDb.kysely);
  const { poll, votes } = foldPollStream(rows.rows.map((row) => row.event));
  const options: Figures['options'] = {};
  const bump = (id: string, votes: number, points = 0) => {
    const known = options[id] ?? { votes: 0, ...(poll.type === 'ranking' ? { points: 0 } : {}) };
    known.votes += votes;
    if (known.points !== undefined) known.points += points;
    options[id] = known;
  };
  if (poll.type === 'rating' || poll.type === 'nps') {
    for (let v = poll.settings!.scaleMin; v <= poll.settings!.scaleMax; v++) bump(String(v), 0);
  } else for (const option of poll.options) bump(option.id, 0);
  const shown: string[] = [];
  for (const [voteId, vote] of votes) {
    if (vote.rating !== null) bump(String(vote.rating), 1);
    else if (poll.type === 'ranking') {
      const last = vote.optionIds.length - 1;
      for (const [place, id] of vote.optionIds.entries()) bump(id, place === 0 ? 1 : 0, last - place);
    } else for (const id of vote.optionIds) bump(id, 1);
    if (vote.text !== null && vote.moderation === 'approved') shown.push(voteId);
  }
  return { status: poll.status, totalVotes: votes.size, options, shown: shown.sort() };
}

// biome-ignore lint/suspicious/noExplicitAny: a results body as served.
export function figuresOf(results: any): Figures {
  const options: Figures['options'] = {};
  for (const option of results.options as { id: string; votes: number; points?: number }[])
    options[option.id] = {
      votes: option.votes,
      ...(option.points !== undefined ? { points: option.points } : {}),
    };
  return {
    status: results.status,
    totalVotes: results.totalVotes,
    options,
    shown: ((results.answers?.recent ?? []) as { id: string }[]).map((a) => a.id).sort(),
  };
}
