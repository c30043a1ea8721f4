// Quizzes (docs/events.md): a question of an event's deck with right answers and seconds. Showing
// it starts its clock and locks voting when the seconds run out (the server's clock: a late answer
// is refused like any vote after the lock, and scores nothing). Players pick a nickname; a
// player's answer is a vote in the poll (so its results count it) and a scored row, 500 to 1000
// points when right (the quicker the more), none when wrong.
import { QuizSettings } from '@canvass/contracts';
import {
  conflict,
  HttpProblem,
  identityOf,
  jsonResponse,
  notFound,
  problemResponses,
  requireScope,
  type ServiceContext,
  sha256,
} from '@canvass/service-kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Kysely, sql } from 'kysely';
import Type, { type Static } from 'typebox';
import type { PollCache } from '../polls/poll-cache.ts';
import type { PollsTables } from '../tables.ts';
import { checkAddressRate } from '../votes/address-rate.ts';
import { parseBallot } from '../votes/ballot.ts';
import { openPoll, requireVoterToken, tokenVoterHash, VoterHeaders } from '../votes/routes.ts';
import { type VoteWriter, votingLocked } from '../votes/vote-writer.ts';
import { eventNotFound, findEvent, findEventById } from './event-store.ts';
import { pointsFor, standingOf } from './quiz-store.ts';

const EventParams = Type.Object({ eventId: Type.String({ minLength: 1, maxLength: 64 }) });
const QuestionParams = Type.Object({
  eventId: Type.String({ minLength: 1, maxLength: 64 }),
  pollId: Type.String({ minLength: 1, maxLength: 64 }),
});
const PlayerBody = Type.Object(
  { nickname: Type.String({ minLength: 1, maxLength: 30 }) },
  { additionalProperties: false },
);
const AnswerBody = Type.Object(
  {
    optionIds: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      minItems: 1,
      maxItems: 50,
      uniqueItems: true,
    }),
  },
  { additionalProperties: false },
);
const Player = Type.Object({
  nickname: Type.String(),
  points: Type.Integer({ minimum: 0 }),
  correct: Type.Integer({ minimum: 0 }),
  rank: Type.Integer({ minimum: 1 }),
  players: Type.Integer({ minimum: 1 }),
  answers: Type.Array(
    Type.Object({ pollId: Type.String(), correct: Type.Boolean(), points: Type.Integer({ minimum: 0 }) }),
    { description: 'Answers to questions whose time is up (before that, how one did stays hidden).' },
  ),
});

const playerKey = (eventId: string, token: string) => sha256(`${eventId}:player:${token}`);
const playerNotFound = () =>
  notFound('player', 'Pick a nickname first (POST /api/v1/events/{eventId}/players).');

const invalidQuiz = (message: string) =>
  new HttpProblem(422, 'invalid-quiz', 'This question cannot be a quiz question', `${message}.`, {
    errors: [{ in: 'body', field: '', message }],
  });

