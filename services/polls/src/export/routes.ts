// Exports a poll's current votes as CSV or JSON, streamed a page at a time: memory stays flat
// however many votes there are. Voters are not identified; each row is one ballot.
import { Readable } from 'node:stream';
import type { ServiceContext } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import Type, { type Static } from 'typebox';
import { authorizeOrganizer } from '../polls/organizer.ts';
import type { PollCache } from '../polls/poll-cache.ts';
import type { StoredPoll } from '../polls/poll-store.ts';
import { ORGANIZER, organizerProblems, PollIdParams } from '../polls/schemas.ts';
import type { PollsTables } from '../tables.ts';

const PAGE = 1000;
const ExportQuery = Type.Object({
  format: Type.Union([Type.Literal('csv'), Type.Literal('json')], { default: 'csv' }),
});

const ExportedVote = Type.Object({
  voteId: Type.String(),
  castAt: Type.String({ format: 'date-time' }),
  segment: Type.Union([Type.String(), Type.Null()]),
  answer: Type.String({ description: 'The ballot in words: labels, the ranking, the rating or the text.' }),
  optionIds: Type.Array(Type.String()),
  rating: Type.Union([Type.Integer(), Type.Null()]),
  text: Type.Union([Type.String(), Type.Null()]),
  moderation: Type.Union([Type.String(), Type.Null()]),
});
const ExportJson = Type.Object({
  pollId: Type.String(),
  question: Type.String(),
  type: Type.String(),
  votes: Type.Array(ExportedVote),
});

interface ExportRow {
  voteId: string;
  castAt: string;
  segment: string | null;
  answer: string;
  optionIds: string[];
  rating: number | null;
  text: string | null;
  moderation: string | null;
}

/** Keyset pages over (cast_at, id): no offset scans, and rows written meanwhile do not shift pages. */
async function* exportRows(kysely: Kysely<PollsTables>, poll: StoredPoll): AsyncGenerator<ExportRow> {
  const labels = new Map(poll.options.map((option) => [option.id, option.label]));
  let after: { castAt: Date; id: string } | undefined;
  for (;;) {
    let query = kysely
      .selectFrom('votes')
      .select(['id', 'cast_at', 'segment', 'option_ids', 'rating', 'text', 'moderation'])
      .where('poll_id', '=', poll.id)
      .where('retracted_at', 'is', null)
      .orderBy('cast_at')
      .orderBy('id')
      .limit(PAGE);
    if (after) {
      const { castAt, id } = after;
      query = query.where((eb) =>
        eb.or([eb('cast_at', '>', castAt), eb.and([eb('cast_at', '=', castAt), eb('id', '>', id)])]),
      );
    }
    const rows = await query.execute();
    for (const row of rows) {
      const named = row.option_ids.map((id) => labels.get(id) ?? id);
      yield {
        voteId: row.id,
        castAt: new Date(row.cast_at).toISOString(),
        segment: row.segment,
        answer:
          poll.type === 'ranking'
            ? named.map((label, index) => `${index + 1}. ${label}`).join('; ')
            : (row.text ?? (row.rating !== null ? String(row.rating) : named.join('; '))),
        optionIds: row.option_ids,
        rating: row.rating,
        text: row.text,
        moderation: row.moderation,
      };
    }
    if (rows.length < PAGE) return;
    const last = rows.at(-1)!;
    after = { castAt: new Date(last.cast_at), id: last.id };
  }
}

export const csvCell = (value: string | number | null) => {
  const text = value === null ? '' : String(value);
  // Quote always; double inner quotes; a leading =,+,-,@ would run as a formula in a spreadsheet.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replaceAll('"', '""')}"`;
};

async function* csv(rows: AsyncIterable<ExportRow>) {
  yield 'vote_id,cast_at,segment,answer,moderation\r\n';
  for await (const row of rows) {
    yield `${[row.voteId, row.castAt, row.segment, row.answer, row.moderation].map(csvCell).join(',')}\r\n`;
  }
}

async function* json(poll: StoredPoll, rows: AsyncIterable<ExportRow>) {
  yield `{"pollId":${JSON.stringify(poll.id)},"question":${JSON.stringify(poll.question)},"type":"${poll.type}","votes":[`;
  let first = true;
  for await (const row of rows) {
    yield `${first ? '' : ','}\n${JSON.stringify(row)}`;
    first = false;
  }
  yield '\n]}\n';
}

export function exportRoutes(app: FastifyInstance, context: ServiceContext, cache: PollCache): void {
  const kysely = context.db.kysely as Kysely<PollsTables>;
  app.get<{ Params: { pollId: string }; Querystring: Static<typeof ExportQuery> }>(
    '/api/v1/polls/:pollId/export',
    {
      schema: {
        tags: ['Polls'],
        summary: 'Export the votes',
        description:
          'Every current ballot (voters are not identified), streamed as CSV (vote_id, cast_at, segment, answer, moderation) or JSON.',
        params: PollIdParams,
        querystring: ExportQuery,
        security: ORGANIZER,
        response: {
          200: {
            description: 'An attachment, in the format asked for.',
            content: {
              'text/csv': { schema: Type.String() },
              'application/json': { schema: ExportJson },
            },
          },
          ...organizerProblems(400),
        },
      },
    },
    async (request, reply) => {
      const poll = await cache.require(request.params.pollId);
      await authorizeOrganizer(request, poll, context.internalSecret);
      const { format } = request.query;
      const rows = exportRows(kysely, poll);
      reply
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="poll-${poll.id}.${format}"`)
        .header('cache-control', 'no-store');
      return reply.send(Readable.from(format === 'csv' ? csv(rows) : json(poll, rows)));
    },
  );
}
