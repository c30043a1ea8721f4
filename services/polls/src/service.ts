// The polls service: polls of every type, their lifecycle and schedule, and votes (one per voter,
// changeable where the poll allows). Every change is an event in the poll's hash-chained stream
// (which is also its outbox: the relay publishes it as an ordered log), in the transaction that
// makes it.
import { ApiCredentials } from '@canvass/contracts';
import {
  entitlementsConsumer,
  installBatchRoute,
  type ServiceContext,
  type ServiceModule,
} from '@canvass/service-kit';
import type { Kysely } from 'kysely';
import { answerRoutes } from './answers/routes.ts';
import { createQuestionsPublisher } from './events/questions.ts';
import { eventRoutes } from './events/routes.ts';
import { exportRoutes } from './export/routes.ts';
import { createLifecycle } from './polls/lifecycle.ts';
import { PollCache } from './polls/poll-cache.ts';
import { claimRoute, pollRoutes } from './polls/routes.ts';
import { receiptRoutes } from './receipts/routes.ts';
import { regionExportConsumer, regionImportConsumer } from './regions/region-polls.ts';
import { streamAdminRoutes } from './streams/admin-routes.ts';
import { pollLog } from './streams/poll-stream.ts';
import type { PollsTables } from './tables.ts';
import { AccessCodeGuard } from './votes/access-code-guard.ts';
import { voteRoutes } from './votes/routes.ts';
import { VoteWriter } from './votes/vote-writer.ts';
import { voterCheckRoutes } from './votes/voter-check-routes.ts';

/** How often scheduled polls are checked; a poll opens or closes at most this late. */
const SCHEDULE_TICK_MS = 1_000;

export function createPollsService(context: ServiceContext): ServiceModule {
  const kysely = context.db.kysely as Kysely<PollsTables>;
  const writer = new VoteWriter({
    kysely,
    logger: context.logger,
    secret: context.internalSecret ?? '',
    metrics: context.metrics,
    onStalePoll: (poll) => cache.set(poll),
  });
  // A change this process makes to a poll moves its stream head: the next batch reads it under lock.
  const cache = new PollCache(kysely, (pollId) => writer.forget(pollId));
  const lifecycle = createLifecycle({ kysely, cache, logger: context.logger });
  const questions = createQuestionsPublisher({ db: kysely, bus: context.bus, logger: context.logger });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  return {
    name: 'polls',
    migrationsDir: new URL('../migrations/', import.meta.url),
    eventLog: pollLog,
    openapi: {
      tags: [
        { name: 'Polls', description: 'Create, read, edit, open, close and export polls.' },
        { name: 'Votes', description: 'Vote, withdraw a vote, and verify a receipt.' },
        { name: 'Moderation', description: 'Approve or reject open-text answers.' },
        {
          name: 'Events',
          description: 'Polls in an order behind a six-digit join code, and the stage the presenter drives.',
        },
      ],
      securitySchemes: { manageToken: ApiCredentials.manageToken },
    },
    routes(app) {
      pollRoutes(app, context, { cache, lifecycle });
      claimRoute(app, context, cache);
      eventRoutes(app, context, { cache, lifecycle, questions, writer });
      // One count of wrong access codes, whether they come with a vote or are checked first.
      const guard = new AccessCodeGuard();
      // The gateway's votes come in batches of a turn's worth (service-kit batch.ts).
      installBatchRoute(app, {
        service: 'polls',
        logger: context.logger,
        metrics: context.metrics,
        routes: voteRoutes(app, context, { cache, writer, guard }),
      });
      voterCheckRoutes(app, context, cache, guard);
      answerRoutes(app, context, cache);
      exportRoutes(app, context, cache);
      receiptRoutes(app, context);
    },
    adminRoutes: (app) => streamAdminRoutes(app, context),
    consumers: [
      // Billing's entitlements, for the open-polls quota (polls/open-polls-quota.ts).
      entitlementsConsumer('polls-entitlements'),
      // Several regions (docs/regions.md): this region's polls go to its peers, theirs come here.
      ...(context.region
        ? [
            regionExportConsumer(context, context.region),
            regionImportConsumer(context.region, cache, context.logger),
          ]
        : []),
    ],
    background: {
      // Scheduling lives in the database (opens_at, closes_at), so it survives restarts.
      start() {
        timer ??= setInterval(() => {
          running = running.then(() =>
            lifecycle
              .runSchedule()
              .catch((error: unknown) => context.logger.warn({ err: error }, 'schedule tick failed')),
          );
        }, SCHEDULE_TICK_MS);
        timer.unref();
      },
      async stop() {
        clearInterval(timer);
        timer = undefined;
        await running;
        await lifecycle
          .releaseScheduleLease()
          .catch((error: unknown) =>
            context.logger.warn({ err: error }, 'could not release the schedule lease'),
          );
        await writer.drain();
        await questions.stop();
      },
    },
  };
}
