// A receipt proves a vote is in the count. Its id is a secret only the voter holds (the stream
// keeps only its hash), so only they can look it up; the answer shows them their own ballot, the
// stream event that recorded it with the hashes that chain it to the poll's head, and, once the
// poll is closed, the final head published with the totals. Anyone can then check with the
// event's hash that the vote is in the chain the operators verify (`canvass streams verify`).
// The totals follow the poll's results visibility: a receipt holder is a voter, so `live`,
// `after_vote` and (closed) `after_close` show them; `hidden` results stay the organizer's.
import { jsonResponse, notFound, problemResponses, type ServiceContext, sha256 } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import Type from 'typebox';
import type { PollsTables } from '../tables.ts';

const ReceiptParams = Type.Object({ receiptId: Type.String({ minLength: 10, maxLength: 100 }) });
const Head = Type.Object({ version: Type.Integer({ minimum: 0 }), hash: Type.String() });
const Receipt = Type.Object({
  receiptId: Type.String(),
  pollId: Type.String(),
  question: Type.String(),
  status: Type.Union([Type.Literal('counted'), Type.Literal('replaced'), Type.Literal('withdrawn')]),
  castAt: Type.String({ format: 'date-time' }),
  ballot: Type.Object({
    optionIds: Type.Array(Type.String()),
    rating: Type.Union([Type.Integer(), Type.Null()]),
    text: Type.Union([Type.String(), Type.Null()]),
  }),
  moderation: Type.Optional(Type.String({ description: 'open_text: pending, approved or rejected.' })),
  proof: Type.Object(
    {
      version: Type.Integer({ minimum: 1 }),
      prevHash: Type.String(),
      hash: Type.String(),
      event: Type.Record(Type.String(), Type.Unknown(), {
        description: 'The CloudEvent that recorded the vote.',
      }),
    },
    { description: 'sha-256 over prevHash, version and the event’s canonical JSON gives hash.' },
  ),
  head: Head,
  final: Type.Union([
    Type.Object({
      closedAt: Type.String({ format: 'date-time' }),
      finalHead: Head,
      totals: Type.Optional(
        Type.Record(Type.String(), Type.Unknown(), {
          description: 'The final counts; left out when the poll’s results are hidden.',
        }),
      ),
      includesThisVote: Type.Boolean(),
    }),
    Type.Null(),
  ]),
  pollStatus: Type.String(),
});

export function receiptRoutes(app: FastifyInstance, { db }: ServiceContext): void {
  const kysely = db.kysely as Kysely<PollsTables>;
  app.get<{ Params: { receiptId: string } }>(
    '/api/v1/receipts/:receiptId',
    {
      schema: {
        tags: ['Votes'],
        summary: 'Verify a vote receipt',
        description:
          'Shows the holder their ballot and the hash-chained stream event that recorded it, the poll’s current head and, once closed, the final head with the totals.',
        params: ReceiptParams,
        response: {
          200: jsonResponse('The vote and its proof.', Receipt),
          ...problemResponses(400, [404, 'No vote has this receipt id.']),
        },
      },
    },
    async (request, reply) => {
      const vote = await kysely
        .selectFrom('votes')
        .innerJoin('polls', 'polls.id', 'votes.poll_id')
        .select([
          'votes.id',
          'votes.poll_id',
          'votes.event_id',
          'votes.option_ids',
          'votes.rating',
          'votes.text',
          'votes.cast_at',
          'votes.retracted_at',
          'votes.replaced_by',
          'votes.moderation',
          'polls.status',
          'polls.question',
          'polls.settings',
        ])
        .where('votes.receipt_hash', '=', sha256(request.params.receiptId))
        .executeTakeFirst();
      if (!vote?.event_id) throw notFound('receipt', 'No vote has that receipt id.');
      const link = await kysely
        .selectFrom('poll_events')
        .select(['version', 'event', 'prev_hash', 'hash'])
        .where('event_id', '=', vote.event_id)
        .executeTakeFirstOrThrow();
      const head = await kysely
        .selectFrom('poll_streams')
        .select(['version', 'head_hash'])
        .where('poll_id', '=', vote.poll_id)
        .executeTakeFirstOrThrow();
      const closed = await kysely
        .selectFrom('poll_events')
        .select(['event'])
        .where('poll_id', '=', vote.poll_id)
        .where('type', '=', 'polls.poll.closed.v1')
        .executeTakeFirst();
      const closedData = (
        closed?.event as { data?: { finalHead: { version: number }; totals: unknown; closedAt: string } }
      )?.data;
      const status = vote.retracted_at ? (vote.replaced_by ? 'replaced' : 'withdrawn') : 'counted';
      // Visibility as it is now (an organizer may hide results after closing).
      const totalsShown = vote.settings.resultsVisibility !== 'hidden';
      reply.header('cache-control', 'no-store');
      return {
        receiptId: request.params.receiptId,
        pollId: vote.poll_id,
        question: vote.question,
        status,
        castAt: new Date(vote.cast_at).toISOString(),
        ballot: { optionIds: vote.option_ids, rating: vote.rating, text: vote.text },
        ...(vote.moderation ? { moderation: vote.moderation } : {}),
        proof: { version: link.version, prevHash: link.prev_hash, hash: link.hash, event: link.event },
        head: { version: head.version, hash: head.head_hash },
        final: closedData
          ? {
              closedAt: closedData.closedAt,
              finalHead: closedData.finalHead,
              ...(totalsShown ? { totals: closedData.totals } : {}),
              includesThisVote: status === 'counted' && link.version <= closedData.finalHead.version,
            }
          : null,
        pollStatus: vote.status,
      };
    },
  );
}
