// The realtime service: live results over WebSocket and SSE. It keeps no data: the newest
// snapshot of each watched poll comes from analytics' results updates on the bus (a subscription
// of this process alone, so every process sees every update), access from analytics' results
// endpoint, viewer counts from this process or Redis. Events' stages and questions (docs/events.md)
// are fed the same way from polls' live snapshots.
import { randomUUID } from 'node:crypto';
import {
  type EventStage,
  LIVE_PROTOCOL,
  LiveQuery,
  QuestionsChangedV1,
  type QuestionsSnapshot,
  ResultsUpdatedV1,
  StageChangedV1,
  StageLiveParams,
} from '@canvass/contracts';
import { type EventBus, type Subscription, validateEvent } from '@canvass/eventing';
import {
  buildServiceApp,
  type InternalTls,
  type Logger,
  requireAdminToken,
  telemetryRoutes,
} from '@canvass/service-kit';
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { createAccessCheck, type FetchResults } from './live/access.ts';
import { liveSecuritySchemes, questionsLiveDocs, stageLiveDocs } from './live/docs.ts';
import { createHub, type ResultsUpdate } from './live/hub.ts';
import { liveMetrics } from './live/metrics.ts';
import { liveRoutes } from './live/route.ts';
import { defaultTransportLimits, type TransportLimits } from './live/transport.ts';
import { prefixedCounts, processViewerCounts, type ViewerCounts } from './viewers/viewer-counts.ts';

export interface RealtimeDeps {
  bus: EventBus;
  logger: Logger;
  /** Analytics' GET /api/v1/polls/{pollId}/results, with the viewer's credentials. */
  fetchResults: FetchResults;
  /**
   * Polls' GET /api/v1/events/{eventId}/stage (docs/events.md): without it, events' live route
   * is not served.
   */
  fetchStage?: FetchResults;
  /** Polls' GET /api/v1/events/{eventId}/questions: without it, the questions' live route is not served. */
  fetchQuestions?: FetchResults;
  metrics?: Registry;
  /** Shared counts (Redis) when several processes serve live results; this process's otherwise. */
  viewerCounts?: ViewerCounts;
  internalSecret?: string | undefined;
  /** Operator token for /admin/v1 (this process's part of the trace store). */
  adminToken?: string | undefined;
  /** Unique to this process: names its bus subscription. */
  instanceId?: string;
  limits?: Partial<TransportLimits & { idleChannels: number; countIntervalMs: number }>;
  /** Mutual TLS (cluster tier): serve HTTPS, the gateway its only peer. */
  tls?: InternalTls;
}

export interface RealtimeService {
  readonly app: FastifyInstance;
  /** Subscribes to results updates (before serving, so no update is missed once a viewer is in). */
  start(): Promise<void>;
  /** Sends every viewer away (WebSocket 1001: reconnect elsewhere) and unsubscribes. */
  stop(): Promise<void>;
}

