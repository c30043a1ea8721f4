// What a voting client fetches before voting in a poll that asks for it: a device token for its
// Voter-Token (counted per address like a vote), and a proof-of-work challenge. Both are signed,
// so neither leaves state behind; see device-token.ts and proof-of-work.ts. And an access code's
// check, so a voter hears of a wrong code before choosing an answer (behind the same lockout as
// votes: checking first gives no more guesses).
import { DeviceTokenGrant, VoteChallenge } from '@canvass/contracts';
import { POLL_LIMITS } from '@canvass/contracts/poll-limits';
import {
  emptyResponse,
  HttpProblem,
  jsonResponse,
  problemResponses,
  type SecurityRequirements,
  type ServiceContext,
} from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { PollCache } from '../polls/poll-cache.ts';
import { PollIdParams } from '../polls/schemas.ts';
import type { AccessCodeGuard } from './access-code-guard.ts';
import { checkAddressRate } from './address-rate.ts';
import { issueDeviceToken } from './device-token.ts';
import { issueChallenge } from './proof-of-work.ts';
import { checkAccessCode, openPoll, requireVoterToken, tokenVoterHash } from './routes.ts';

const TokenHeaders = Type.Object({
  'voter-token': Type.Optional(
    Type.String({ minLength: 8, maxLength: 200, description: 'The token the device token is for.' }),
  ),
});
const ANYONE: SecurityRequirements = [{}];
const AccessCodeCheck = Type.Object(
  { accessCode: Type.String({ minLength: 1, maxLength: POLL_LIMITS.accessCodeMax }) },
  { additionalProperties: false },
);

export function voterCheckRoutes(
  app: FastifyInstance,
  { internalSecret }: ServiceContext,
  cache: PollCache,
  guard: AccessCodeGuard,
): void {
  const secret = internalSecret ?? '';

  app.post<{ Params: { pollId: string }; Body: Static<typeof AccessCodeCheck> }>(
    '/api/v1/polls/:pollId/access-code',
    {
      schema: {
        tags: ['Votes'],
        summary: 'Check an access code',
        description:
          'For polls whose voters need an access code: whether this one is right, before the voter picks an answer. Wrong codes count toward the same lockout as votes with a wrong code. Nothing is stored.',
        params: PollIdParams,
        body: AccessCodeCheck,
        security: ANYONE,
        response: {
          204: emptyResponse('The code is right: send it with the vote.'),
          ...problemResponses(
            [400, 'The body is not valid, or the poll takes no access code (`no-access-code`).'],
            [403, 'The code is wrong (`wrong-access-code`).'],
            [404, 'No poll has this id.'],
            [410, 'The poll was deleted (`poll-deleted`).'],
            [
              429,
              'Too many wrong codes for this poll from this network address, or for the poll (see Retry-After).',
            ],
          ),
        },
      },
    },
    async (request, reply) => {
      const poll = await cache.require(request.params.pollId);
      if (poll.settings.voters !== 'access_code')
        throw new HttpProblem(
          400,
          'no-access-code',
          'This poll takes no access code',
          'Anyone with the link may vote in this poll.',
        );
      checkAccessCode(request, poll, internalSecret, request.body.accessCode, guard);
      reply.header('cache-control', 'no-store');
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { pollId: string }; Headers: { 'voter-token'?: string } }>(
    '/api/v1/polls/:pollId/device-token',
    {
      schema: {
        tags: ['Votes'],
        summary: 'Get a device token',
        description:
          'For polls with `deviceToken`: a token binding this Voter-Token to the poll for an hour, to send as Device-Token with the vote. Counted per network address like votes, within the poll’s votesPerAddress limits.',
        params: PollIdParams,
        headers: TokenHeaders,
        security: ANYONE,
        response: {
          201: jsonResponse('Send it with votes from this Voter-Token.', DeviceTokenGrant),
          ...problemResponses(
            [400, 'The Voter-Token header is missing or not valid.'],
            [404, 'No poll has this id.'],
            [410, 'The poll was deleted (`poll-deleted`).'],
            [409, 'The poll is not open.'],
            [429, 'Too many device tokens for this poll from this network address (see Retry-After).'],
          ),
        },
      },
    },
    async (request, reply) => {
      const poll = await openPoll(cache, request.params.pollId);
      checkAddressRate(request, poll, 'device tokens');
      const token = requireVoterToken(request);
      reply.header('cache-control', 'no-store');
      return reply.code(201).send(issueDeviceToken(secret, poll.id, tokenVoterHash(poll.id, token)));
    },
  );

  app.get<{ Params: { pollId: string } }>(
    '/api/v1/polls/:pollId/challenge',
    {
      schema: {
        tags: ['Votes'],
        summary: 'Get a proof-of-work challenge',
        description:
          'For polls with `proofOfWork`: a puzzle to solve before voting (good for 10 minutes and any number of voters, each solving it for their own Voter-Token). Difficulty 0 when the poll asks for none.',
        params: PollIdParams,
        security: ANYONE,
        response: {
          200: jsonResponse('The challenge and how hard it is.', VoteChallenge),
          ...problemResponses(
            400,
            [404, 'No poll has this id.'],
            [410, 'The poll was deleted (`poll-deleted`).'],
          ),
        },
      },
    },
    async (request, reply) => {
      const poll = await cache.require(request.params.pollId);
      reply.header('cache-control', 'no-store');
      return issueChallenge(secret, poll.id, poll.settings.proofOfWork ?? 0);
    },
  );
}
