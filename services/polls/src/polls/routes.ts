import { PollCreatedV1 } from '@canvass/contracts';
import { createEvent } from '@canvass/eventing';
import { newId, newSecret, notFound, type ServiceContext, sha256 } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { recordNewPoll } from '../streams/record.ts';
import type { PollsTables } from '../tables.ts';
import { findPoll, insertPoll, type StoredPoll, toPollView } from './poll-store.ts';
import { CreatePollBody, PollIdParams } from './schemas.ts';

export function pollRoutes(app: FastifyInstance, { db, outbox }: ServiceContext): void {
  const kysely = db.kysely as Kysely<PollsTables>;

  app.post<{ Body: CreatePollBody }>(
    '/api/v1/polls',
    { schema: { body: CreatePollBody } },
    async (request, reply) => {
      const body = request.body;
      const poll: StoredPoll = {
        id: newId(),
        workspaceId: null,
        question: body.question.trim(),
        type: body.type,
        status: body.status,
        options: body.options.map((option) => ({ id: newId(), label: option.label.trim() })),
        createdAt: new Date(),
      };
      const manageToken = newSecret();
      const event = createEvent(PollCreatedV1, {
        source: '/polls',
        subject: poll.id,
        partitionkey: poll.id,
        data: {
          pollId: poll.id,
          workspaceId: poll.workspaceId,
          question: poll.question,
          type: poll.type,
          status: poll.status,
          options: poll.options,
          createdAt: poll.createdAt.toISOString(),
        },
      });
      await kysely.transaction().execute(async (trx) => {
        await insertPoll(trx, poll, sha256(manageToken));
        await recordNewPoll(trx, outbox, poll.id, [event]);
      });
      return reply
        .code(201)
        .header('location', `/api/v1/polls/${poll.id}`)
        .send({ ...toPollView(poll), manageToken });
    },
  );

  app.get<{ Params: { pollId: string } }>(
    '/api/v1/polls/:pollId',
    { schema: { params: PollIdParams } },
    async (request) => {
      const poll = await findPoll(kysely, request.params.pollId);
      if (!poll) throw notFound('poll', `There is no poll with id ${request.params.pollId}.`);
      return toPollView(poll);
    },
  );
}
