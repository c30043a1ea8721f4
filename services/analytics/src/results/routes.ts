import { PollResults } from '@canvass/contracts';
import { jsonResponse, notFound, problemResponses, type ServiceContext } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import Type from 'typebox';
import type { AnalyticsTables } from '../tables.ts';
import { checkResultsAccess } from './access.ts';
import { readResults } from './view.ts';

const PollIdParams = Type.Object({ pollId: Type.String({ minLength: 1, maxLength: 64 }) });
const ResultsQuery = Type.Object({
  receipt: Type.Optional(Type.String({ maxLength: 100, description: 'Same as the Vote-Receipt header.' })),
  manageToken: Type.Optional(
    Type.String({ maxLength: 100, description: 'Same as the Manage-Token header.' }),
  ),
});

export function resultsRoutes(app: FastifyInstance, { db, internalSecret, region }: ServiceContext): void {
  const kysely = db.kysely as Kysely<AnalyticsTables>;

  app.get<{ Params: { pollId: string } }>(
    '/api/v1/polls/:pollId/results',
    {
      // Realtime asks it whether a viewer may watch, with the viewer's forwarded identity.
      config: { peers: ['gateway', 'realtime'] },
      schema: {
        tags: ['Results'],
        summary: 'A poll’s results',
        description:
          'Tallies with percentages, the figures of the poll type (rating average, NPS, ranking points, open-text answers and terms), votes per minute and the breakdown by segment. Who may see them follows the poll’s resultsVisibility: everyone (live, or after_close once closed), voters with their receipt (after_vote), organizers always.',
        params: PollIdParams,
        querystring: ResultsQuery,
        security: [{}, { bearer: [] }, { manageToken: [] }, { voteReceipt: [] }],
        response: {
          200: jsonResponse('The results now.', PollResults),
          ...problemResponses(
            400,
            [403, 'Not visible to this caller yet: `type` says why (after vote, after close, hidden).'],
            [404, 'No poll has this id (a poll created a moment ago shows up shortly).'],
          ),
        },
      },
    },
    async (request, reply) => {
      const { pollId } = request.params;
      const results = await readResults(kysely, pollId, region?.name);
      if (!results) {
        throw notFound(
          'poll',
          `There are no results for poll ${pollId}. A poll created a moment ago shows up shortly.`,
        );
      }
      await checkResultsAccess(request, results.access, internalSecret);
      reply.header('cache-control', 'no-store');
      return results.body;
    },
  );
}
