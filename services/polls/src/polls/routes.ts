import { PollClaimedV1 } from '@canvass/contracts';
import { createEvent } from '@canvass/eventing';
import {
  HttpProblem,
  identityOf,
  jsonResponse,
  newId,
  newSignedToken,
  notFound,
  problemResponses,
  requireScope,
  type ServiceContext,
  sha256,
} from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import { type Kysely, sql } from 'kysely';
import Type, { type Static } from 'typebox';
import { appendToStream, startStream } from '../streams/poll-stream.ts';
import type { PollsTables } from '../tables.ts';
import type { Lifecycle } from './lifecycle.ts';
import { waitingStatus } from './lifecycle.ts';
import { assertRoomForOpenPoll } from './open-polls-quota.ts';
import { authorizeOrganizer, isOrganizer } from './organizer.ts';
import type { PollCache } from './poll-cache.ts';
import { decodeCursor, encodeCursor } from './poll-cursor.ts';
import {
  createdEvent,
  insertPoll,
  listWorkspacePolls,
  lockStreamHead,
  type StoredPoll,
  toPollView,
} from './poll-store.ts';
import {
  CreatePollBody,
  EditPollBody,
  ListPollsQuery,
  ORGANIZER,
  organizerProblems,
  PollHistory,
  PollIdParams,
  PollPage,
  PollView,
} from './schemas.ts';
import { checkDistinctOptions, checkPollShape, defaultSettings } from './settings.ts';

export interface PollRouteDeps {
  cache: PollCache;
  lifecycle: Lifecycle;
}

async function organizedPoll(
  request: Parameters<typeof authorizeOrganizer>[0] & { params: { pollId: string } },
  cache: PollCache,
  internalSecret: string | undefined,
) {
  const poll = await cache.require(request.params.pollId, { fresh: true });
  return { poll, by: await authorizeOrganizer(request, poll, internalSecret) };
}

