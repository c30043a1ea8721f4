// Open-text answers wait for an organizer's decision before they show (when the poll moderates).
import { AnswerModeratedV1 } from '@canvass/contracts';
import { createEvent } from '@canvass/eventing';
import { conflict, jsonResponse, notFound, type ServiceContext } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import Type, { type Static } from 'typebox';
import { authorizeOrganizer } from '../polls/organizer.ts';
import type { PollCache } from '../polls/poll-cache.ts';
import { decodePlainCursor } from '../polls/poll-cursor.ts';
import { ORGANIZER, organizerProblems } from '../polls/schemas.ts';
import { appendToStream } from '../streams/poll-stream.ts';
import type { PollsTables } from '../tables.ts';

const AnswersQuery = Type.Object({
  status: Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')], {
    default: 'pending',
  }),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  /** Paging: the `next` of the previous page. */
  after: Type.Optional(Type.String({ maxLength: 100 })),
});
const AnswerParams = Type.Object({
  pollId: Type.String({ minLength: 1, maxLength: 64 }),
  voteId: Type.String({ minLength: 1, maxLength: 64 }),
});
const DecisionBody = Type.Object(
  { decision: Type.Union([Type.Literal('approved'), Type.Literal('rejected')]) },
  { additionalProperties: false },
);
const Moderation = Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')]);
const AnswerPage = Type.Object({
  pollId: Type.String(),
  status: Moderation,
  answers: Type.Array(
    Type.Object({
      voteId: Type.String(),
      text: Type.Union([Type.String(), Type.Null()]),
      segment: Type.Union([Type.String(), Type.Null()]),
      castAt: Type.String({ format: 'date-time' }),
    }),
  ),
  next: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `after` for the next page.' }),
});
const NOT_TEXT: [number, string] = [404, 'No poll has this id, or it is not an open_text poll.'];

export function answerRoutes(app: FastifyInstance, context: ServiceContext, cache: PollCache): void {
  const kysely = context.db.kysely as Kysely<PollsTables>;

  async function organizedTextPoll(request: Parameters<typeof authorizeOrganizer>[0], pollId: string) {
    const poll = await cache.require(pollId);
    await authorizeOrganizer(request, poll, context.internalSecret);
    if (poll.type !== 'open_text')
      throw notFound('answers', 'Only open_text polls have answers to moderate.');
    return poll;
  }

  app.get<{ Params: { pollId: string }; Querystring: Static<typeof AnswersQuery> }>(
    '/api/v1/polls/:pollId/answers',
    {
      schema: {
        tags: ['Moderation'],
        summary: 'List open-text answers by moderation status',
        description: 'Oldest first, a page at a time.',
        params: Type.Pick(AnswerParams, ['pollId']),
        querystring: AnswersQuery,
        security: ORGANIZER,
        response: {
          200: jsonResponse('A page of answers.', AnswerPage),
          ...organizerProblems(
            [400, 'The query is not valid, or `after` is not a `next` from an earlier page.'],
            NOT_TEXT,
          ),
        },
      },
    },
    async (request) => {
      const poll = await organizedTextPoll(request, request.params.pollId);
      const { status, limit, after } = request.query;
      let query = kysely
        .selectFrom('votes')
        .select(['id', 'text', 'segment', 'cast_at'])
        .where('poll_id', '=', poll.id)
        .where('retracted_at', 'is', null)
        .where('moderation', '=', status)
        .orderBy('cast_at')
        .orderBy('id')
        .limit(limit);
      if (after) {
        const { at, id } = decodePlainCursor(after);
        query = query.where((eb) =>
          eb.or([eb('cast_at', '>', at), eb.and([eb('cast_at', '=', at), eb('id', '>', id)])]),
        );
      }
      const rows = await query.execute();
      const last = rows.at(-1);
      return {
        pollId: poll.id,
        status,
        answers: rows.map((row) => ({
          voteId: row.id,
          text: row.text,
          segment: row.segment,
          castAt: new Date(row.cast_at).toISOString(),
        })),
        next: rows.length === limit && last ? `${new Date(last.cast_at).toISOString()}~${last.id}` : null,
      };
    },
  );

  app.post<{ Params: Static<typeof AnswerParams>; Body: Static<typeof DecisionBody> }>(
    '/api/v1/polls/:pollId/answers/:voteId',
    {
      schema: {
        tags: ['Moderation'],
        summary: 'Approve or reject an open-text answer',
        description: 'An approved answer shows in the results and counts in the terms.',
        params: AnswerParams,
        body: DecisionBody,
        security: ORGANIZER,
        response: {
          200: jsonResponse(
            'Decided.',
            Type.Object({ voteId: Type.String(), text: Type.String(), moderation: Moderation }),
          ),
          ...organizerProblems(
            400,
            [404, 'No poll has this id, it is not an open_text poll, or it has no such answer.'],
            [409, 'The voter withdrew this answer.'],
          ),
        },
      },
    },
    async (request) => {
      const poll = await organizedTextPoll(request, request.params.pollId);
      const { decision } = request.body;
      return kysely.transaction().execute(async (trx) => {
        // Stream head first, as vote batches do: the same lock order, so the two never deadlock.
        await trx
          .selectFrom('poll_streams')
          .select('version')
          .where('poll_id', '=', poll.id)
          .forUpdate()
          .execute();
        const answer = await trx
          .selectFrom('votes')
          .select(['id', 'text', 'moderation', 'retracted_at'])
          .where('poll_id', '=', poll.id)
          .where('id', '=', request.params.voteId)
          .forUpdate()
          .executeTakeFirst();
        if (!answer?.text) throw notFound('answer', 'This poll has no answer with that id.');
        if (answer.retracted_at)
          throw conflict(
            'answer-withdrawn',
            'The voter withdrew this answer',
            'There is nothing left to moderate.',
          );
        if (answer.moderation !== decision) {
          await trx.updateTable('votes').set({ moderation: decision }).where('id', '=', answer.id).execute();
          const event = createEvent(AnswerModeratedV1, {
            source: '/polls',
            subject: poll.id,
            partitionkey: poll.id,
            data: {
              pollId: poll.id,
              voteId: answer.id,
              decision,
              text: answer.text,
              moderatedAt: new Date().toISOString(),
            },
          });
          await appendToStream(trx, poll.id, [event]);
        }
        return { voteId: answer.id, text: answer.text, moderation: decision };
      });
    },
  );
}
