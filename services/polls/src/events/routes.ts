// The Events API (docs/events.md): organizers make events and drive their stage; participants
// join by code and read the stage. Every stage change is published after it commits as
// `polls.live.stage.v1`, which realtime pushes to every participant connected to the event.
import { EventStage, EventView, JoinAnswer, QaSettings, StageChangedV1 } from '@canvass/contracts';
import { createEvent } from '@canvass/eventing';
import {
  conflict,
  HttpProblem,
  identityOf,
  jsonResponse,
  problemResponses,
  requireScope,
  type ServiceContext,
} from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import Type, { type Static } from 'typebox';
import type { Lifecycle } from '../polls/lifecycle.ts';
import type { PollCache } from '../polls/poll-cache.ts';
import type { PollsTables } from '../tables.ts';
import type { VoteWriter } from '../votes/vote-writer.ts';
import {
  bumpStage,
  eventDates,
  eventNotFound,
  findByJoinCode,
  findEvent,
  findEventById,
  insertEvent,
  listEvents,
  MAX_DECK,
  normalizeJoinCode,
  renewJoinCode,
  setDeck,
  stageOf,
  toEventView,
  unlockDeck,
} from './event-store.ts';
import { bumpQuestions, type QuestionsPublisher, questionRoutes } from './questions.ts';
import { quizRoutes } from './quiz.ts';
import { EventReport, eventReport, reportCsv } from './report.ts';

const Title = Type.String({ minLength: 1, maxLength: 120, pattern: '\\S' });
const When = Type.String({ format: 'date-time' });
const PollIds = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
  maxItems: MAX_DECK,
  description: `The deck: up to ${MAX_DECK} of the workspace’s polls, in the order they are shown.`,
});

const CreateEventBody = Type.Object(
  {
    title: Title,
    startsAt: Type.Optional(When),
    endsAt: Type.Optional(
      Type.String({ format: 'date-time', description: 'Default: a week after it starts; at most 90 days.' }),
    ),
    pollIds: Type.Optional(PollIds),
  },
  { additionalProperties: false },
);
const EditEventBody = Type.Object(
  {
    title: Type.Optional(Title),
    startsAt: Type.Optional(When),
    endsAt: Type.Optional(When),
    pollIds: Type.Optional(PollIds),
    qa: Type.Optional(Type.Partial(QaSettings, { additionalProperties: false })),
  },
  { additionalProperties: false, minProperties: 1 },
);
const StageChange = Type.Object(
  {
    screen: Type.Union(
      [Type.Literal('waiting'), Type.Literal('poll'), Type.Literal('qa'), Type.Literal('leaderboard')],
      {
        description:
          'waiting: a holding screen; poll: the poll `pollId` (a draft or scheduled one opens; a quiz question starts its clock the first time); qa: the audience Q&A; leaderboard: the quiz standings.',
      },
    ),
    pollId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    revealed: Type.Optional(
      Type.Boolean({
        description:
          'Show the poll’s results on every screen. Revealing makes its results public (resultsVisibility live). Default: false when the poll changes, as it was otherwise.',
      }),
    ),
    locked: Type.Optional(
      Type.Boolean({
        description: 'true: votes on the poll are refused from now on; false: they are taken again.',
      }),
    ),
    timerSeconds: Type.Optional(
      Type.Integer({
        minimum: 3,
        maximum: 3600,
        description: 'A countdown: voting locks this many seconds from now, by the server’s clock.',
      }),
    ),
  },
  { additionalProperties: false },
);
const EventIdParams = Type.Object({ eventId: Type.String({ minLength: 1, maxLength: 64 }) });
const JoinParams = Type.Object({
  code: Type.String({
    minLength: 1,
    maxLength: 20,
    description: 'The six digits; spaces and dashes are ignored.',
  }),
});
const ReportQuery = Type.Object({
  format: Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' }),
});
const ListEventsQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }) });

