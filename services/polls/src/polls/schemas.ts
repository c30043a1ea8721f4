import { PollStatus, PollType } from '@canvass/contracts';
import Type, { type Static } from 'typebox';

export const PollIdParams = Type.Object({ pollId: Type.String({ minLength: 1, maxLength: 64 }) });

export const CreatePollBody = Type.Object(
  {
    question: Type.String({ minLength: 1, maxLength: 300 }),
    type: Type.Literal('single_choice', { default: 'single_choice' }),
    options: Type.Array(
      Type.Object({ label: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
      {
        minItems: 2,
        maxItems: 50,
      },
    ),
    status: Type.Union([Type.Literal('draft'), Type.Literal('open')], { default: 'open' }),
  },
  { additionalProperties: false },
);
export type CreatePollBody = Static<typeof CreatePollBody>;

export const PollView = Type.Object({
  id: Type.String(),
  question: Type.String(),
  type: PollType,
  status: PollStatus,
  options: Type.Array(Type.Object({ id: Type.String(), label: Type.String() })),
  createdAt: Type.String({ format: 'date-time' }),
  manageToken: Type.Optional(
    Type.String({ description: 'Secret for a guest to manage the poll; shown only once.' }),
  ),
});
export type PollView = Static<typeof PollView>;
