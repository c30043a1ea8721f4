// The polls service: polls, their options and votes, one vote per voter. Every change is an event
// in the poll's hash-chained stream and in the outbox (polls.poll.created.v1, polls.vote.cast.v2).
import type { ServiceContext, ServiceModule } from '@canvass/service-kit';
import { claimRoute, pollRoutes } from './polls/routes.ts';
import { streamAdminRoutes } from './streams/admin-routes.ts';
import { voteRoutes } from './votes/routes.ts';

export function createPollsService(context: ServiceContext): ServiceModule {
  return {
    name: 'polls',
    migrationsDir: new URL('../migrations/', import.meta.url),
    routes(app) {
      pollRoutes(app, context);
      claimRoute(app, context);
      voteRoutes(app, context);
    },
    adminRoutes: (app) => streamAdminRoutes(app, context),
  };
}
