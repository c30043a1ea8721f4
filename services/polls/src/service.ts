// The polls service: polls, their options and votes, one vote per voter. Publishes
// polls.poll.created.v1 and polls.vote.cast.v1 through its outbox.
import type { ServiceContext, ServiceModule } from '@canvass/service-kit';
import { pollRoutes } from './polls/routes.ts';
import { voteRoutes } from './votes/routes.ts';

export function createPollsService(context: ServiceContext): ServiceModule {
  return {
    name: 'polls',
    migrationsDir: new URL('../migrations/', import.meta.url),
    routes(app) {
      pollRoutes(app, context);
      voteRoutes(app, context);
    },
  };
}
