import { PollSettings, PollStatus, PollType } from '@canvass/contracts';
import Type, { type Static } from 'typebox';

export const PollIdParams = Type.Object({ pollId: Type.String({ minLength: 1, maxLength: 64 }) });

const OptionInput = Type.Object(
  { label: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
const Options = Type.Array(OptionInput, { minItems: 2, maxItems: 50 });
const SettingsInput = Type.Partial(PollSettings, { additionalProperties: false });
const AccessCode = Type.String({ minLength: 4, maxLength: 64, description: 'What voters type to vote.' });
const When = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export const CreatePollBody = Type.Object(
  {
    question: Type.String({ minLength: 1, maxLength: 300 }),
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
    question: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    options: Type.Optional(Options),
    settings: Type.Optional(SettingsInput),
    accessCode: Type.Optional(Type.Union([AccessCode, Type.Null()])),
    opensAt: Type.Optional(When),
    closesAt: Type.Optional(When),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type EditPollBody = Static<typeof EditPollBody>;

export const PollView = Type.Object({
  id: Type.String(),
  workspaceId: Type.Union([Type.String(), Type.Null()]),
  question: Type.String(),
  type: PollType,
  status: PollStatus,
  options: Type.Array(Type.Object({ id: Type.String(), label: Type.String() })),
  settings: PollSettings,
  opensAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  closesAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  accessCode: Type.Optional(Type.String({ description: 'Shown to organizers only.' })),
  manageToken: Type.Optional(
    Type.String({ description: 'Secret for a guest to manage the poll; shown only once.' }),
  ),
});
export type PollView = Static<typeof PollView>;
