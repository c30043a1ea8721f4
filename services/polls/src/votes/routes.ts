import { VoteCastV2 } from '@canvass/contracts';
import { createEvent } from '@canvass/eventing';
import { conflict, HttpProblem, newId, notFound, type ServiceContext, sha256 } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import Type, { type Static } from 'typebox';
import { findPoll } from '../polls/poll-store.ts';
import { PollIdParams } from '../polls/schemas.ts';
import { recordPollEvents } from '../streams/record.ts';
import type { PollsTables } from '../tables.ts';

const CastVoteBody = Type.Object(
  {
    optionIds: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      minItems: 1,
      maxItems: 50,
      uniqueItems: true,
    }),
    segment: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'A label to break results down by, e.g. the embed source.',
      }),
    ),
  },
  { additionalProperties: false },
);
const VoterHeaders = Type.Object({
  'voter-token': Type.String({
    minLength: 8,
    maxLength: 200,
    description: 'A random token the client keeps; one vote per token per poll.',
  }),
});

export function voteRoutes(app: FastifyInstance, { db, outbox }: ServiceContext): void {
  const kysely = db.kysely as Kysely<PollsTables>;

  app.post<{
    Params: { pollId: string };
    Body: Static<typeof CastVoteBody>;
    Headers: Static<typeof VoterHeaders>;
  }>(
    '/api/v1/polls/:pollId/votes',
    {
      schema: { params: PollIdParams, body: CastVoteBody, headers: VoterHeaders },
    },
    async (request, reply) => {
      const { pollId } = request.params;
      const poll = await findPoll(kysely, pollId);
      if (!poll) throw notFound('poll', `There is no poll with id ${pollId}.`);
      if (poll.status !== 'open') {
        throw conflict('poll-not-open', 'This poll is not open for voting', `The poll is ${poll.status}.`);
      }
      const { optionIds } = request.body;
      if (poll.type === 'single_choice' && optionIds.length !== 1) {
        throw new HttpProblem(
          422,
          'wrong-number-of-options',
          'Choose exactly one option',
          'This poll takes one option.',
        );
      }
      const known = new Set(poll.options.map((option) => option.id));
      const unknown = optionIds.filter((id) => !known.has(id));
      if (unknown.length > 0) {
        throw new HttpProblem(
          422,
          'unknown-option',
          'No such option',
          `This poll has no option ${unknown.join(', ')}.`,
          {
            errors: unknown.map((id) => ({
              in: 'body',
              field: '/optionIds',
              message: `unknown option id ${id}`,
            })),
          },
        );
      }
      const voteId = newId();
      const castAt = new Date();
      const segment = request.body.segment ?? null;
      const event = createEvent(VoteCastV2, {
        source: '/polls',
        subject: pollId,
        partitionkey: pollId,
        data: { pollId, voteId, optionIds, segment, castAt: castAt.toISOString() },
      });
      const inserted = await kysely.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('votes')
          .values({
            id: voteId,
            poll_id: pollId,
            voter_hash: sha256(`${pollId}:${request.headers['voter-token']}`),
            option_ids: optionIds,
            segment,
            cast_at: castAt,
          })
          .onConflict((oc) => oc.columns(['poll_id', 'voter_hash']).doNothing())
          .returning('id')
          .executeTakeFirst();
        if (row) await recordPollEvents(trx, outbox, pollId, [event]);
        return row !== undefined;
      });
      if (!inserted)
        throw conflict('already-voted', 'You have already voted', 'This voter token has voted in this poll.');
      return reply.code(201).send({ receiptId: voteId });
    },
  );
}
