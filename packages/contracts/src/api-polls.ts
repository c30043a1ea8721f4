// A poll as the API shows it: what POST /api/v1/polls, GET /api/v1/polls/{pollId} and the
// organizer's actions answer (and the `poll` of the gateway's page route).
import Type, { type Static } from 'typebox';
import { PollSettings, PollStatus, PollType } from './polls-events.ts';

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
