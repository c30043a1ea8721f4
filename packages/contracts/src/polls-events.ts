import Type, { type Static } from 'typebox';
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

export const VoterPolicy = Type.Union([
  Type.Literal('anonymous'),
  Type.Literal('signed_in'),
  Type.Literal('access_code'),
]);
export const ResultsVisibility = Type.Union([
  Type.Literal('live'),
  Type.Literal('after_vote'),
  Type.Literal('after_close'),
  Type.Literal('hidden'),
]);

/** How a poll takes votes and shows results. Every field has a default (see the polls service). */
export const PollSettings = Type.Object({
  /** Who may vote: anyone with a device token, signed-in users only, or holders of an access code. */
  voters: VoterPolicy,
  /** Whether a voter may change or retract their vote while the poll is open. */
  allowVoteChange: Type.Boolean(),
  resultsVisibility: ResultsVisibility,
  /** multiple_choice: how many options a ballot selects. */
  minSelections: Type.Integer({ minimum: 1 }),
  maxSelections: Type.Integer({ minimum: 1 }),
  /** rating: the scale (nps is always 0 to 10). */
  scaleMin: Type.Integer({ minimum: 0, maximum: 10 }),
  scaleMax: Type.Integer({ minimum: 1, maximum: 10 }),
  /** open_text: answers show only once an organizer approves them. */
  moderation: Type.Boolean(),
  // Anti-stuffing (docs/polls.md). Optional: events of polls made before them leave them out, and
  // the polls service reads such a poll with the defaults (poll-defaults.ts). They may change
  // while votes exist.
  votesPerAddressPerMinute: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 100_000,
      description:
        'Votes (and withdrawals) one network address may send to this poll per minute; 0: no limit. Default 300: a room of 300 behind one address votes within a minute.',
    }),
  ),
  votesPerAddressPerHour: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 1_000_000,
      description: 'The same per hour; 0: no limit. Default 1000.',
    }),
  ),
  deviceToken: Type.Optional(
    Type.Boolean({
      description:
        'Votes need a Device-Token header: one Canvass issued for that Voter-Token (POST /api/v1/polls/{pollId}/device-token, counted per address like votes). Default false.',
    }),
  ),
  proofOfWork: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 24,
      description:
        'Votes need a Proof-Of-Work header solving a challenge (GET /api/v1/polls/{pollId}/challenge) with this many leading zero bits; 0: none. 16 costs a phone about a second. Default 0.',
    }),
  ),
});

export type PollSettings = Static<typeof PollSettings>;

const Timestamp = Type.String({ format: 'date-time' });
const OptionalTimestamp = Type.Union([Timestamp, Type.Null()]);

/** v2 carries the poll's settings and schedule; v1 polls upcast to the defaults (single choice, live). */
export const PollCreatedV2 = defineEvent(
  'polls.poll.created.v2',
  Type.Object({
    ...PollCreatedV1.data.properties,
    settings: PollSettings,
    opensAt: OptionalTimestamp,
    closesAt: OptionalTimestamp,
  }),
);

/** An organizer edited a poll: the audit entry, with what changed and what it was before. */
export const PollUpdatedV1 = defineEvent(
  'polls.poll.updated.v1',
  Type.Object({
    pollId: Id,
    changes: Type.Record(Type.String(), Type.Unknown()),
    previous: Type.Record(Type.String(), Type.Unknown()),
    status: PollStatus,
    /** Who edited: a user id, `api-key:<id>`, or `manage-token` for a guest poll's creator. */
    by: Type.String({ minLength: 1 }),
    updatedAt: Timestamp,
  }),
);

export const PollOpenedV1 = defineEvent(
  'polls.poll.opened.v1',
  Type.Object({ pollId: Id, openedAt: Timestamp, by: Type.String({ minLength: 1 }) }),
);

const ChainHead = Type.Object({ version: Type.Integer({ minimum: 0 }), hash: Type.String({ minLength: 1 }) });

/**
 * A poll closed. `finalHead` is its stream's head just before this event: every counted vote is
 * at or below it. `totals` are the final counts per option id (or rating value), from polls' own votes.
 */
export const PollClosedV1 = defineEvent(
  'polls.poll.closed.v1',
  Type.Object({
    pollId: Id,
    closedAt: Timestamp,
    by: Type.String({ minLength: 1 }),
    finalHead: ChainHead,
    totals: Type.Object({
      ballots: Type.Integer({ minimum: 0 }),
      counts: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
    }),
  }),
);

/**
 * An organizer deleted a poll: the last event of its stream. Its definition, ballots, answers and
 * results are erased everywhere (docs/polls.md, "Deleting a poll"); only this event says it was.
 */
export const PollDeletedV1 = defineEvent(
  'polls.poll.deleted.v1',
  Type.Object({ pollId: Id, deletedAt: Timestamp, by: Type.String({ minLength: 1 }) }),
);

export type Ballot = Static<typeof Ballot>;

const Segment = Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()]);

/** What a ballot says, by poll type: option ids (ranked in order for ranking), a rating, or a text. */
export const Ballot = Type.Object({
  optionIds: Type.Array(Id),
  rating: Type.Union([Type.Integer({ minimum: 0, maximum: 10 }), Type.Null()]),
  text: Type.Union([Type.String({ minLength: 1, maxLength: 500 }), Type.Null()]),
});

/**
 * v3 carries every poll type's ballot and the hash of the voter's receipt id (the receipt itself
 * stays with the voter). v1 and v2 upcast to it.
 */
export const VoteCastV3 = defineEvent(
  'polls.vote.cast.v3',
  Type.Object({
    pollId: Id,
    voteId: Id,
    ...Ballot.properties,
    segment: Segment,
    receiptHash: Type.Union([Type.String(), Type.Null()]),
    castAt: Timestamp,
  }),
);

/**
 * A voter changed (a new vote.cast follows in the same stream) or withdrew their vote. It repeats
 * the retracted ballot, so projections take back exactly what they counted.
 */
export const VoteRetractedV1 = defineEvent(
  'polls.vote.retracted.v1',
  Type.Object({
    pollId: Id,
    voteId: Id,
    ...Ballot.properties,
    segment: Segment,
    castAt: Timestamp,
    /** Whether the answer had been approved (open text): approved answers are shown and counted in terms. */
    approved: Type.Boolean(),
    retractedAt: Timestamp,
  }),
);

/** An organizer approved or rejected an open-text answer. */
export const AnswerModeratedV1 = defineEvent(
  'polls.answer.moderated.v1',
  Type.Object({
    pollId: Id,
    voteId: Id,
    decision: Type.Union([Type.Literal('approved'), Type.Literal('rejected')]),
    text: Type.String({ minLength: 1, maxLength: 500 }),
    moderatedAt: Timestamp,
  }),
);
