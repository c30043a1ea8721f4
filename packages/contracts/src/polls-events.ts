import Type from 'typebox';
import { defineEvent } from './envelope.ts';

const Id = Type.String({ minLength: 1, maxLength: 64 });
export const PollStatus = Type.Union([
  Type.Literal('draft'),
  Type.Literal('scheduled'),
  Type.Literal('open'),
  Type.Literal('closed'),
]);
export const PollType = Type.Union([
  Type.Literal('single_choice'),
  Type.Literal('multiple_choice'),
  Type.Literal('rating'),
  Type.Literal('nps'),
  Type.Literal('ranking'),
  Type.Literal('open_text'),
]);

export const PollCreatedV1 = defineEvent(
  'polls.poll.created.v1',
  Type.Object({
    pollId: Id,
    workspaceId: Type.Union([Id, Type.Null()]),
    question: Type.String({ minLength: 1 }),
    type: PollType,
    status: PollStatus,
    options: Type.Array(Type.Object({ id: Id, label: Type.String() })),
    createdAt: Type.String({ format: 'date-time' }),
  }),
);

export const VoteCastV1 = defineEvent(
  'polls.vote.cast.v1',
  Type.Object({
    pollId: Id,
    voteId: Id,
    optionIds: Type.Array(Id, { minItems: 1 }),
    castAt: Type.String({ format: 'date-time' }),
  }),
);

/** v2 adds the segment label given at vote time (for example the embed source), or null. */
export const VoteCastV2 = defineEvent(
  'polls.vote.cast.v2',
  Type.Object({
    pollId: Id,
    voteId: Id,
    optionIds: Type.Array(Id, { minItems: 1 }),
    segment: Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()]),
    castAt: Type.String({ format: 'date-time' }),
  }),
);

/** A guest poll was claimed into a workspace with its manage token. */
export const PollClaimedV1 = defineEvent(
  'polls.poll.claimed.v1',
  Type.Object({ pollId: Id, workspaceId: Id, claimedAt: Type.String({ format: 'date-time' }) }),
);
