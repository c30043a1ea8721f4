import type { IncomingHttpHeaders } from 'node:http';
import {
  type BatchRoute,
  batchRoute,
  clientAddressOf,
  emptyResponse,
  HttpProblem,
  identityOf,
  jsonResponse,
  problemResponses,
  type SecurityRequirements,
  type ServiceContext,
  sha256,
} from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { PollCache } from '../polls/poll-cache.ts';
import { type StoredPoll, takesVotes } from '../polls/poll-store.ts';
import { PollIdParams } from '../polls/schemas.ts';
import type { AccessCodeGuard } from './access-code-guard.ts';
import { checkAddressRate } from './address-rate.ts';
import { CastVoteBody, parseBallot } from './ballot.ts';
import { checkDeviceToken } from './device-token.ts';
import { checkProofOfWork } from './proof-of-work.ts';
import { pollNotOpen, type VoteWriter } from './vote-writer.ts';

export const VoterHeaders = Type.Object({
  'voter-token': Type.Optional(
    Type.String({
      minLength: 8,
      maxLength: 200,
      description:
        'A random token the client keeps; one vote per token per poll (not needed for signed_in polls).',
    }),
  ),
});
export type VoterHeaders = Static<typeof VoterHeaders>;
const CastHeaders = Type.Object({
  ...VoterHeaders.properties,
  'device-token': Type.Optional(
    Type.String({
      maxLength: 100,
      description: 'For polls with deviceToken: the token POST …/device-token issued for this Voter-Token.',
    }),
  ),
  'proof-of-work': Type.Optional(
    Type.String({
      maxLength: 300,
      description: 'For polls with proofOfWork: `<challenge>:<nonce>` (see GET …/challenge).',
    }),
  ),
});
type CastHeaders = Static<typeof CastHeaders>;
/** What the vote path reads of a request, whether fastify routed it or a batch carried it. */
type VoteRequest<H> = { headers: H & IncomingHttpHeaders; ip: string };

const WithdrawHeaders = Type.Object({
  ...VoterHeaders.properties,
  'access-code': Type.Optional(Type.String({ description: 'For polls that need an access code.' })),
});

const VOTER: SecurityRequirements = [{}, { bearer: [] }];
const voteProblems = (...own: Parameters<typeof problemResponses>) =>
  problemResponses(
    [400, 'The request is not valid, or the Voter-Token header is missing.'],
    [401, 'The poll takes votes from signed-in users only.'],
    [403, 'The access code is missing or wrong.'],
    [404, 'No poll has this id.'],
    [410, 'The poll was deleted (`poll-deleted`).'],
    [
      429,
      'Too many votes from this network address for the poll’s limits, or too many wrong access codes (see Retry-After).',
    ],
    ...own,
  );

/** The open poll a vote goes to: from the cache, re-read before saying no (it may have just opened). */
export async function openPoll(cache: PollCache, pollId: string): Promise<StoredPoll> {
  let poll = await cache.require(pollId);
  if (!takesVotes(poll)) poll = await cache.require(pollId, { fresh: true });
  if (!takesVotes(poll)) throw pollNotOpen(poll.status === 'open' ? 'closed' : poll.status);
  return poll;
}

/** The header a voter names themselves by, or 400. */
export function requireVoterToken(request: VoteRequest<VoterHeaders>): string {
  const token = request.headers['voter-token'];
  if (!token) {
    throw new HttpProblem(
      400,
      'voter-token-required',
      'Voter-Token header needed',
      'Send a random token your client keeps in the Voter-Token header.',
      {
        errors: [{ in: 'headers', field: 'voter-token', message: 'is required' }],
      },
    );
  }
  return token;
}

/** The key an anonymous or access-code voter's votes are de-duplicated by. */
export const tokenVoterHash = (pollId: string, token: string) => sha256(`${pollId}:${token}`);

/**
 * One key per voter per poll, by the poll's voter policy; raw tokens and user ids are never
 * stored. An access code is checked here, behind the wrong-code lockout.
 */
async function voterHash(
  request: VoteRequest<VoterHeaders>,
  poll: StoredPoll,
  internalSecret: string | undefined,
  accessCode: string | undefined,
  guard: AccessCodeGuard,
): Promise<string> {
  const policy = poll.settings.voters;
  if (policy === 'signed_in') {
    const identity = await identityOf(request, internalSecret);
    if (identity?.kind !== 'user') {
      throw new HttpProblem(
        401,
        'sign-in-required',
        'Sign in to vote',
        'Only signed-in users may vote in this poll.',
      );
    }
    return sha256(`${poll.id}:user:${identity.subject}`);
  }
  if (policy === 'access_code') checkAccessCode(request, poll, internalSecret, accessCode, guard);
  return tokenVoterHash(poll.id, requireVoterToken(request));
}

/** Refuses a wrong (or missing) access code, behind the wrong-code lockout; counts each wrong one. */
export function checkAccessCode(
  request: VoteRequest<unknown>,
  poll: StoredPoll,
  internalSecret: string | undefined,
  accessCode: string | undefined,
  guard: AccessCodeGuard,
): void {
  const address = clientAddressOf(request, internalSecret);
  guard.check(poll.id, address);
  if (accessCode !== poll.accessCode) {
    if (accessCode !== undefined) guard.failed(poll.id, address);
    throw wrongAccessCode(accessCode);
  }
}

