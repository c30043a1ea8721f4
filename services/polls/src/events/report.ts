// An event's report (docs/events.md): participation and each poll's results, from the polls
// service's own votes, as JSON or CSV. Voters are not linked across polls (a voter's key is made
// per poll, so one poll's votes cannot be tied to another's), so participation is per poll and the
// event's reach is its most-answered poll.
import type { Kysely } from 'kysely';
import Type, { type Static } from 'typebox';
import { csvCell } from '../export/routes.ts';
import { countVotes } from '../polls/lifecycle.ts';
import { findPoll } from '../polls/poll-store.ts';
import type { PollsTables } from '../tables.ts';

export const EventReport = Type.Object({
  eventId: Type.String(),
  title: Type.String(),
  joinCode: Type.String(),
  generatedAt: Type.String({ format: 'date-time' }),
  participation: Type.Object({
    polls: Type.Integer({ description: 'Polls in the deck.' }),
    ballots: Type.Integer({ description: 'Current ballots in all of them.' }),
    mostVoters: Type.Integer({
      description: 'Ballots in the most-answered poll: the fewest people who took part.',
    }),
  }),
  polls: Type.Array(
    Type.Object({
      position: Type.Integer({ minimum: 1 }),
      id: Type.String(),
      question: Type.String(),
      type: Type.String(),
      status: Type.String(),
      ballots: Type.Integer(),
      /** Choices: votes per option (ranking: first places); scales: ballots per value; text: none. */
      answers: Type.Array(Type.Object({ answer: Type.String(), votes: Type.Integer() })),
    }),
  ),
});
export type EventReport = Static<typeof EventReport>;

export async function eventReport(
  db: Kysely<PollsTables>,
  event: { id: string; title: string; join_code: string },
): Promise<EventReport> {
  const deck = await db
    .selectFrom('event_polls')
    .select('poll_id')
    .where('event_id', '=', event.id)
    .orderBy('position')
    .execute();
  const polls: EventReport['polls'] = [];
  for (const [index, { poll_id }] of deck.entries()) {
    const poll = await findPoll(db, poll_id);
    if (!poll) continue;
    const { ballots, counts } = await countVotes(db, poll);
    const answers =
      poll.type === 'rating' || poll.type === 'nps'
        ? Object.entries(counts)
            .sort(([a], [b]) => Number(a) - Number(b))
            .map(([value, votes]) => ({ answer: value, votes }))
        : poll.type === 'open_text'
          ? []
          : poll.options.map((option) => ({ answer: option.label, votes: counts[option.id] ?? 0 }));
    polls.push({
      position: index + 1,
      id: poll.id,
      question: poll.question,
      type: poll.type,
      status: poll.status,
      ballots,
      answers,
    });
  }
  return {
    eventId: event.id,
    title: event.title,
    joinCode: event.join_code,
    generatedAt: new Date().toISOString(),
    participation: {
      polls: polls.length,
      ballots: polls.reduce((sum, poll) => sum + poll.ballots, 0),
      mostVoters: Math.max(0, ...polls.map((poll) => poll.ballots)),
    },
    polls,
  };
}

/** One row per poll and answer (a poll without answers, open text, gets one row). */
export function reportCsv(report: EventReport): string {
  const rows = [['position', 'question', 'type', 'status', 'ballots', 'answer', 'votes']];
  for (const poll of report.polls) {
    const head = [String(poll.position), poll.question, poll.type, poll.status, String(poll.ballots)];
    if (poll.answers.length === 0) rows.push([...head, '', '']);
    for (const answer of poll.answers) rows.push([...head, answer.answer, String(answer.votes)]);
  }
  return rows.map((row) => `${row.map(csvCell).join(',')}\r\n`).join('');
}
