// The analytics service: read models projected from polls events (live tallies for now).
import { PollCreatedV1, VoteCastV1 } from '@canvass/contracts';
import type { ServiceContext, ServiceModule } from '@canvass/service-kit';
import type { Kysely } from 'kysely';
import { resultsRoutes } from './results/routes.ts';
import { applyPollsEvents } from './results/tally.ts';
import type { AnalyticsTables } from './tables.ts';

export function createAnalyticsService(context: ServiceContext): ServiceModule {
  return {
    name: 'analytics',
    migrationsDir: new URL('../migrations/', import.meta.url),
    routes: (app) => resultsRoutes(app, context),
    consumers: [
      {
        name: 'analytics-tallies',
        types: [PollCreatedV1.type, VoteCastV1.type],
        handle: (trx, events) => applyPollsEvents(trx as Kysely<AnalyticsTables>, events),
      },
    ],
  };
}
