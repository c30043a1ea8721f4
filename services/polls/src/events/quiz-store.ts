// Quiz standings (docs/events.md): each player's points and right answers over an event's quiz
// questions, ranked (equal points share a rank, as in sport: 1, 2, 2, 4).
import type { Leaderboard } from '@canvass/contracts';
import { type Kysely, sql } from 'kysely';
import type { PollsTables } from '../tables.ts';

export const LEADERBOARD_SIZE = 10;

/** Points for an answer: nothing when wrong; 500 to 1000 when right, the quicker the more. */
export function pointsFor(correct: boolean, elapsedMs: number, seconds: number): number {
  if (!correct) return 0;
  const share = Math.min(1, Math.max(0, elapsedMs / (seconds * 1000)));
  return Math.round(500 + 500 * (1 - share));
}

interface Standing {
  player_hash: string;
  nickname: string;
  points: number;
  correct: number;
  rank: number;
}

/** Every player's standing (rank by points; a player who has not answered yet has 0). */
async function standings(db: Kysely<PollsTables>, eventId: string, limit?: number, player?: string) {
  const rows = await sql<Standing>`
    select * from (
      select p.player_hash, p.nickname,
        coalesce(sum(a.points), 0)::int as points,
        count(*) filter (where a.correct)::int as correct,
        rank() over (order by coalesce(sum(a.points), 0) desc)::int as rank,
        min(p.joined_at) as joined_at
      from quiz_players p
      -- Only questions whose time is up count: a running question's answers say nothing yet.
      left join (
        select qa.* from quiz_answers qa
        join event_polls ep on ep.event_id = qa.event_id and ep.poll_id = qa.poll_id
        where qa.event_id = ${eventId}
          and ep.started_at + ep.seconds * interval '1 second' <= now()
      ) a on a.player_hash = p.player_hash
      where p.event_id = ${eventId}
      group by p.player_hash, p.nickname
    ) standings
    ${player ? sql`where player_hash = ${player}` : sql``}
    order by rank, joined_at
    ${limit ? sql`limit ${limit}` : sql``}`.execute(db);
  return rows.rows;
}

export async function leaderboardOf(
  db: Kysely<PollsTables>,
  eventId: string,
  options: { final: boolean },
): Promise<Leaderboard> {
  const [top, count] = await Promise.all([
    standings(db, eventId, LEADERBOARD_SIZE),
    db
      .selectFrom('quiz_players')
      .select((eb) => eb.fn.countAll<number>().as('players'))
      .where('event_id', '=', eventId)
      .executeTakeFirstOrThrow(),
  ]);
  return {
    players: Number(count.players),
    final: options.final,
    top: top.map((row) => ({
      rank: row.rank,
      nickname: row.nickname,
      points: row.points,
      correct: row.correct,
    })),
  };
}

export async function standingOf(db: Kysely<PollsTables>, eventId: string, player: string) {
  return (await standings(db, eventId, undefined, player))[0];
}
