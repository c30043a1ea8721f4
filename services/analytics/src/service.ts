// The analytics service: read models projected from polls events (live tallies for now).
import { type CloudEvent, PollCreatedV1, VoteCastV1, VoteCastV2 } from '@canvass/contracts';
import type { ServiceContext, ServiceModule } from '@canvass/service-kit';
import type { Kysely } from 'kysely';
import { TALLIES_CONSUMER } from './consumer-names.ts';
import { projectionAdminRoutes } from './projections/admin-routes.ts';
import { resultsRoutes } from './results/routes.ts';
import { applyPollsEvents } from './results/tally.ts';
import type { AnalyticsTables } from './tables.ts';

/** v1 votes had no segment; they count as cast without one. */
function upcastVoteV1(event: CloudEvent): CloudEvent {
  return { ...event, type: VoteCastV2.type, data: { ...(event.data as object), segment: null } };
}

export function createAnalyticsService(context: ServiceContext): ServiceModule {
  return {
    name: 'analytics',
    migrationsDir: new URL('../migrations/', import.meta.url),
    routes: (app) => resultsRoutes(app, context),
    adminRoutes: (app, consumers) => projectionAdminRoutes(app, context, consumers),
    consumers: [
      {
        name: TALLIES_CONSUMER,
        types: [PollCreatedV1.type, VoteCastV1.type, VoteCastV2.type],
        upcast: { [VoteCastV1.type]: upcastVoteV1 },
        handle: (trx, events) => applyPollsEvents(trx as Kysely<AnalyticsTables>, events),
      },
    ],
  };
}
