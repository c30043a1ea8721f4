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
  votingLockedAt: Type.Optional(
    Type.String({
      format: 'date-time',
      description:
        'In an event, the presenter locked voting or started a countdown: votes are refused from then on (409 `voting-locked`).',
    }),
  ),
  manageToken: Type.Optional(
    Type.String({ description: 'Secret for a guest to manage the poll; shown only once.' }),
  ),
});
export type PollView = Static<typeof PollView>;

/** What POST /api/v1/polls/{pollId}/device-token answers: a token for the Device-Token header. */
export const DeviceTokenGrant = Type.Object({
  deviceToken: Type.String({
    description: 'Send it in the Device-Token header with votes from this Voter-Token, until it expires.',
  }),
  expiresAt: Type.String({ format: 'date-time' }),
});
export type DeviceTokenGrant = Static<typeof DeviceTokenGrant>;

/** What GET /api/v1/polls/{pollId}/challenge answers: a proof-of-work puzzle for one vote. */
export const VoteChallenge = Type.Object({
  challenge: Type.String({ description: 'Opaque; part of what is hashed.' }),
  difficulty: Type.Integer({
    minimum: 0,
    maximum: 24,
    description:
      'Find a nonce (decimal digits) where SHA-256 of `<challenge>:<Voter-Token>:<nonce>` (UTF-8) starts with this many zero bits; send `<challenge>:<nonce>` in the Proof-Of-Work header. 0: the poll asks for none.',
  }),
  expiresAt: Type.String({ format: 'date-time' }),
});
export type VoteChallenge = Static<typeof VoteChallenge>;