const wrongAccessCode = (accessCode: string | undefined) =>
  new HttpProblem(
    403,
    'wrong-access-code',
    accessCode === undefined ? 'Access code needed' : 'Wrong access code',
    'This poll needs the access code its organizer shared; nothing was stored.',
    { errors: [{ in: 'body', field: '/accessCode', message: 'does not match' }] },
  );

/**
 * The poll's anti-stuffing checks a vote passes once its voter is known (the address counts come
 * first, before anything else is read): no lookups, an HMAC and a hash at most. Signed-in voters
 * are identified by their account, so device tokens and proof of work apply to voter tokens only.
 */
function checkVoterProof(
  request: VoteRequest<CastHeaders>,
  poll: StoredPoll,
  hash: string,
  secret: string,
): void {
  const { deviceToken, proofOfWork } = poll.settings;
  if (poll.settings.voters === 'signed_in' || (!deviceToken && !proofOfWork)) return;
  if (deviceToken) checkDeviceToken(secret, poll.id, hash, request.headers['device-token']);
  if (proofOfWork) {
    checkProofOfWork(
      secret,
      poll.id,
      proofOfWork,
      requireVoterToken(request),
      request.headers['proof-of-work'],
    );
  }
}

interface VoteDeps {
  cache: PollCache;
  writer: VoteWriter;
  guard: AccessCodeGuard;
}

/** A vote, as its route takes it or as a batch from the gateway carries it: the same checks. */
async function castVote(
  request: VoteRequest<CastHeaders>,
  pollId: string,
  body: CastVoteBody,
  internalSecret: string | undefined,
  { cache, writer, guard }: VoteDeps,
): Promise<{ receiptId: string; replaced: boolean }> {
  const poll = await openPoll(cache, pollId);
  checkAddressRate(request, poll, 'votes');
  const ballot = parseBallot(poll, body);
  const hash = await voterHash(request, poll, internalSecret, body.accessCode, guard);
  checkVoterProof(request, poll, hash, internalSecret ?? '');
  const outcome = await writer.submit({ kind: 'cast', poll, body, ballot, voterHash: hash });
  if (outcome.kind !== 'cast') throw new Error('a cast came back as something else');
  return { receiptId: outcome.receiptId, replaced: outcome.replaced };
}

/**
 * The vote routes. Returns the ones the gateway may also send in a batch (service-kit batch.ts):
 * casting a vote, defined once (path, schemas, handler) for its fastify route and for batches.
 */
export function voteRoutes(
  app: FastifyInstance,
  { internalSecret }: ServiceContext,
  deps: VoteDeps,
): BatchRoute<typeof PollIdParams, typeof CastHeaders, typeof CastVoteBody>[] {
  const { cache, writer, guard } = deps;
  const cast = batchRoute({
    method: 'POST',
    url: '/api/v1/polls/:pollId/votes',
    schema: { params: PollIdParams, headers: CastHeaders, body: CastVoteBody },
    handle: async (call) => ({
      status: 201,
      body: await castVote(call, call.params.pollId, call.body, internalSecret, deps),
    }),
  });
  app.post<{ Params: { pollId: string }; Body: CastVoteBody; Headers: CastHeaders }>(
    cast.url,
    {
      schema: {
        ...cast.schema,
        tags: ['Votes'],
        summary: 'Vote',
        description:
          'The body carries the answer the poll type takes: `optionIds` (single and multiple choice), `ranking`, `rating` (rating and nps) or `text` (open text). One vote per voter: a second one is refused, or replaces the first where the poll allows changing votes. Answers only once the vote is stored. The poll’s anti-stuffing settings may ask for a Device-Token and a Proof-Of-Work header, and limit votes per network address.',
        security: VOTER,
        response: {
          201: jsonResponse(
            'Counted. Keep the receipt: it verifies the vote and shows after_vote results.',
            Type.Object({
              receiptId: Type.String(),
              replaced: Type.Boolean({ description: 'This vote replaced the voter’s earlier one.' }),
            }),
          ),
          ...voteProblems(
            [
              403,
              'The access code is missing or wrong, or the poll asks for a device token or proof of work and none valid came.',
            ],
            [
              409,
              'The poll is not open, its voting is locked (`voting-locked`), or this voter has voted and votes cannot change.',
            ],
            [422, 'The answer does not fit the poll (wrong kind, unknown option, out of scale).'],
          ),
        },
      },
    },
    async (request, reply) => {
      const { status, body } = await cast.handle(request);
      return reply.code(status).send(body);
    },
  );

  // Withdraw: the access code (if the poll needs one) comes in the Access-Code header.
  app.delete<{ Params: { pollId: string }; Headers: VoterHeaders }>(
    '/api/v1/polls/:pollId/votes/mine',
    {
      schema: {
        tags: ['Votes'],
        summary: 'Withdraw your vote',
        description: 'Where the poll allows changing votes, while it is open.',
        params: PollIdParams,
        headers: WithdrawHeaders,
        security: VOTER,
        response: {
          204: emptyResponse('Withdrawn: it no longer counts.'),
          ...voteProblems(
            [404, 'No poll has this id, or this voter has no vote in it.'],
            [409, 'The poll is not open, its voting is locked (`voting-locked`), or votes cannot change.'],
          ),
        },
      },
    },
    async (request, reply) => {
      const poll = await openPoll(cache, request.params.pollId);
      checkAddressRate(request, poll, 'votes');
      const accessCode = request.headers['access-code'] as string | undefined;
      const hash = await voterHash(request, poll, internalSecret, accessCode, guard);
      await writer.submit({ kind: 'retract', poll, voterHash: hash });
      return reply.code(204).send();
    },
  );
  return [cast];
}
