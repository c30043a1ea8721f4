import { PollClaimedV1, PollCreatedV1 } from '@canvass/contracts';
import { createEvent } from '@canvass/eventing';
import {
  identityOf,
  newId,
  newSecret,
  notFound,
  requireScope,
  type ServiceContext,
  sha256,
} from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import Type, { type Static } from 'typebox';
import { recordNewPoll, recordPollEvents } from '../streams/record.ts';
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

const ClaimBody = Type.Object(
  { manageToken: Type.String({ minLength: 20, maxLength: 100 }) },
  { additionalProperties: false },
);

/** A guest who signs up later claims their poll into the workspace they are signed in to. */
export function claimRoute(app: FastifyInstance, { db, outbox, internalSecret }: ServiceContext): void {
  const kysely = db.kysely as Kysely<PollsTables>;
  app.post<{ Params: { pollId: string }; Body: Static<typeof ClaimBody> }>(
    '/api/v1/polls/:pollId/claim',
    { schema: { params: PollIdParams, body: ClaimBody } },
    async (request) => {
      const identity = requireScope(await identityOf(request, internalSecret), 'polls:write');
      const { pollId } = request.params;
      const claimedAt = new Date();
      const event = createEvent(PollClaimedV1, {
        source: '/polls',
        subject: pollId,
        partitionkey: pollId,
        workspace: identity.workspace,
        data: { pollId, workspaceId: identity.workspace, claimedAt: claimedAt.toISOString() },
      });
      const claimed = await kysely.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('polls')
          .set({ workspace_id: identity.workspace, manage_token_hash: null, updated_at: claimedAt })
          .where('id', '=', pollId)
          .where('workspace_id', 'is', null)
          .where('manage_token_hash', '=', sha256(request.body.manageToken))
          .returning('id')
          .executeTakeFirst();
        if (row) await recordPollEvents(trx, outbox, pollId, [event]);
        return row !== undefined;
      });
      // One answer for a wrong token, an unknown poll and a poll claimed already: no probing.
      if (!claimed)
        throw notFound('poll', 'No guest poll with that id and manage token is waiting to be claimed.');
      return { id: pollId, workspaceId: identity.workspace };
    },
  );
}
