// Audience Q&A (docs/events.md): participants ask questions in an event and upvote others' once
// each; organizers approve or dismiss, pin, mark answered and edit. Each change is one
// transaction that also moves the event's qa_version; an upvote is a row keyed by question and
// participant, so a participant's upvote counts once however often or concurrently it arrives.
// After commit the event's questions are published live (`polls.live.questions.v1`), coalesced to
// a few snapshots a second per event.
import { EventQuestion, QuestionsChangedV1, QuestionsSnapshot } from '@canvass/contracts';
import { createEvent, type EventBus } from '@canvass/eventing';
import {
  conflict,
  HttpProblem,
  identityOf,
  jsonResponse,
  type Logger,
  newId,
  notFound,
  problemResponses,
  requireScope,
  type ServiceContext,
  sha256,
} from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import { type Kysely, type Selectable, sql } from 'kysely';
import Type, { type Static } from 'typebox';
import type { PollsTables } from '../tables.ts';
import { requireVoterToken, VoterHeaders } from '../votes/routes.ts';
import { eventNotFound, findEvent, findEventById, qaOf } from './event-store.ts';

type QuestionRow = Selectable<PollsTables['questions']>;

/** How many questions a snapshot carries: the most upvoted (pinned first). */
const SNAPSHOT_QUESTIONS = 500;
/** How often an event's questions are published at most. */
const PUBLISH_INTERVAL_MS = 200;

export const QUESTION_LIMITS = { text: 300, name: 60 } as const;

const toQuestion = (row: QuestionRow): EventQuestion => ({
  id: row.id,
  text: row.text,
  authorName: row.author_name,
  upvotes: row.upvotes,
  pinned: row.pinned,
  answered: row.answered,
  status: row.status,
  createdAt: new Date(row.created_at).toISOString(),
});

/** The event's questions as participants see them (organizers: `all` adds pending and dismissed). */
export async function questionsOf(
  db: Kysely<PollsTables>,
  event: Selectable<PollsTables['events']>,
  options: { all?: boolean } = {},
): Promise<QuestionsSnapshot> {
  let query = db
    .selectFrom('questions')
    .selectAll()
    .where('event_id', '=', event.id)
    .orderBy('pinned', 'desc')
    .orderBy('upvotes', 'desc')
    .orderBy('created_at')
    .orderBy('id')
    .limit(options.all ? 2_000 : SNAPSHOT_QUESTIONS);
  if (!options.all) query = query.where('status', '=', 'approved');
  const rows = await query.execute();
  return { eventId: event.id, sequence: event.qa_version, qa: qaOf(event), questions: rows.map(toQuestion) };
}

