// The analytics service: read models projected from polls events (results of every poll type,
// series, breakdowns) and the live results updates the realtime service fans out.
import {
  AnswerModeratedV1,
  ApiCredentials,
  type CloudEvent,
  PollClaimedV1,
  PollClosedV1,
  PollCreatedV1,
  PollCreatedV2,
  PollDeletedV1,
  PollOpenedV1,
  PollUpdatedV1,
  VoteCastV1,
  VoteCastV2,
  VoteCastV3,
  VoteRetractedV1,
} from '@canvass/contracts';
import { defaultSettings } from '@canvass/contracts/poll-defaults';
import type { ServiceContext, ServiceModule } from '@canvass/service-kit';
import type { Kysely } from 'kysely';
import { TALLIES_CONSUMER } from './consumer-names.ts';
import { projectionAdminRoutes } from './projections/admin-routes.ts';
import { createRegionSender, regionCountersConsumer } from './regions/region-counters.ts';
import { createResultsPublisher } from './results/publisher.ts';
import { resultsRoutes } from './results/routes.ts';
import { applyPollsEvents } from './results/tally.ts';
import type { AnalyticsTables } from './tables.ts';

/** v1 polls were single choice, open to anyone, results live. */
function upcastPollV1(event: CloudEvent): CloudEvent {
  const data = event.data as { options: unknown[] };
  const settings = defaultSettings('single_choice', data.options.length);
  return { ...event, type: PollCreatedV2.type, data: { ...data, settings, opensAt: null, closesAt: null } };
}

/** v1 votes had no segment; v1 and v2 were choices only, with no receipt. */
function upcastVote(event: CloudEvent): CloudEvent {
  const data = event.data as Record<string, unknown>;
  return {
    ...event,
    type: VoteCastV3.type,
    data: { segment: null, ...data, rating: null, text: null, receiptHash: null },
  };
}

export function createAnalyticsService(context: ServiceContext): ServiceModule {
  const kysely = context.db.kysely as Kysely<AnalyticsTables>;
  const region = context.region;
  const publisher = createResultsPublisher({
    db: kysely,
    bus: context.bus,
    logger: context.logger,
    region: region?.name,
  });
  const sender =
    region && createRegionSender({ db: kysely, bus: context.bus, region, logger: context.logger });
  return {
    name: 'analytics',
    migrationsDir: new URL('../migrations/', import.meta.url),
    openapi: {
      tags: [{ name: 'Results', description: 'Poll results: tallies, series, breakdowns.' }],
      securitySchemes: { manageToken: ApiCredentials.manageToken, voteReceipt: ApiCredentials.voteReceipt },
    },
    routes: (app) => resultsRoutes(app, context),
    adminRoutes: (app, consumers) => projectionAdminRoutes(app, context, consumers),
    consumers: [
      {
        name: TALLIES_CONSUMER,
        types: [
          PollCreatedV1.type,
          PollCreatedV2.type,
          PollClaimedV1.type,
          PollUpdatedV1.type,
          PollOpenedV1.type,
          PollClosedV1.type,
          PollDeletedV1.type,
          VoteCastV1.type,
          VoteCastV2.type,
          VoteCastV3.type,
          VoteRetractedV1.type,
          AnswerModeratedV1.type,
        ],
        upcast: {
          [PollCreatedV1.type]: upcastPollV1,
          [VoteCastV1.type]: upcastVote,
          [VoteCastV2.type]: upcastVote,
        },
        handle: async (trx, events) => {
          await applyPollsEvents(trx as Kysely<AnalyticsTables>, events, { region: region?.name });
        },
        // Batches grow with load (one transaction for all of them); a tally costs per batch, not per vote.
        maxBatch: 2_000,
        // A batch costs about ten statements whatever its size, and results go out in rounds at
        // least 100 ms apart anyway: waiting 50 ms for more votes costs a viewer little.
        gatherMs: 50,
        committed: (events) =>
          publisher.touched(
            events.map((event) => {
              const data = event.data as { pollId: string; castAt?: string };
              return {
                pollId: data.pollId,
                ...(event.type.startsWith('polls.vote.cast.') && data.castAt ? { castAt: data.castAt } : {}),
              };
            }),
          ),
      },
      // Several regions (docs/regions.md): the peers' counters, added into results here.
      ...(region ? [regionCountersConsumer(region, publisher)] : []),
    ],
    background: {
      start() {
        sender?.start();
      },
      async stop() {
        await sender?.stop();
        await publisher.stop();
      },
    },
  };
}