export function pollRoutes(
  app: FastifyInstance,
  context: ServiceContext,
  { cache, lifecycle }: PollRouteDeps,
): void {
  const { db, internalSecret } = context;
  const kysely = db.kysely as Kysely<PollsTables>;

  app.post<{ Body: CreatePollBody }>(
    '/api/v1/polls',
    {
      schema: {
        tags: ['Polls'],
        summary: 'Create a poll',
        description:
          'Signed in, the poll belongs to your workspace (needs polls:write), and a poll created open counts against the plan’s open-polls quota. Without credentials it is a guest poll: the answer carries its `manageToken`, shown only once. A poll starts open unless `status` is draft or `opensAt` is later.',
        body: CreatePollBody,
        security: [{}, { bearer: [] }],
        response: {
          201: jsonResponse('The poll; `Location` names it.', PollView),
          ...problemResponses(
            [400, 'The body is not valid, or two options are the same (`duplicate-options`).'],
            401,
            [
              403,
              'Signed in without polls:write, or created open with the plan’s open polls all taken (`quota-exceeded`).',
            ],
            [422, 'Options, settings or schedule do not fit the poll type.'],
          ),
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const identity = await identityOf(request, internalSecret);
      // Signed in: the poll belongs to the caller's workspace. Otherwise a guest poll, managed
      // with the token handed out once here.
      const workspaceId = identity ? requireScope(identity, 'polls:write').workspace : null;
      const type = body.type ?? 'single_choice';
      const options = (body.options ?? []).map((option) => ({ id: newId(), label: option.label.trim() }));
      checkDistinctOptions(options);
      const settings = { ...defaultSettings(type, options.length), ...body.settings };
      const opensAt = body.opensAt ? new Date(body.opensAt) : null;
      const closesAt = body.closesAt ? new Date(body.closesAt) : null;
      const accessCode = body.accessCode ?? null;
      checkPollShape({ type, options, settings, accessCode, opensAt, closesAt });
      if (closesAt && closesAt.getTime() <= Date.now()) {
        throw new HttpProblem(
          422,
          'invalid-poll',
          'This poll cannot be set up that way',
          'closesAt is in the past.',
          {
            errors: [{ in: 'body', field: '/closesAt', message: 'is in the past' }],
          },
        );
      }
      const id = newId();
      const manageToken =
        workspaceId === null ? newSignedToken(internalSecret ?? '', 'manage', id) : undefined;
      const createdAt = new Date();
      const poll: StoredPoll = {
        id,
        workspaceId,
        question: body.question.trim(),
        type,
        // A guest poll starts open unless it is a draft or opens later.
        status: body.status === 'draft' || opensAt ? waitingStatus(opensAt) : 'open',
        options,
        settings,
        accessCode,
        opensAt,
        closesAt,
        createdAt,
        configVersion: 1,
        manageTokenHash: manageToken ? sha256(manageToken) : null,
        homeRegion: null,
      };
      const event = createdEvent(poll);
      await kysely.transaction().execute(async (trx) => {
        if (workspaceId !== null && poll.status === 'open')
          await assertRoomForOpenPoll(
            trx,
            workspaceId,
            'Close one of your open polls, or create this one as a draft',
          );
        await insertPoll(trx, poll);
        await startStream(trx, id, [event]);
      });
      return reply
        .code(201)
        .header('location', `/api/v1/polls/${id}`)
        .send({ ...toPollView(poll, { organizer: true }), ...(manageToken ? { manageToken } : {}) });
    },
  );

  app.get<{ Querystring: ListPollsQuery }>(
    '/api/v1/polls',
    {
      schema: {
        tags: ['Polls'],
        summary: 'List your workspace’s polls',
        description:
          'Newest first, a page at a time (pass `next` as `after`), optionally only those in one `status`. Guest polls belong to no workspace and are not listed. Access codes show to members with polls:write.',
        querystring: ListPollsQuery,
        security: [{ bearer: [] }],
        response: {
          200: jsonResponse('A page of polls.', PollPage),
          ...problemResponses(
            [400, 'The query is not valid, or `after` is not a `next` from an earlier page.'],
            401,
            [403, 'Signed in without polls:read.'],
          ),
        },
      },
    },
    async (request) => {
      const identity = requireScope(await identityOf(request, internalSecret), 'polls:read');
      const { status, limit, after } = request.query;
      const page = await listWorkspacePolls(kysely, {
        workspaceId: identity.workspace,
        limit,
        ...(status ? { status } : {}),
        ...(after ? { after: decodeCursor(after) } : {}),
      });
      const organizer = identity.scopes.includes('polls:write');
      return {
        polls: page.polls.map((poll) => toPollView(poll, { organizer })),
        next: page.next ? encodeCursor(page.next) : null,
      };
    },
  );

  app.get<{ Params: { pollId: string } }>(
    '/api/v1/polls/:pollId',
    {
      schema: {
        tags: ['Polls'],
        summary: 'Read a poll',
        description: 'What a voter needs. Organizers also see the access code.',
        params: PollIdParams,
        security: [{}, ...ORGANIZER],
        response: {
          200: jsonResponse('The poll.', PollView),
          ...problemResponses(
            400,
            [404, 'No poll has this id.'],
            [410, 'The poll was deleted (`poll-deleted`).'],
          ),
        },
      },
    },
    async (request) => {
      const poll = await cache.require(request.params.pollId);
      const organizer = poll.accessCode !== null && (await isOrganizer(request, poll, internalSecret));
      return toPollView(poll, { organizer });
    },
  );

  app.patch<{ Params: { pollId: string }; Body: EditPollBody }>(
    '/api/v1/polls/:pollId',
    {
      schema: {
        tags: ['Polls'],
        summary: 'Edit a poll',
        description:
          'Options and voting rules are frozen once votes exist; the question and results visibility may still change. Every change is kept in the poll’s history.',
        params: PollIdParams,
        body: EditPollBody,
        security: ORGANIZER,
        response: {
          200: jsonResponse('The poll as it is now.', PollView),
          ...organizerProblems(
            [400, 'The body is not valid, or two options are the same (`duplicate-options`).'],
            [409, 'The poll is closed, or has votes and the change touches its rules.'],
            [422, 'The change does not fit the poll type.'],
          ),
        },
      },
    },
    async (request) => {
      const { poll, by } = await organizedPoll(request, cache, internalSecret);
      return toPollView(await lifecycle.edit(poll, request.body, by), { organizer: true });
    },
  );

  for (const action of ['open', 'close'] as const) {
    app.post<{ Params: { pollId: string } }>(
      `/api/v1/polls/:pollId/${action}`,
      {
        schema: {
          tags: ['Polls'],
          summary: action === 'open' ? 'Open a poll for voting' : 'Close a poll',
          description:
            action === 'open'
              ? 'A draft or scheduled poll opens now, if the plan’s open-polls quota has room (403 `quota-exceeded` otherwise). Opening an open poll changes nothing.'
              : 'Voting stops; the final count and the head of the poll’s hash chain are published. Closing a closed poll changes nothing.',
          params: PollIdParams,
          security: ORGANIZER,
          response: {
            200: jsonResponse('The poll as it is now.', PollView),
            ...organizerProblems(
              400,
              ...(action === 'open'
                ? [
                    [
                      403,
                      'The manage token or the workspace is not this poll’s, polls:write is missing, or the plan’s open polls are all taken (`quota-exceeded`).',
                    ] as const,
                    [409, 'The poll is closed, or its closing time has passed.'] as const,
                  ]
                : []),
            ),
          },
        },
      },
      async (request) => {
        const { poll, by } = await organizedPoll(request, cache, internalSecret);
        return toPollView(await lifecycle[action](poll.id, by), { organizer: true });
      },
    );
  }

  app.delete<{ Params: { pollId: string } }>(
    '/api/v1/polls/:pollId',
    {
      schema: {
        tags: ['Polls'],
        summary: 'Delete a poll',
        description:
          'For everyone, whatever its status, and for good: its question, options, votes, voter keys, receipts, answers and results are erased, and its link answers 410 `poll-deleted`. Its hash-chained history goes too, once it has reached every consumer. A deleted poll does not count toward open polls; votes it took this month still count toward the plan’s votes.',
        params: PollIdParams,
        security: ORGANIZER,
        response: {
          204: Type.Null({ description: 'Deleted.' }),
          ...organizerProblems(400, [
            409,
            'The poll is a copy of a poll managed in another region (`poll-managed-in-another-region`).',
          ]),
        },
      },
    },
    async (request, reply) => {
      const { poll, by } = await organizedPoll(request, cache, internalSecret);
      await lifecycle.remove(poll.id, by);
      return reply.code(204).send();
    },
  );

  // The audit trail: every change to the poll itself (votes are left out), oldest first.
  app.get<{ Params: { pollId: string } }>(
    '/api/v1/polls/:pollId/history',
    {
      schema: {
        tags: ['Polls'],
        summary: 'A poll’s history',
        description: 'Every change to the poll itself (votes left out), oldest first, from its event stream.',
        params: PollIdParams,
        security: ORGANIZER,
        response: { 200: jsonResponse('The audit trail.', PollHistory), ...organizerProblems(400) },
      },
    },
    async (request) => {
      const { poll } = await organizedPoll(request, cache, internalSecret);
      const rows = await kysely
        .selectFrom('poll_events')
        .select(['version', 'type', 'event'])
        .where('poll_id', '=', poll.id)
        .where('type', 'not like', 'polls.vote.%')
        .orderBy('version')
        .execute();
      return {
        pollId: poll.id,
        entries: rows.map((row) => {
          const event = row.event as { time: string; data: Record<string, unknown> };
          return { version: row.version, type: row.type, at: event.time, data: event.data };
        }),
      };
    },
  );
}

const ClaimBody = Type.Object(
  { manageToken: Type.String({ minLength: 20, maxLength: 100 }) },
  { additionalProperties: false },
);

/** A guest who signs up later claims their poll into the workspace they are signed in to. */
export function claimRoute(
  app: FastifyInstance,
  { db, internalSecret }: ServiceContext,
  cache: PollCache,
): void {
  const kysely = db.kysely as Kysely<PollsTables>;
  app.post<{ Params: { pollId: string }; Body: Static<typeof ClaimBody> }>(
    '/api/v1/polls/:pollId/claim',
    {
      schema: {
        tags: ['Polls'],
        summary: 'Claim a guest poll into your workspace',
        description: 'For a guest who signed up later: the manage token proves the poll is theirs.',
        params: PollIdParams,
        body: ClaimBody,
        security: [{ bearer: [] }],
        response: {
          200: jsonResponse('Claimed.', Type.Object({ id: Type.String(), workspaceId: Type.String() })),
          ...problemResponses(
            400,
            401,
            [403, 'Without polls:write.'],
            [404, 'No guest poll with this id and manage token is waiting to be claimed.'],
          ),
        },
      },
    },
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
        await lockStreamHead(trx, pollId);
        const row = await trx
          .updateTable('polls')
          // A new configVersion: other regions' copies take the new workspace (docs/regions.md).
          .set({
            workspace_id: identity.workspace,
            manage_token_hash: null,
            updated_at: claimedAt,
            config_version: sql`config_version + 1`,
          })
          .where('id', '=', pollId)
          .where('workspace_id', 'is', null)
          .where('manage_token_hash', '=', sha256(request.body.manageToken))
          .returning('id')
          .executeTakeFirst();
        if (row) await appendToStream(trx, pollId, [event]);
        return row !== undefined;
      });
      cache.invalidate(pollId);
      // One answer for a wrong token, an unknown poll and a poll claimed already: no probing.
      if (!claimed)
        throw notFound('poll', 'No guest poll with that id and manage token is waiting to be claimed.');
      return { id: pollId, workspaceId: identity.workspace };
    },
  );
}