/** Moves the event's questions on a version (in the change's transaction); returns the event row. */
export async function bumpQuestions(trx: Kysely<PollsTables>, eventId: string) {
  return trx
    .updateTable('events')
    .set({ qa_version: sql`qa_version + 1` })
    .where('id', '=', eventId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface QuestionsPublisher {
  touched(eventId: string): void;
  stop(): Promise<void>;
}

/** Publishes an event's questions after a change, at most every PUBLISH_INTERVAL_MS per event. */
export function createQuestionsPublisher(deps: {
  db: Kysely<PollsTables>;
  bus: EventBus;
  logger: Logger;
}): QuestionsPublisher {
  const timers = new Map<string, NodeJS.Timeout>();
  const last = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  async function publish(eventId: string) {
    last.set(eventId, Date.now());
    const event = await findEventById(deps.db, eventId);
    if (!event) return;
    const snapshot = await questionsOf(deps.db, event);
    await deps.bus.publish([
      createEvent(QuestionsChangedV1, {
        source: '/polls',
        subject: eventId,
        partitionkey: eventId,
        data: { snapshot },
      }),
    ]);
  }
  function run(eventId: string) {
    timers.delete(eventId);
    const task = publish(eventId)
      .catch((error: unknown) => deps.logger.warn({ err: error, eventId }, 'questions not published'))
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  }
  return {
    touched(eventId) {
      if (stopped || timers.has(eventId)) return;
      const wait = (last.get(eventId) ?? 0) + PUBLISH_INTERVAL_MS - Date.now();
      if (wait <= 0) run(eventId);
      else
        timers.set(
          eventId,
          setTimeout(() => run(eventId), wait),
        );
      if (last.size > 10_000) for (const [id, at] of last) if (Date.now() - at > 60_000) last.delete(id);
    },
    async stop() {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await Promise.all(inFlight);
    },
  };
}

const Params = Type.Object({ eventId: Type.String({ minLength: 1, maxLength: 64 }) });
const QuestionParams = Type.Object({
  eventId: Type.String({ minLength: 1, maxLength: 64 }),
  questionId: Type.String({ minLength: 1, maxLength: 64 }),
});
const AskBody = Type.Object(
  {
    text: Type.String({ minLength: 1, maxLength: QUESTION_LIMITS.text, pattern: '\\S' }),
    name: Type.Optional(
      Type.String({
        maxLength: QUESTION_LIMITS.name,
        description: 'Shown with the question; leave it out to ask anonymously (where the event allows).',
      }),
    ),
  },
  { additionalProperties: false },
);
const ModerateBody = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('approved'), Type.Literal('dismissed')])),
    pinned: Type.Optional(Type.Boolean()),
    answered: Type.Optional(Type.Boolean()),
    text: Type.Optional(Type.String({ minLength: 1, maxLength: QUESTION_LIMITS.text, pattern: '\\S' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
const ListQuery = Type.Object({
  all: Type.Optional(
    Type.Boolean({ description: 'Organizers: pending and dismissed questions too (needs polls:read).' }),
  ),
});
const UpvoteAnswer = Type.Object({
  questionId: Type.String(),
  upvotes: Type.Integer({ minimum: 0 }),
  /** Whether this request changed the count (false: this participant had already upvoted, or had not). */
  changed: Type.Boolean(),
});
const QuestionAnswer = Type.Object({ question: EventQuestion });

const participantKey = (eventId: string, voterToken: string) => sha256(`${eventId}:qa:${voterToken}`);

const qaClosed = () =>
  conflict('qa-closed', 'Questions are closed', 'The organizer has turned Q&A off for this event.');
const questionNotFound = () => notFound('question', 'There is no question with this id in this event.');

/** The event a participant acts in: it exists, is not over, and takes questions. */
async function openEvent(db: Kysely<PollsTables>, eventId: string) {
  const event = await findEventById(db, eventId);
  if (!event) throw eventNotFound();
  if (new Date(event.ends_at) <= new Date())
    throw conflict('event-ended', 'This event has ended', 'Questions and upvotes are closed.');
  if (!event.qa_enabled) throw qaClosed();
  return event;
}

export function questionRoutes(
  app: FastifyInstance,
  context: ServiceContext,
  publisher: QuestionsPublisher,
): void {
  const kysely = context.db.kysely as Kysely<PollsTables>;
  const { internalSecret } = context;

  app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof ListQuery> }>(
    '/api/v1/events/:eventId/questions',
    {
      // Realtime asks it when a participant connects to the questions channel.
      config: { peers: ['gateway', 'realtime'] },
      schema: {
        tags: ['Events'],
        summary: 'An event’s questions',
        description:
          'Approved questions, pinned first, then the most upvoted. For changes as they happen, open GET /api/v1/events/{eventId}/questions/live.',
        params: Params,
        querystring: ListQuery,
        security: [{}, { bearer: [] }],
        response: {
          200: jsonResponse('The questions.', QuestionsSnapshot),
          ...problemResponses(400, 401, [403, '`all` without polls:read.'], [404, 'No event has this id.']),
        },
      },
    },
    async (request) => {
      if (request.query.all) {
        const identity = requireScope(await identityOf(request, internalSecret), 'polls:read');
        return questionsOf(kysely, await findEvent(kysely, request.params.eventId, identity.workspace), {
          all: true,
        });
      }
      const event = await findEventById(kysely, request.params.eventId);
      if (!event) throw eventNotFound();
      return questionsOf(kysely, event);
    },
  );

  app.post<{ Params: Static<typeof Params>; Body: Static<typeof AskBody>; Headers: VoterHeaders }>(
    '/api/v1/events/:eventId/questions',
    {
      schema: {
        tags: ['Events'],
        summary: 'Ask a question',
        description:
          'As a participant (the Voter-Token header names you). Where the event moderates questions, it shows once approved.',
        params: Params,
        body: AskBody,
        headers: VoterHeaders,
        security: [{}],
        response: {
          201: jsonResponse('The question.', QuestionAnswer),
          ...problemResponses(
            [400, 'The body is not valid, or the Voter-Token header is missing.'],
            [404, 'No event has this id.'],
            [409, 'Q&A is off (`qa-closed`) or the event has ended (`event-ended`).'],
            [422, 'The event needs a name with each question (`name-required`).'],
          ),
        },
      },
    },
    async (request, reply) => {
      const token = requireVoterToken(request);
      const event = await openEvent(kysely, request.params.eventId);
      const name = request.body.name?.trim() || null;
      if (!name && !event.qa_anonymous)
        throw new HttpProblem(
          422,
          'name-required',
          'Add your name',
          'This event asks for a name with each question.',
          { errors: [{ in: 'body', field: '/name', message: 'is required in this event' }] },
        );
      const question = await kysely.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('questions')
          .values({
            id: newId(),
            event_id: event.id,
            text: request.body.text.trim(),
            author_name: name,
            asker_hash: participantKey(event.id, token),
            status: event.qa_moderation ? 'pending' : 'approved',
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await bumpQuestions(trx, event.id);
        return row;
      });
      publisher.touched(event.id);
      return reply.code(201).send({ question: toQuestion(question) });
    },
  );

  for (const method of ['PUT', 'DELETE'] as const) {
    app.route<{ Params: Static<typeof QuestionParams>; Headers: VoterHeaders }>({
      method,
      url: '/api/v1/events/:eventId/questions/:questionId/upvote',
      schema: {
        tags: ['Events'],
        summary: method === 'PUT' ? 'Upvote a question' : 'Take back an upvote',
        description:
          method === 'PUT'
            ? 'One upvote per participant (the Voter-Token header): sending it again changes nothing.'
            : 'Taking back an upvote that is not there changes nothing.',
        params: QuestionParams,
        headers: VoterHeaders,
        security: [{}],
        response: {
          200: jsonResponse('The question’s upvotes now.', UpvoteAnswer),
          ...problemResponses(
            [400, 'The Voter-Token header is missing.'],
            [404, 'No such event, or no approved question with this id in it.'],
            [409, 'Q&A is off (`qa-closed`) or the event has ended (`event-ended`).'],
          ),
        },
      },
      handler: async (request) => {
        const token = requireVoterToken(request);
        const event = await openEvent(kysely, request.params.eventId);
        const voter = participantKey(event.id, token);
        const { questionId } = request.params;
        const answer = await kysely.transaction().execute(async (trx) => {
          const question = await trx
            .selectFrom('questions')
            .select('id')
            .where('id', '=', questionId)
            .where('event_id', '=', event.id)
            .where('status', '=', 'approved')
            .executeTakeFirst();
          if (!question) throw questionNotFound();
          // The row is the upvote: only a request that adds (or removes) it moves the count.
          const changed =
            method === 'PUT'
              ? await trx
                  .insertInto('question_upvotes')
                  .values({ question_id: questionId, voter_hash: voter })
                  .onConflict((oc) => oc.columns(['question_id', 'voter_hash']).doNothing())
                  .returning('question_id')
                  .executeTakeFirst()
              : await trx
                  .deleteFrom('question_upvotes')
                  .where('question_id', '=', questionId)
                  .where('voter_hash', '=', voter)
                  .returning('question_id')
                  .executeTakeFirst();
          const row = await trx
            .updateTable('questions')
            .set({ upvotes: sql`upvotes + ${changed ? (method === 'PUT' ? 1 : -1) : 0}` })
            .where('id', '=', questionId)
            .returning('upvotes')
            .executeTakeFirstOrThrow();
          if (changed) await bumpQuestions(trx, event.id);
          return { questionId, upvotes: row.upvotes, changed: changed !== undefined };
        });
        if (answer.changed) publisher.touched(event.id);
        return answer;
      },
    });
  }

  app.patch<{ Params: Static<typeof QuestionParams>; Body: Static<typeof ModerateBody> }>(
    '/api/v1/events/:eventId/questions/:questionId',
    {
      schema: {
        tags: ['Events'],
        summary: 'Moderate a question',
        description: 'Approve or dismiss it, pin it, mark it answered, or correct its text.',
        params: QuestionParams,
        body: ModerateBody,
        security: [{ bearer: [] }],
        response: {
          200: jsonResponse('The question as it is now.', QuestionAnswer),
          ...problemResponses(400, 401, [403, 'Without polls:write.'], [404, 'No such event or question.']),
        },
      },
    },
    async (request) => {
      const identity = requireScope(await identityOf(request, internalSecret), 'polls:write');
      const event = await findEvent(kysely, request.params.eventId, identity.workspace);
      const { status, pinned, answered, text } = request.body;
      const row = await kysely.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('questions')
          .set({
            ...(status ? { status } : {}),
            ...(pinned !== undefined ? { pinned } : {}),
            ...(answered !== undefined ? { answered } : {}),
            ...(text ? { text: text.trim() } : {}),
            updated_at: new Date(),
          })
          .where('id', '=', request.params.questionId)
          .where('event_id', '=', event.id)
          .returningAll()
          .executeTakeFirst();
        if (!updated) throw questionNotFound();
        await bumpQuestions(trx, event.id);
        return updated;
      });
      publisher.touched(event.id);
      return { question: toQuestion(row) };
    },
  );
}