export function createRealtimeService(deps: RealtimeDeps): RealtimeService {
  const { bus, logger } = deps;
  const registry = deps.metrics ?? new Registry();
  const metrics = liveMetrics(registry);
  const limits = { ...defaultTransportLimits, ...deps.limits };
  const instanceId = deps.instanceId ?? randomUUID().slice(0, 12);
  /** A hub of live channels whose access (and first snapshot) `fetch` answers. */
  const hubFor = (fetch: FetchResults, counts: ViewerCounts) =>
    createHub({
      checkAccess: createAccessCheck(fetch, logger),
      counts,
      metrics,
      logger,
      idleChannels: deps.limits?.idleChannels ?? 1_000,
      stallMs: limits.stallMs,
      countIntervalMs: deps.limits?.countIntervalMs ?? 1_000,
    });
  const hub = hubFor(deps.fetchResults, deps.viewerCounts ?? processViewerCounts());
  // Events' live feeds (docs/events.md): the stage and the questions, each its own hub of the
  // same channels, viewers and transports, keyed by event id, its snapshot as each message's body.
  // Counted apart from results and from each other (one event id, two feeds).
  const feeds = eventFeeds(deps).map((feed) => ({
    ...feed,
    hub: hubFor(feed.fetch, prefixedCounts(deps.viewerCounts ?? processViewerCounts(), feed.prefix)),
  }));
  let subscription: Subscription | undefined;

  const app = buildServiceApp({
    name: 'realtime',
    logger,
    metrics: registry,
    ...(deps.tls ? { tls: deps.tls } : {}),
    openapi: {
      tags: [{ name: 'Live', description: 'Results as they change, over WebSocket or Server-Sent Events.' }],
      securitySchemes: liveSecuritySchemes,
    },
    readiness: [
      {
        name: 'broker',
        check() {
          if (!bus.isConnected()) throw new Error('not connected');
          if (!subscription) throw new Error('not subscribed to results updates yet');
        },
      },
    ],
  });
  app.register(websocket, {
    options: {
      maxPayload: 4 * 1024,
      // A browser drops a connection whose offered subprotocols get no answer: answer the one we
      // speak, and never echo another (ws would echo the first offered, whatever it is).
      handleProtocols: (offered) => (offered.has(LIVE_PROTOCOL) ? LIVE_PROTOCOL : false),
    },
    // A client that vanishes mid-frame is routine here, not an error worth a stack trace.
    errorHandler: (error, socket, request) => {
      request.log.debug({ err: error }, 'live connection failed');
      socket.terminate();
    },
  });
  app.register(async (scope) =>
    liveRoutes(scope, { hub, metrics, limits, internalSecret: deps.internalSecret }),
  );
  for (const feed of feeds)
    app.register(async (scope) =>
      liveRoutes(
        scope,
        { hub: feed.hub, metrics, limits, internalSecret: deps.internalSecret },
        {
          url: feed.url,
          param: 'eventId',
          schema: { ...feed.docs, params: StageLiveParams, querystring: LiveQuery },
        },
      ),
    );
  app.register(async (admin) => {
    admin.addHook('onRequest', requireAdminToken(deps.adminToken));
    telemetryRoutes(admin, 'realtime');
  });

  async function onUpdates(batch: readonly { payload: unknown; traceparent?: string }[]): Promise<void> {
    // Only each poll's newest snapshot in a batch goes out: when this process falls behind, it
    // skips superseded snapshots rather than fanning every one out to every viewer (measured:
    // 0.51 → 0.89 of a raw ws broadcast at 10k viewers, and no backlog growing in memory).
    const newest = new Map<string, ResultsUpdate>();
    const fed = new Map(feeds.map((feed) => [feed.type, { feed, newest: new Map<string, ResultsUpdate>() }]));
    for (const delivery of batch) {
      try {
        const event = validateEvent(delivery.payload);
        const feed = fed.get(event.type);
        if (feed) {
          const snapshot = feed.feed.snapshotOf(event.data);
          const kept = feed.newest.get(snapshot.eventId);
          if (!kept || kept.sequence < snapshot.sequence)
            feed.newest.set(snapshot.eventId, {
              pollId: snapshot.eventId,
              sequence: snapshot.sequence,
              public: true,
              results: snapshot,
            });
          continue;
        }
        if (event.type !== ResultsUpdatedV1.type) continue;
        const traceparent = delivery.traceparent ?? event.traceparent;
        const update = { ...(event.data as ResultsUpdate), ...(traceparent ? { traceparent } : {}) };
        const kept = newest.get(update.pollId);
        if (!kept || kept.sequence < update.sequence) newest.set(update.pollId, update);
      } catch (error) {
        // A superseding snapshot: dropping a bad one loses nothing the next one will not carry.
        logger.warn({ err: error }, 'ignoring a results update that breaks its contract');
      }
    }
    for (const update of newest.values()) hub.update(update);
    for (const { feed, newest: updates } of fed.values())
      for (const update of updates.values()) feed.hub.update(update);
  }

  return {
    app,
    async start() {
      subscription ??= await bus.subscribe({
        name: `realtime-${instanceId}`,
        types: [ResultsUpdatedV1.type, ...feeds.map((feed) => feed.type)],
        ephemeral: true,
        // Snapshots of polls and events nobody here watches are dropped before they are decoded.
        wants: (key) => hub.has(key) || feeds.some((feed) => feed.hub.has(key)),
        handle: onUpdates,
      });
      hub.start();
      for (const feed of feeds) feed.hub.start();
    },
    async stop() {
      await hub.stop();
      for (const feed of feeds) await feed.hub.stop();
      await subscription?.stop();
      subscription = undefined;
    },
  };
}

interface EventSnapshot {
  eventId: string;
  sequence: number;
}

/** The live feeds of events this process serves (those whose fetch it was given). */
function eventFeeds(deps: RealtimeDeps) {
  const feeds: {
    type: string;
    /** Where this feed's viewer counts are kept, apart from a poll's and the other feed's. */
    prefix: string;
    url: string;
    docs: Record<string, unknown>;
    fetch: FetchResults;
    snapshotOf(data: unknown): EventSnapshot & Record<string, unknown>;
  }[] = [];
  if (deps.fetchStage)
    feeds.push({
      type: StageChangedV1.type,
      prefix: 'stage:',
      url: '/api/v1/events/:eventId/live',
      docs: stageLiveDocs,
      fetch: deps.fetchStage,
      snapshotOf: (data) => (data as { stage: EventStage & Record<string, unknown> }).stage,
    });
  if (deps.fetchQuestions)
    feeds.push({
      type: QuestionsChangedV1.type,
      prefix: 'questions:',
      url: '/api/v1/events/:eventId/questions/live',
      docs: questionsLiveDocs,
      fetch: deps.fetchQuestions,
      snapshotOf: (data) => (data as { snapshot: QuestionsSnapshot & Record<string, unknown> }).snapshot,
    });
  return feeds;
}
