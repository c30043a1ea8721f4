// Events (docs/events.md): many polls behind one six-digit join code, and the stage the presenter
// drives (what every participant's screen shows now). The stage is what GET
// /api/v1/events/{eventId}/stage answers, what `polls.live.stage.v1` carries and what a
// participant's live connection (GET /api/v1/events/{eventId}/live) receives as its snapshot.
import Type, { type Static } from 'typebox';
import { defineEvent } from './envelope.ts';
import { PollStatus, PollType } from './polls-events.ts';

export const JOIN_CODE_PATTERN = '^[1-9][0-9]{5}$';
export const JoinCode = Type.String({
  pattern: JOIN_CODE_PATTERN,
  description: 'Six digits, the first not 0 (nothing to confuse: no letters, no leading zero).',
});

export const StageScreen = Type.Union([
  Type.Literal('waiting'),
  Type.Literal('poll'),
  Type.Literal('qa'),
  Type.Literal('leaderboard'),
]);

/** A quiz's standings: the top players (ties share a rank), and how many play. */
export const Leaderboard = Type.Object({
  players: Type.Integer({ minimum: 0 }),
  /** Every quiz question has been shown: the podium. */
  final: Type.Boolean(),
  top: Type.Array(
    Type.Object({
      rank: Type.Integer({ minimum: 1 }),
      nickname: Type.String(),
      points: Type.Integer({ minimum: 0 }),
      correct: Type.Integer({ minimum: 0 }),
    }),
  ),
});
export type Leaderboard = Static<typeof Leaderboard>;

/** A quiz question's settings (organizers). */
export const QuizSettings = Type.Object({
  correctOptionIds: Type.Array(Type.String(), { minItems: 1 }),
  seconds: Type.Integer({ minimum: 5, maximum: 300 }),
});

/** How the event's audience Q&A runs. */
export const QaSettings = Type.Object({
  enabled: Type.Boolean({ description: 'Participants may ask and upvote questions.' }),
  anonymous: Type.Boolean({ description: 'Participants may ask without a name.' }),
  moderation: Type.Boolean({ description: 'A question shows once an organizer approves it.' }),
});

export const EventStage = Type.Object({
  eventId: Type.String(),
  title: Type.String(),
  joinCode: JoinCode,
  /** Grows with every change the presenter makes; a client keeps the highest it has seen. */
  sequence: Type.Integer({ minimum: 1 }),
  screen: StageScreen,
  /** The poll on screen (screen `poll`), else null. */
  pollId: Type.Union([Type.String(), Type.Null()]),
  /** Its place in the deck (1-based) and the deck's length. */
  position: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  deckSize: Type.Integer({ minimum: 0 }),
  /** The presenter shows the poll's results to everyone. */
  revealed: Type.Boolean(),
  /**
   * When voting on the poll on screen stops (or stopped) by the server's clock: a countdown when
   * in the future, locked when past, null when voting is not locked.
   */
  votingLockedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  /** The server's clock when this was made, so a screen can count down without trusting its own. */
  serverTime: Type.String({ format: 'date-time' }),
  endsAt: Type.String({ format: 'date-time' }),
  qa: QaSettings,
  /** The poll on screen is a quiz question: its clock, and its right answers once revealed. */
  quiz: Type.Union([
    Type.Object({
      seconds: Type.Integer({ minimum: 1 }),
      startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      correctOptionIds: Type.Union([Type.Array(Type.String()), Type.Null()]),
    }),
    Type.Null(),
  ]),
  /** screen `leaderboard`: the standings. */
  leaderboard: Type.Union([Leaderboard, Type.Null()]),
});
export type EventStage = Static<typeof EventStage>;

/** The stage changed (a superseding snapshot; published after the change commits). */
export const StageChangedV1 = defineEvent('polls.live.stage.v1', Type.Object({ stage: EventStage }));

export const EventPoll = Type.Object({
  id: Type.String(),
  question: Type.String(),
  type: PollType,
  status: PollStatus,
  /** A quiz question: its right answers and seconds; null for a plain poll. */
  quiz: Type.Union([QuizSettings, Type.Null()]),
});

export const EventView = Type.Object({
  id: Type.String(),
  workspaceId: Type.String(),
  title: Type.String(),
  joinCode: JoinCode,
  startsAt: Type.String({ format: 'date-time' }),
  endsAt: Type.String({ format: 'date-time' }),
  /** Live: its code joins it (until it ends). */
  live: Type.Boolean(),
  polls: Type.Array(EventPoll, { description: 'The deck, in order.' }),
  qa: QaSettings,
  createdAt: Type.String({ format: 'date-time' }),
});
export type EventView = Static<typeof EventView>;

/** What a participant learns from a join code: where to go, and what is on screen now. */
export const JoinAnswer = Type.Object({
  eventId: Type.String(),
  title: Type.String(),
  stage: EventStage,
});

export const EventQuestion = Type.Object({
  id: Type.String(),
  text: Type.String(),
  /** null: asked anonymously. */
  authorName: Type.Union([Type.String(), Type.Null()]),
  upvotes: Type.Integer({ minimum: 0 }),
  pinned: Type.Boolean(),
  answered: Type.Boolean(),
  /** pending (waiting for approval) and dismissed show to organizers only. */
  status: Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('dismissed')]),
  createdAt: Type.String({ format: 'date-time' }),
});
export type EventQuestion = Static<typeof EventQuestion>;

/**
 * An event's questions as participants see them (approved ones; the most upvoted first), what GET
 * /api/v1/events/{eventId}/questions answers and the live questions channel carries.
 */
export const QuestionsSnapshot = Type.Object({
  eventId: Type.String(),
  /** Grows with every change to the event's questions. */
  sequence: Type.Integer({ minimum: 0 }),
  qa: QaSettings,
  questions: Type.Array(EventQuestion),
});
export type QuestionsSnapshot = Static<typeof QuestionsSnapshot>;

/** An event's questions changed (a superseding snapshot, coalesced; published after commit). */
export const QuestionsChangedV1 = defineEvent(
  'polls.live.questions.v1',
  Type.Object({ snapshot: QuestionsSnapshot }),
);
