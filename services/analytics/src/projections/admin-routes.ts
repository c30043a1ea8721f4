// Rebuilding a projection from the source's event history (`canvass projections rebuild`): the
// CLI begins (the live consumer pauses and the projection is emptied), sends the source's events
// page by page, and ends (the consumer resumes). Events that arrived meanwhile waited in the
// broker (or the producer's log); those already replayed are skipped (each poll's applied
// version, or the inbox).
import type { Consumer } from '@canvass/eventing';
import { HttpProblem, type ServiceContext } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import Type, { type Static } from 'typebox';
import { TALLIES_CONSUMER } from '../consumer-names.ts';

interface Projection {
  name: string;
  description: string;
  /** The service whose event history feeds it. */
  source: string;
  consumer: string;
  tables: readonly string[];
}

export const projections: readonly Projection[] = [
  {
    name: 'tallies',
    description: 'Results: tallies, series, breakdowns and open-text answers per poll',
    source: 'polls',
    consumer: TALLIES_CONSUMER,
    tables: [
      'poll_results',
      'option_tallies',
      'vote_minutes',
      'segment_tallies',
      'text_answers',
      'term_counts',
    ],
  },
];

const NameParams = Type.Object({ name: Type.String() });
const EventsBody = Type.Object({ events: Type.Array(Type.Unknown(), { maxItems: 5000 }) });

export function projectionAdminRoutes(
  app: FastifyInstance,
  { db, region }: ServiceContext,
  consumers: ReadonlyMap<string, Consumer>,
): void {
  const rebuilding = new Set<string>();

  function find(name: string): { projection: Projection; consumer: Consumer } {
    const projection = projections.find((p) => p.name === name);
    const consumer = projection && consumers.get(projection.consumer);
    if (!projection || !consumer) {
      throw new HttpProblem(
        404,
        'projection-not-found',
        'No such projection',
        `Projections: ${projections.map((p) => p.name).join(', ')}.`,
      );
    }
    return { projection, consumer };
  }

  app.get('/admin/v1/projections', async () =>
    projections.map((p) => ({ ...p, state: rebuilding.has(p.name) ? 'rebuilding' : 'live' })),
  );

  app.post<{ Params: { name: string } }>(
    '/admin/v1/projections/:name/rebuild/begin',
    { schema: { params: NameParams } },
    async (request) => {
      const { projection, consumer } = find(request.params.name);
      await consumer.pause();
      rebuilding.add(projection.name);
      await db.kysely.transaction().execute(async (trx) => {
        for (const table of projection.tables) await sql`delete from ${sql.table(table)}`.execute(trx);
        // This region's counters are counted again with the tallies; the peers' are theirs to send.
        if (projection.name === 'tallies' && region)
          await sql`delete from region_counters where region = ${region.name}`.execute(trx);
        await sql`delete from inbox where consumer = ${projection.consumer}`.execute(trx);
        await sql`delete from stream_positions where consumer = ${projection.consumer}`.execute(trx);
        await sql`delete from parked_events where consumer = ${projection.consumer}`.execute(trx);
      });
      request.log.warn({ projection: projection.name }, 'projection rebuild began; live updates paused');
      return { name: projection.name, state: 'rebuilding' };
    },
  );

  app.post<{ Params: { name: string }; Body: Static<typeof EventsBody> }>(
    '/admin/v1/projections/:name/rebuild/events',
    { schema: { params: NameParams, body: EventsBody }, bodyLimit: 32 * 1024 * 1024 },
    async (request) => {
      const { projection, consumer } = find(request.params.name);
      if (!rebuilding.has(projection.name)) {
        throw new HttpProblem(
          409,
          'not-rebuilding',
          'No rebuild under way',
          `Begin a rebuild of ${projection.name} first.`,
        );
      }
      const wanted = request.body.events.filter((event) =>
        consumer.accepts(String((event as { type?: unknown }).type)),
      );
      const applied = await db.kysely.transaction().execute((trx) => consumer.applyPayloads(trx, wanted));
      consumer.committed(applied);
      return { applied: wanted.length, skipped: request.body.events.length - wanted.length };
    },
  );

  app.post<{ Params: { name: string } }>(
    '/admin/v1/projections/:name/rebuild/end',
    { schema: { params: NameParams } },
    async (request) => {
      const { projection, consumer } = find(request.params.name);
      await consumer.resume();
      rebuilding.delete(projection.name);
      return { name: projection.name, state: 'live' };
    },
  );
}