const SIGNED_IN = [{ bearer: [] }];
const organizerProblems = (...own: Parameters<typeof problemResponses>) =>
  problemResponses(
    401,
    [403, 'Signed in without polls:write (polls:read to read).'],
    [404, 'No event with this id in your workspace.'],
    ...own,
  );

export interface EventRouteDeps {
  cache: PollCache;
  lifecycle: Lifecycle;
  questions: QuestionsPublisher;
  writer: VoteWriter;
}

export function eventRoutes(app: FastifyInstance, context: ServiceContext, deps: EventRouteDeps): void {
  const { internalSecret } = context;
  const kysely = context.db.kysely as Kysely<PollsTables>;
  const caller = async (request: Parameters<typeof identityOf>[0], scope: string) =>
    requireScope(await identityOf(request, internalSecret), scope);
  questionRoutes(app, context, deps.questions);
  quizRoutes(app, context, deps);

  /** After commit: every participant's screen follows (a lost one is mended by the next or a reconnect). */
  async function publishStage(stage: EventStage): Promise<void> {
    try {
      await context.bus.publish([
        createEvent(StageChangedV1, {
          source: '/polls',
          subject: stage.eventId,
          partitionkey: stage.eventId,
          data: { stage },
        }),
      ]);
    } catch (error) {
      context.logger.warn({ err: error, eventId: stage.eventId }, 'stage change not published');
    }
  }

  app.post<{ Body: Static<typeof CreateEventBody> }>(
    '/api/v1/events',
    {
      schema: {
        tags: ['Events'],
        summary: 'Create an event',
        description:
          'An event holds the workspace’s polls in an order behind a six-digit join code, unique while the event is live. Participants join at /join or /e/{code}.',
        body: CreateEventBody,
        security: SIGNED_IN,
        response: {
          201: jsonResponse('The event, with its join code; `Location` names it.', EventView),
          ...problemResponses(
            400,
            401,
            [403, 'Signed in without polls:write.'],
            [409, 'A poll is in another event (`poll-in-another-event`).'],
            [422, 'The dates do not fit, or a listed poll is not the workspace’s.'],
          ),
        },
      },
    },
    async (request, reply) => {
      const identity = await caller(request, 'polls:write');
      const body = request.body;
      const dates = eventDates(
        body.startsAt ? new Date(body.startsAt) : undefined,
        body.endsAt ? new Date(body.endsAt) : undefined,
      );
      const view = await kysely.transaction().execute(async (trx) => {
        const row = await insertEvent(trx, {
          workspaceId: identity.workspace,
          title: body.title.trim(),
          ...dates,
          createdBy: identity.subject,
        });
        if (body.pollIds) await setDeck(trx, row, body.pollIds);
        return toEventView(trx, row);
      });
      return reply.code(201).header('location', `/api/v1/events/${view.id}`).send(view);
    },
  );

  app.get<{ Querystring: Static<typeof ListEventsQuery> }>(
    '/api/v1/events',
    {
      schema: {
        tags: ['Events'],
        summary: 'List your workspace’s events',
        description: 'Newest first.',
        querystring: ListEventsQuery,
        security: SIGNED_IN,
        response: {
          200: jsonResponse('The events.', Type.Object({ events: Type.Array(EventView) })),
          ...problemResponses(400, 401, [403, 'Signed in without polls:read.']),
        },
      },
    },
    async (request) => {
      const identity = await caller(request, 'polls:read');
      return { events: await listEvents(kysely, identity.workspace, request.query.limit) };
    },
  );

  app.get<{ Params: Static<typeof EventIdParams> }>(
    '/api/v1/events/:eventId',
    {
      schema: {
        tags: ['Events'],
        summary: 'Read an event',
        params: EventIdParams,
        security: SIGNED_IN,
        response: { 200: jsonResponse('The event and its deck.', EventView), ...organizerProblems(400) },
      },
    },
    async (request) => {
      const identity = await caller(request, 'polls:read');
      return toEventView(kysely, await findEvent(kysely, request.params.eventId, identity.workspace));
    },
  );

  app.patch<{ Params: Static<typeof EventIdParams>; Body: Static<typeof EditEventBody> }>(
    '/api/v1/events/:eventId',
    {
      schema: {
        tags: ['Events'],
        summary: 'Edit an event',
        description: '`pollIds` replaces the deck (add, remove and reorder in one go).',
        params: EventIdParams,
        body: EditEventBody,
        security: SIGNED_IN,
        response: {
          200: jsonResponse('The event as it is now.', EventView),
          ...organizerProblems(
            400,
            [409, 'A poll is in another event (`poll-in-another-event`).'],
            [422, 'The dates do not fit, or a listed poll is not the workspace’s.'],
          ),
        },
      },
    },
    async (request) => {
      const identity = await caller(request, 'polls:write');
      const body = request.body;
      const { view, stage } = await kysely.transaction().execute(async (trx) => {
        const row = await findEvent(trx, request.params.eventId, identity.workspace, { forUpdate: true });
        const dates =
          body.startsAt || body.endsAt
            ? eventDates(new Date(body.startsAt ?? row.starts_at), new Date(body.endsAt ?? row.ends_at))
            : undefined;
        if (body.pollIds) await setDeck(trx, row, body.pollIds);
        // Joinable again after its code was released: a new code (the old one may be taken).
        if (dates && row.code_released && dates.endsAt > new Date()) await renewJoinCode(trx, row.id);
        // Title and deck show on the participants' screens: the stage moves on with them.
        const changed = await bumpStage(trx, row.id, {
          ...(body.title ? { title: body.title.trim() } : {}),
          ...(dates ? { starts_at: dates.startsAt, ends_at: dates.endsAt } : {}),
          ...(body.qa?.enabled !== undefined ? { qa_enabled: body.qa.enabled } : {}),
          ...(body.qa?.anonymous !== undefined ? { qa_anonymous: body.qa.anonymous } : {}),
          ...(body.qa?.moderation !== undefined ? { qa_moderation: body.qa.moderation } : {}),
        });
        // The questions' snapshot carries the Q&A settings too.
        if (body.qa) await bumpQuestions(trx, row.id);
        return { view: await toEventView(trx, changed), stage: await stageOf(trx, changed) };
      });
      await publishStage(stage);
      if (body.qa) deps.questions.touched(view.id);
      return view;
    },
  );

  app.get<{ Params: Static<typeof EventIdParams>; Querystring: Static<typeof ReportQuery> }>(
    '/api/v1/events/:eventId/report',
    {
      schema: {
        tags: ['Events'],
        summary: 'An event’s report',
        description:
          'Participation and each poll’s results, as JSON or CSV (one row per poll and answer). Voters are not linked across polls, so participation is counted per poll.',
        params: EventIdParams,
        querystring: ReportQuery,
        security: SIGNED_IN,
        response: {
          200: {
            description: 'The report, in the format asked for.',
            content: {
              'application/json': { schema: EventReport },
              'text/csv': { schema: Type.String() },
            },
          },
          ...organizerProblems(400),
        },
      },
    },
    async (request, reply) => {
      const identity = await caller(request, 'polls:read');
      const event = await findEvent(kysely, request.params.eventId, identity.workspace);
      const report = await eventReport(kysely, event);
      if (request.query.format === 'json') return report;
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="event-${event.id}.csv"`)
        .header('cache-control', 'no-store')
        .send(reportCsv(report));
    },
  );

  app.delete<{ Params: Static<typeof EventIdParams> }>(
    '/api/v1/events/:eventId',
    {
      schema: {
        tags: ['Events'],
        summary: 'Delete an event',
        description: 'Its polls stay (with their votes and results); its join code is free again.',
        params: EventIdParams,
        security: SIGNED_IN,
        response: { 204: Type.Null({ description: 'Deleted.' }), ...organizerProblems(400) },
      },
    },
    async (request, reply) => {
      const identity = await caller(request, 'polls:write');
      const event = await findEvent(kysely, request.params.eventId, identity.workspace);
      await kysely.transaction().execute(async (trx) => {
        await unlockDeck(trx, event.id);
        await trx.deleteFrom('events').where('id', '=', event.id).execute();
      });
      return reply.code(204).send();
    },
  );

  app.put<{ Params: Static<typeof EventIdParams>; Body: Static<typeof StageChange> }>(
    '/api/v1/events/:eventId/stage',
    {
      schema: {
        tags: ['Events'],
        summary: 'Change what the audience sees',
        description:
          'The presenter’s deck: show a poll or the waiting screen, reveal its results, lock voting or start a countdown. Every participant’s screen follows at once.',
        params: EventIdParams,
        body: StageChange,
        security: SIGNED_IN,
        response: {
          200: jsonResponse('The stage as it is now.', EventStage),
          ...organizerProblems(
            400,
            [
              409,
              'The event has ended (`event-ended`), the poll’s results cannot be revealed (`results-private`), or Q&A is off (`qa-closed`).',
            ],
            [422, 'The poll is not in this event’s deck.'],
          ),
        },
      },
    },
    async (request) => {
      const identity = await caller(request, 'polls:write');
      const body = request.body;
      const event = await findEvent(kysely, request.params.eventId, identity.workspace);
      if (new Date(event.ends_at) <= new Date())
        throw conflict('event-ended', 'This event has ended', 'Change its end date to present it again.');
      const pollId = body.screen === 'poll' ? body.pollId : undefined;
      if (body.screen === 'qa' && !event.qa_enabled)
        throw conflict(
          'qa-closed',
          'Q&A is off for this event',
          'Turn Q&A on in the event’s settings first.',
        );
      if (body.screen === 'poll') {
        const inDeck = pollId
          ? await kysely
              .selectFrom('event_polls')
              .select('poll_id')
              .where('event_id', '=', event.id)
              .where('poll_id', '=', pollId)
              .executeTakeFirst()
          : undefined;
        if (!inDeck)
          throw new HttpProblem(
            422,
            'invalid-stage',
            'That poll is not in this event',
            pollId ? 'Add it to the event’s polls first.' : 'Say which poll to show (pollId).',
            {
              errors: [
                { in: 'body', field: '/pollId', message: pollId ? 'is not in the deck' : 'is required' },
              ],
            },
          );
      }
      const changesPoll = pollId !== (event.stage_screen === 'poll' ? event.stage_poll_id : undefined);
      const revealed = pollId ? (body.revealed ?? (changesPoll ? false : event.stage_revealed)) : false;
      if (pollId) {
        const poll = await deps.cache.require(pollId, { fresh: true });
        // Showing a poll that is not open yet opens it (the plan's open-polls quota applies).
        if (poll.status === 'draft' || poll.status === 'scheduled')
          await deps.lifecycle.open(poll.id, identity.subject);
        if (revealed) {
          const visibility = poll.settings.resultsVisibility;
          const publicNow =
            visibility === 'live' || (visibility === 'after_close' && poll.status === 'closed');
          if (!publicNow) {
            if (poll.status === 'closed')
              throw conflict(
                'results-private',
                'These results cannot be revealed',
                'The poll is closed and its results are private; a closed poll’s settings no longer change.',
              );
            await deps.lifecycle.edit(
              await deps.cache.require(poll.id, { fresh: true }),
              { settings: { resultsVisibility: 'live' } },
              identity.subject,
            );
          }
        }
      }
      const stage = await kysely.transaction().execute(async (trx) => {
        // A quiz question shown for the first time starts its clock: voting locks when it runs out.
        const started = pollId
          ? await trx
              .updateTable('event_polls')
              .set({ started_at: new Date() })
              .where('event_id', '=', event.id)
              .where('poll_id', '=', pollId)
              .where('started_at', 'is', null)
              .where('correct_option_ids', 'is not', null)
              .where('seconds', 'is not', null)
              .returning(['started_at', 'seconds'])
              .executeTakeFirst()
          : undefined;
        if (pollId && started?.started_at && started.seconds)
          await trx
            .updateTable('polls')
            .set({
              voting_locked_at: new Date(new Date(started.started_at).getTime() + started.seconds * 1000),
            })
            .where('id', '=', pollId)
            .execute();
        // Revealing a quiz question's answer ends it: no answer is taken after the reveal.
        if (pollId && revealed && (changesPoll || !event.stage_revealed))
          await trx
            .updateTable('polls')
            .set({ voting_locked_at: new Date() })
            .where('id', '=', pollId)
            .where((eb) =>
              eb.or([eb('voting_locked_at', 'is', null), eb('voting_locked_at', '>', new Date())]),
            )
            .where(({ exists, selectFrom }) =>
              exists(
                selectFrom('event_polls')
                  .select('poll_id')
                  .where('event_id', '=', event.id)
                  .where('poll_id', '=', pollId)
                  .where('correct_option_ids', 'is not', null),
              ),
            )
            .execute();
        if (pollId && (body.locked !== undefined || body.timerSeconds !== undefined)) {
          const lockAt =
            body.timerSeconds !== undefined
              ? new Date(Date.now() + body.timerSeconds * 1000)
              : body.locked
                ? new Date()
                : null;
          await trx.updateTable('polls').set({ voting_locked_at: lockAt }).where('id', '=', pollId).execute();
        }
        const row = await bumpStage(trx, event.id, {
          stage_screen: body.screen,
          stage_poll_id: pollId ?? null,
          stage_revealed: revealed,
        });
        return stageOf(trx, row);
      });
      if (pollId) deps.cache.invalidate(pollId);
      await publishStage(stage);
      return stage;
    },
  );

  app.get<{ Params: Static<typeof EventIdParams> }>(
    '/api/v1/events/:eventId/stage',
    {
      // Realtime asks it when a participant connects (mutual TLS names the peers a route serves).
      config: { peers: ['gateway', 'realtime'] },
      schema: {
        tags: ['Events'],
        summary: 'What the audience sees now',
        description:
          'Open to anyone who knows the event (its id comes with the join code). For changes as they happen, open GET /api/v1/events/{eventId}/live.',
        params: EventIdParams,
        security: [{}],
        response: {
          200: jsonResponse('The stage.', EventStage),
          ...problemResponses(400, [404, 'No event has this id.']),
        },
      },
    },
    async (request) => {
      const row = await findEventById(kysely, request.params.eventId);
      if (!row) throw eventNotFound('There is no event with this id.');
      return stageOf(kysely, row);
    },
  );

  app.get<{ Params: Static<typeof JoinParams> }>(
    '/api/v1/join/:code',
    {
      schema: {
        tags: ['Events'],
        summary: 'Join an event by its code',
        description: 'The live event holding this six-digit code, and what its audience sees now.',
        params: JoinParams,
        security: [{}],
        response: {
          200: jsonResponse('The event.', JoinAnswer),
          ...problemResponses(
            [400, 'Not six digits (`invalid-join-code`).'],
            [404, 'No live event has this code (`event-not-found`).'],
          ),
        },
      },
    },
    async (request) => {
      const code = normalizeJoinCode(request.params.code);
      if (!code)
        throw new HttpProblem(
          400,
          'invalid-join-code',
          'That is not a join code',
          'A join code is six digits, like 482 915. Check the code on the presenter’s screen.',
        );
      const row = await findByJoinCode(kysely, code);
      if (!row)
        throw eventNotFound(
          `No live event has the code ${code.slice(0, 3)} ${code.slice(3)}. Check the code on the presenter’s screen; the event may have ended.`,
        );
      return { eventId: row.id, title: row.title, stage: await stageOf(kysely, row) };
    },
  );
}