export function quizRoutes(
  app: FastifyInstance,
  context: ServiceContext,
  deps: { cache: PollCache; writer: VoteWriter },
): void {
  const kysely = context.db.kysely as Kysely<PollsTables>;
  const organizer = async (request: FastifyRequest) =>
    requireScope(await identityOf(request, context.internalSecret), 'polls:write');

  app.put<{ Params: Static<typeof QuestionParams>; Body: Static<typeof QuizSettings> }>(
    '/api/v1/events/:eventId/quiz/:pollId',
    {
      schema: {
        tags: ['Events'],
        summary: 'Make a poll of the deck a quiz question',
        description:
          'Its right answers and seconds. A single or multiple choice poll that takes anonymous votes and does not let votes change (one answer per player).',
        params: QuestionParams,
        body: QuizSettings,
        security: [{ bearer: [] }],
        response: {
          200: jsonResponse('The quiz settings.', QuizSettings),
          ...problemResponses(
            400,
            401,
            [403, 'Without polls:write.'],
            [404, 'No such event in your workspace.'],
            [422, 'The poll is not in the deck, or cannot be a quiz question (`invalid-quiz`).'],
          ),
        },
      },
    },
    async (request) => {
      const identity = await organizer(request);
      const event = await findEvent(kysely, request.params.eventId, identity.workspace);
      const poll = await deps.cache.require(request.params.pollId, { fresh: true });
      const { correctOptionIds, seconds } = request.body;
      if (poll.type !== 'single_choice' && poll.type !== 'multiple_choice')
        throw invalidQuiz('only single and multiple choice polls can be quiz questions');
      if (poll.type === 'single_choice' && correctOptionIds.length !== 1)
        throw invalidQuiz('a single choice question has one right answer');
      const known = new Set(poll.options.map((option) => option.id));
      if (
        !correctOptionIds.every((id) => known.has(id)) ||
        new Set(correctOptionIds).size !== correctOptionIds.length
      )
        throw invalidQuiz('every right answer must be one of the poll’s options, once');
      if (poll.settings.allowVoteChange)
        throw invalidQuiz('a quiz question takes one answer per player: turn off changing votes');
      if (poll.settings.voters !== 'anonymous')
        throw invalidQuiz('players answer with a nickname: the poll must take anonymous votes');
      if (poll.settings.deviceToken || poll.settings.proofOfWork)
        throw invalidQuiz('players answer from the event’s page: turn off device tokens and proof of work');
      if (poll.type === 'multiple_choice' && correctOptionIds.length > poll.settings.maxSelections)
        throw invalidQuiz(
          `a ballot takes at most ${poll.settings.maxSelections} answers: mark no more right ones`,
        );
      const set = await kysely
        .updateTable('event_polls')
        .set({ correct_option_ids: correctOptionIds, seconds })
        .where('event_id', '=', event.id)
        .where('poll_id', '=', poll.id)
        .returning('poll_id')
        .executeTakeFirst();
      if (!set) throw invalidQuiz('the poll is not in this event');
      return { correctOptionIds, seconds };
    },
  );

  app.delete<{ Params: Static<typeof QuestionParams> }>(
    '/api/v1/events/:eventId/quiz/:pollId',
    {
      schema: {
        tags: ['Events'],
        summary: 'Make a quiz question a plain poll again',
        params: QuestionParams,
        security: [{ bearer: [] }],
        response: {
          204: Type.Null({ description: 'Done.' }),
          ...problemResponses(
            400,
            401,
            [403, 'Without polls:write.'],
            [404, 'No such event in your workspace.'],
          ),
        },
      },
    },
    async (request, reply) => {
      const identity = await organizer(request);
      const event = await findEvent(kysely, request.params.eventId, identity.workspace);
      await kysely
        .updateTable('event_polls')
        .set({ correct_option_ids: null, seconds: null })
        .where('event_id', '=', event.id)
        .where('poll_id', '=', request.params.pollId)
        .execute();
      return reply.code(204).send();
    },
  );

  app.post<{ Params: Static<typeof EventParams>; Body: Static<typeof PlayerBody>; Headers: VoterHeaders }>(
    '/api/v1/events/:eventId/players',
    {
      schema: {
        tags: ['Events'],
        summary: 'Play: pick a nickname',
        description: 'As a participant (the Voter-Token header); again to change it.',
        params: EventParams,
        body: PlayerBody,
        headers: VoterHeaders,
        security: [{}],
        response: {
          201: jsonResponse('Playing.', Type.Object({ nickname: Type.String() })),
          ...problemResponses(
            [400, 'The body is not valid, or the Voter-Token header is missing.'],
            [404, 'No event has this id.'],
            [409, 'Another player has this nickname (`nickname-taken`), or the event has ended.'],
          ),
        },
      },
    },
    async (request, reply) => {
      const token = requireVoterToken(request);
      const event = await findEventById(kysely, request.params.eventId);
      if (!event) throw eventNotFound();
      if (new Date(event.ends_at) <= new Date())
        throw conflict('event-ended', 'This event has ended', 'The quiz is over.');
      const nickname = request.body.nickname.trim().replace(/\s+/g, ' ');
      if (!nickname)
        throw new HttpProblem(
          400,
          'invalid-nickname',
          'Pick a nickname',
          'A nickname needs a letter or two.',
        );
      const player = playerKey(event.id, token);
      try {
        await kysely
          .insertInto('quiz_players')
          .values({ event_id: event.id, player_hash: player, nickname })
          .onConflict((oc) => oc.columns(['event_id', 'player_hash']).doUpdateSet({ nickname }))
          .execute();
      } catch (error) {
        // The unique index on (event, lower(nickname)): someone else plays under it.
        if ((error as { code?: string }).code === '23505')
          throw conflict(
            'nickname-taken',
            'That nickname is taken',
            `Someone already plays as “${nickname}”. Pick another.`,
          );
        throw error;
      }
      return reply.code(201).send({ nickname });
    },
  );

  app.get<{ Params: Static<typeof EventParams>; Headers: VoterHeaders }>(
    '/api/v1/events/:eventId/players/me',
    {
      schema: {
        tags: ['Events'],
        summary: 'How I am doing',
        description: 'The player’s points, right answers and rank (the Voter-Token header names them).',
        params: EventParams,
        headers: VoterHeaders,
        security: [{}],
        response: {
          200: jsonResponse('The player.', Player),
          ...problemResponses(
            [400, 'The Voter-Token header is missing.'],
            [404, 'Not playing in this event (`player-not-found`).'],
          ),
        },
      },
    },
    async (request) => {
      const token = requireVoterToken(request);
      const player = playerKey(request.params.eventId, token);
      const standing = await standingOf(kysely, request.params.eventId, player);
      if (!standing) throw playerNotFound();
      const [count, answers] = await Promise.all([
        kysely
          .selectFrom('quiz_players')
          .select((eb) => eb.fn.countAll<number>().as('players'))
          .where('event_id', '=', request.params.eventId)
          .executeTakeFirstOrThrow(),
        kysely
          .selectFrom('quiz_answers')
          .innerJoin('event_polls', (join) =>
            join
              .onRef('event_polls.event_id', '=', 'quiz_answers.event_id')
              .onRef('event_polls.poll_id', '=', 'quiz_answers.poll_id'),
          )
          .select(['quiz_answers.poll_id', 'quiz_answers.correct', 'quiz_answers.points'])
          .where('quiz_answers.event_id', '=', request.params.eventId)
          .where('quiz_answers.player_hash', '=', player)
          // How an answer did shows once its question's time is up.
          .where(sql<boolean>`event_polls.started_at + event_polls.seconds * interval '1 second' <= now()`)
          .orderBy('event_polls.position')
          .execute(),
      ]);
      return {
        nickname: standing.nickname,
        points: standing.points,
        correct: standing.correct,
        rank: standing.rank,
        players: Number(count.players),
        answers: answers.map((row) => ({ pollId: row.poll_id, correct: row.correct, points: row.points })),
      };
    },
  );

  app.post<{ Params: Static<typeof QuestionParams>; Body: Static<typeof AnswerBody>; Headers: VoterHeaders }>(
    '/api/v1/events/:eventId/quiz/:pollId/answers',
    {
      schema: {
        tags: ['Events'],
        summary: 'Answer a quiz question',
        description:
          'As a player (the Voter-Token header). One answer per player; it counts as a vote in the poll too. Answers after the question’s time are refused by the server’s clock and score nothing.',
        params: QuestionParams,
        body: AnswerBody,
        headers: VoterHeaders,
        security: [{}],
        response: {
          201: jsonResponse(
            'Received. How it did shows when the time is up.',
            Type.Object({ receiptId: Type.String() }),
          ),
          ...problemResponses(
            [400, 'The body is not valid, or the Voter-Token header is missing.'],
            [404, 'No such event, or not playing in it (`player-not-found`).'],
            [
              409,
              'The question has not started (`question-not-started`), its time is up (`voting-locked`), or this player answered already (`already-voted`).',
            ],
            [422, 'The answer does not fit the question.'],
          ),
        },
      },
    },
    async (request, reply) => {
      const receivedAt = new Date();
      const token = requireVoterToken(request);
      const { eventId, pollId } = request.params;
      const player = playerKey(eventId, token);
      const [question, playing, event] = await Promise.all([
        kysely
          .selectFrom('event_polls')
          .select(['correct_option_ids', 'seconds', 'started_at'])
          .where('event_id', '=', eventId)
          .where('poll_id', '=', pollId)
          .executeTakeFirst(),
        kysely
          .selectFrom('quiz_players')
          .select('nickname')
          .where('event_id', '=', eventId)
          .where('player_hash', '=', player)
          .executeTakeFirst(),
        findEventById(kysely, eventId),
      ]);
      if (!question?.correct_option_ids || !question.seconds)
        throw notFound('question', 'This event has no such quiz question.');
      if (!playing) throw playerNotFound();
      if (!question.started_at)
        throw conflict(
          'question-not-started',
          'This question has not started',
          'Wait for the presenter to show it.',
        );
      // The question's own time, whatever the lock says now (a presenter may unlock it later); and
      // once its answer is revealed, it is over.
      const revealed = event?.stage_revealed && event.stage_poll_id === pollId;
      if (
        revealed ||
        receivedAt.getTime() > new Date(question.started_at).getTime() + question.seconds * 1000
      )
        throw votingLocked();
      const poll = await openPoll(deps.cache, pollId);
      // Per network address, like any vote (the gateway counts them on this route too).
      checkAddressRate(request, poll, 'votes');
      const body = { optionIds: request.body.optionIds };
      // The vote first: the poll's lock (its time) and one vote per player are checked there.
      const outcome = await deps.writer.submit({
        kind: 'cast',
        poll,
        body,
        ballot: parseBallot(poll, body),
        voterHash: tokenVoterHash(poll.id, token),
      });
      if (outcome.kind !== 'cast') throw new Error('a cast came back as something else');
      const right = new Set(question.correct_option_ids);
      const given = new Set(body.optionIds);
      const correct = given.size === right.size && [...given].every((optionId) => right.has(optionId));
      await kysely
        .insertInto('quiz_answers')
        .values({
          event_id: eventId,
          poll_id: pollId,
          player_hash: player,
          correct,
          points: pointsFor(
            correct,
            receivedAt.getTime() - new Date(question.started_at).getTime(),
            question.seconds,
          ),
          answered_at: receivedAt,
        })
        .onConflict((oc) => oc.columns(['poll_id', 'player_hash']).doNothing())
        .execute();
      return reply.code(201).send({ receiptId: outcome.receiptId });
    },
  );
}
