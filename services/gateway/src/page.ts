// One call for the voting page's first paint: the poll and, when the caller may see them, its
// current results (through the results cache), fetched in parallel.
import { PollResults, PollView } from '@canvass/contracts';
import { HttpProblem, jsonResponse, problemResponses, type SecurityRequirements } from '@canvass/service-kit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { CachedAnswer } from './results-cache.ts';
import { bodyBuffer, type ForwardResponse, type Upstream } from './upstream.ts';

export interface PageDeps {
  polls: Upstream;
  /** The results answer for this request (cached for anonymous callers). */
  results(request: FastifyRequest, pollId: string, headers: Record<string, string>): Promise<CachedAnswer>;
  /** Admits the request like any other (identity, rate limits); the headers to forward. */
  admit(request: FastifyRequest, reply: FastifyReply): Promise<Record<string, string>>;
}

const json = async (body: ForwardResponse['body']) => JSON.parse((await bodyBuffer(body)).toString('utf8'));

const Page = Type.Object({
  poll: PollView,
  results: Type.Union([PollResults, Type.Null()]),
  resultsUnavailable: Type.Union(
    [Type.Object({ status: Type.Integer(), type: Type.String(), detail: Type.String() }), Type.Null()],
    { description: 'Why `results` is null: hidden from this caller (403), or not counted yet (404).' },
  ),
});

export function pageRoute(app: FastifyInstance, deps: PageDeps): void {
  app.get<{ Params: { pollId: string } }>(
    '/api/v1/polls/:pollId/page',
    {
      schema: {
        tags: ['Polls'],
        summary: 'A poll and its results, in one call',
        description:
          'What a voting page needs for its first paint: the poll as GET /api/v1/polls/{pollId} answers it and, when the caller may see them, its results as GET …/results answers them.',
        params: Type.Object({ pollId: Type.String({ minLength: 1, maxLength: 64 }) }),
        security: [{}, { bearer: [] }, { manageToken: [] }, { voteReceipt: [] }] as SecurityRequirements,
        response: {
          200: jsonResponse('The poll, and its results or why there are none.', Page),
          ...problemResponses(
            400,
            [404, 'No poll has this id.'],
            [410, 'The poll was deleted (`poll-deleted`).'],
          ),
        },
      },
    },
    async (request, reply) => {
      const { pollId } = request.params;
      const headers = await deps.admit(request, reply);
      const [poll, results] = await Promise.all([
        deps.polls.forward({ method: 'GET', url: `/api/v1/polls/${encodeURIComponent(pollId)}`, headers }),
        deps.results(request, pollId, headers),
      ]);
      const pollBody = (await json(poll.body)) as Record<string, unknown>;
      if (poll.status !== 200) {
        throw new HttpProblem(
          poll.status,
          String(pollBody.type ?? 'poll-not-found').replace(/^\/problems\//, ''),
          String(pollBody.title ?? 'Poll not found'),
          String(pollBody.detail ?? ''),
        );
      }
      const resultsBody = JSON.parse(results.body.toString('utf8')) as Record<string, unknown>;
      reply.header('cache-control', 'no-store');
      return {
        poll: pollBody,
        results: results.status === 200 ? resultsBody : null,
        // Why there are no results: hidden from this caller (403), or not counted yet (404).
        resultsUnavailable:
          results.status === 200
            ? null
            : {
                status: results.status,
                type: String(resultsBody.type ?? ''),
                detail: String(resultsBody.detail ?? ''),
              },
      };
    },
  );
}
