import { notFound, type ServiceContext } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import Type from 'typebox';
import type { AnalyticsTables } from '../tables.ts';

const PollIdParams = Type.Object({ pollId: Type.String({ minLength: 1, maxLength: 64 }) });

const percent = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10);

export function resultsRoutes(app: FastifyInstance, { db }: ServiceContext): void {
  const kysely = db.kysely as Kysely<AnalyticsTables>;

  app.get<{ Params: { pollId: string } }>(
    '/api/v1/polls/:pollId/results',
    { schema: { params: PollIdParams } },
    async (request) => {
      const { pollId } = request.params;
      const poll = await kysely
        .selectFrom('poll_results')
        .selectAll()
        .where('poll_id', '=', pollId)
        .executeTakeFirst();
      if (!poll || poll.question === null) {
        throw notFound(
          'poll',
          `There are no results for poll ${pollId}. A poll created a moment ago shows up shortly.`,
        );
      }
      const options = await kysely
        .selectFrom('option_tallies')
        .select(['option_id', 'label', 'votes'])
        .where('poll_id', '=', pollId)
        .where('label', 'is not', null)
        .orderBy('position')
        .execute();
      const totalVotes = Number(poll.total_votes);
      return {
        pollId,
        question: poll.question,
        totalVotes,
        options: options.map((option) => ({
          id: option.option_id,
          label: option.label ?? '',
          votes: Number(option.votes),
          percent: percent(Number(option.votes), totalVotes),
        })),
        updatedAt: new Date(poll.updated_at).toISOString(),
      };
    },
  );
}
