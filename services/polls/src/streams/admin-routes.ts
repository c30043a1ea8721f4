// Operator routes over the poll streams: verify a stream's hash chain, and page through every
// event in order (the source `canvass projections rebuild` replays).
import type { ServiceContext } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import Type from 'typebox';
import type { PollsTables } from '../tables.ts';
import { eventStats, readAllEvents, verifyStream } from './poll-stream.ts';

const PageQuery = Type.Object({
  after: Type.Integer({ minimum: 0, default: 0 }),
  limit: Type.Integer({ minimum: 1, maximum: 5000, default: 1000 }),
});

export function streamAdminRoutes(app: FastifyInstance, { db }: ServiceContext): void {
  const kysely = db.kysely as Kysely<PollsTables>;

  app.get<{ Params: { pollId: string } }>(
    '/admin/v1/streams/:pollId/verify',
    { schema: { params: Type.Object({ pollId: Type.String({ minLength: 1, maxLength: 64 }) }) } },
    async (request) => verifyStream(kysely, request.params.pollId),
  );

  app.get('/admin/v1/events/stats', async () => eventStats(kysely));

  app.get<{ Querystring: { after: number; limit: number } }>(
    '/admin/v1/events',
    { schema: { querystring: PageQuery } },
    async (request) => readAllEvents(kysely, request.query.after, request.query.limit),
  );
}
