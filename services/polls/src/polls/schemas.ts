import { PollSettings, PollStatus, PollType, PollView } from '@canvass/contracts';
import { POLL_LIMITS } from '@canvass/contracts/poll-limits';
import { problemResponses, type SecurityRequirements } from '@canvass/service-kit';
import Type, { type Static } from 'typebox';

export const PollIdParams = Type.Object({ pollId: Type.String({ minLength: 1, maxLength: 64 }) });

const OptionInput = Type.Object(
  { label: Type.String({ minLength: 1, maxLength: POLL_LIMITS.optionLabel, pattern: '\\S' }) },
  { additionalProperties: false },
);
const Options = Type.Array(OptionInput, {
  minItems: POLL_LIMITS.minOptions,
  maxItems: POLL_LIMITS.maxOptions,
  description: `${POLL_LIMITS.minOptions} to ${POLL_LIMITS.maxOptions} options, each different (compared without case and extra spaces).`,
});
const SettingsInput = Type.Partial(PollSettings, { additionalProperties: false });
const AccessCode = Type.String({
  minLength: POLL_LIMITS.accessCodeMin,
  maxLength: POLL_LIMITS.accessCodeMax,
  description: 'What voters type to vote.',
});
const When = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

/** Stored trimmed, so it needs more than spaces. */
const Question = Type.String({ minLength: 1, maxLength: POLL_LIMITS.question, pattern: '\\S' });

export const CreatePollBody = Type.Object(
  {
    question: Question,
    type: Type.Optional(PollType),
    options: Type.Optional(Options),
    /** draft: build it first; open: take votes now. A future `opensAt` makes it scheduled. */
    status: Type.Optional(Type.Union([Type.Literal('draft'), Type.Literal('open')])),
    settings: Type.Optional(SettingsInput),
    accessCode: Type.Optional(AccessCode),
    opensAt: Type.Optional(When),
    closesAt: Type.Optional(When),
  },
  { additionalProperties: false },
);
export type CreatePollBody = Static<typeof CreatePollBody>;

export const EditPollBody = Type.Object(
  {
    question: Type.Optional(Question),
    options: Type.Optional(Options),
    settings: Type.Optional(SettingsInput),
    accessCode: Type.Optional(Type.Union([AccessCode, Type.Null()])),
    opensAt: Type.Optional(When),
    closesAt: Type.Optional(When),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type EditPollBody = Static<typeof EditPollBody>;

/** The poll as the API shows it (shared with the gateway's page route, so it lives in contracts). */
export { PollView };

export const ListPollsQuery = Type.Object({
  status: Type.Optional(PollStatus),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  after: Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: 'Paging: the `next` of the previous page.' }),
  ),
});
export type ListPollsQuery = Static<typeof ListPollsQuery>;

export const PollPage = Type.Object({
  polls: Type.Array(PollView),
  next: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as `after` for the next page; null on the last one.',
  }),
});

export const PollHistory = Type.Object({
  pollId: Type.String(),
  entries: Type.Array(
    Type.Object({
      version: Type.Integer({ minimum: 1, description: 'Its place in the poll’s event stream.' }),
      type: Type.String({ description: 'The event type, e.g. polls.poll.updated.v1.' }),
      at: Type.String({ format: 'date-time' }),
      data: Type.Record(Type.String(), Type.Unknown(), { description: 'The event’s data.' }),
    }),
  ),
});

/** Who may manage a poll: a member of its workspace with polls:write, or a guest poll's manage token. */
export const ORGANIZER: SecurityRequirements = [{ bearer: [] }, { manageToken: [] }];

/** The problems every organizer route can answer, and the route's own. */
export const organizerProblems = (...own: Parameters<typeof problemResponses>) =>
  problemResponses(
    [401, 'Neither credentials nor a manage token.'],
    [403, 'The manage token or the workspace is not this poll’s, or polls:write is missing.'],
    [404, 'No poll has this id.'],
    [410, 'The poll was deleted (`poll-deleted`).'],
    ...own,
  );
