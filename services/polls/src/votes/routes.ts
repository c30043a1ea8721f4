import { HttpProblem, identityOf, notFound, type ServiceContext, sha256 } from '@canvass/service-kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import type { PollCache } from '../polls/poll-cache.ts';
import { type StoredPoll, takesVotes } from '../polls/poll-store.ts';
import { PollIdParams } from '../polls/schemas.ts';
import { CastVoteBody, parseBallot } from './ballot.ts';
import { pollNotOpen, type VoteWriter } from './vote-writer.ts';

const VoterHeaders = Type.Object({
  'voter-token': Type.Optional(
    Type.String({
      minLength: 8,
      maxLength: 200,
      description:
        'A random token the client keeps; one vote per token per poll (not needed for signed_in polls).',
    }),
  ),
});
type VoterHeaders = Static<typeof VoterHeaders>;

/** The open poll a vote goes to: from the cache, re-read before saying no (it may have just opened). */
async function openPoll(cache: PollCache, pollId: string): Promise<StoredPoll> {
  let poll = await cache.get(pollId);
  if (poll && !takesVotes(poll)) poll = await cache.get(pollId, { fresh: true });
  if (!poll) throw notFound('poll', `There is no poll with id ${pollId}.`);
  if (!takesVotes(poll)) throw pollNotOpen(poll.status === 'open' ? 'closed' : poll.status);
  return poll;
}

/** One key per voter per poll, by the poll's voter policy; raw tokens and user ids are never stored. */
async function voterHash(
  request: FastifyRequest<{ Headers: VoterHeaders }>,
  poll: StoredPoll,
  internalSecret: string | undefined,
  accessCode: string | undefined,
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
  if (policy === 'access_code' && accessCode !== poll.accessCode) {
    throw new HttpProblem(
      403,
      'wrong-access-code',
      accessCode === undefined ? 'Access code needed' : 'Wrong access code',
      'This poll needs the access code its organizer shared; nothing was stored.',
      { errors: [{ in: 'body', field: '/accessCode', message: 'does not match' }] },
    );
  }
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
  return sha256(`${poll.id}:${token}`);
}

export function voteRoutes(
  app: FastifyInstance,
  { internalSecret }: ServiceContext,
  { cache, writer }: { cache: PollCache; writer: VoteWriter },
): void {
  app.post<{ Params: { pollId: string }; Body: CastVoteBody; Headers: VoterHeaders }>(
    '/api/v1/polls/:pollId/votes',
    { schema: { params: PollIdParams, body: CastVoteBody, headers: VoterHeaders } },
    async (request, reply) => {
      const poll = await openPoll(cache, request.params.pollId);
      const ballot = parseBallot(poll, request.body);
      const hash = await voterHash(request, poll, internalSecret, request.body.accessCode);
      const outcome = await writer.submit({
        kind: 'cast',
        poll,
        body: request.body,
        ballot,
        voterHash: hash,
      });
      if (outcome.kind !== 'cast') throw new Error('a cast came back as something else');
      return reply.code(201).send({ receiptId: outcome.receiptId, replaced: outcome.replaced });
    },
  );

  // Withdraw: the access code (if the poll needs one) comes in the Access-Code header.
  app.delete<{ Params: { pollId: string }; Headers: VoterHeaders }>(
    '/api/v1/polls/:pollId/votes/mine',
    { schema: { params: PollIdParams, headers: VoterHeaders } },
    async (request, reply) => {
      const poll = await openPoll(cache, request.params.pollId);
      const accessCode = request.headers['access-code'] as string | undefined;
      const hash = await voterHash(request, poll, internalSecret, accessCode);
      await writer.submit({ kind: 'retract', poll, voterHash: hash });
      return reply.code(204).send();
    },
  );
}
