// The one front door: routes public API calls to the service that owns them, behind resilience
// policies (resilience.ts), rate limits (rate-limits.ts), a results cache (results-cache.ts) and
// edge hygiene (edge.ts). Request bodies are passed through untouched (each service validates its
// own input).

import { EntitlementsChangedV1, ResultsUpdatedV1 } from '@canvass/contracts';
import type { EventBus, Subscription } from '@canvass/eventing';
import {
  buildServiceApp,
  CLIENT_ADDRESS_HEADER,
  clientAddressSigner,
  HttpProblem,
  type HttpTimeouts,
  type Logger,
  type ReadinessCheck,
  requireAdminToken,
} from '@canvass/service-kit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { alertRoutes } from './alerts.ts';
import { type Caller, createAuthenticator } from './authenticate.ts';
import { batchingUpstream, resourceOf } from './batching.ts';
import { edgeHooks } from './edge.ts';
import { landingPage } from './landing-page.ts';
import type { LiveUpstream } from './live.ts';
import { defaultLiveLimits, type LiveLimits, liveConnections } from './live-limits.ts';
import { liveRoutes } from './live-routes.ts';
import { gatewayOpenApi, openApiRoutes } from './openapi.ts';
import { pageRoute } from './page.ts';
import { compressed, forward } from './proxy.ts';
import { ADDRESS_RATE_HEADER, createRateLimits, type RateLimits } from './rate-limits.ts';
import { type ResilienceOptions, type ResilientUpstream, resilientUpstream } from './resilience.ts';
import { createResultsCache } from './results-cache.ts';
import { publicRoutes, type RouteRule } from './routes.ts';
import { traceRoutes } from './traces.ts';
import { bodyBuffer, type Upstream } from './upstream.ts';
import { isWebAppBuilt, webAppRoutes } from './web.ts';
import { createWorkspaceTiers, tiersHandler } from './workspace-tiers.ts';

export interface GatewayOptions {
  logger: Logger;
  tier: 'embedded' | 'cluster';
  /** Each service's instances (balanced round robin), behind the resilience policies. */
  upstreams: Readonly<Record<string, Upstream | readonly Upstream[]>>;
  resilience?: Partial<ResilienceOptions>;
  /** Send a turn's POSTs to batched routes as one request (batching.ts; default true). */
  batch?: boolean;
  /** How long a batch gathers while its route is busy (batching.ts; default 3 ms). */
  batchGatherMs?: number;
  /** Default: in-memory limits with the default policies. */
  rateLimits?: RateLimits;
  /**
   * The bus the gateway listens to, with ephemeral subscriptions of this process:
   * `analytics.results.updated` drops cached results at once, `billing.entitlements.changed` moves
   * a workspace's rate-limit tier (workspace-tiers.ts).
   */
  events?: EventBus;
  /** @deprecated The former name of `events`, still taken when `events` is not given. */
  resultsUpdates?: EventBus;
  /** How long anonymous results answers are kept (default 1 s). */
  resultsCacheMs?: number;
  /** Where live results (SSE, WebSocket) go; without it the gateway refuses them. */
  live?: LiveUpstream;
  /** Open live connections allowed per client address and per poll (default: defaultLiveLimits). */
  liveLimits?: Partial<LiveLimits>;
  metrics?: Registry;
  readiness?: readonly ReadinessCheck[];
  /** Scrape every process and evaluate deploy/prometheus's rules for GET /admin/v1/alerts. */
  liveAlerts?: boolean;
  /** Processes beyond the upstreams whose spans a trace gathers (realtime's). */
  tracePeers?: readonly Upstream[];
  /** Operator token: /admin/v1/<service>/… is passed to that service's /admin/v1/… with it. */
  adminToken?: string | undefined;
  /** Where clients reach Canvass (issuer and API audience are derived from it). */
  publicUrl?: string;
  /** Signs the identity forwarded to services (CANVASS_INTERNAL_SECRET). */
  internalSecret?: string | undefined;
  /** How long a verified API key is trusted before asking identity again (default 5 s). */
  apiKeyCacheMs?: number;
  /** Extra operator routes on the gateway itself (the embedded tier's event tail). */
  adminRoutes?: (app: FastifyInstance) => void;
  /** The built web app (web/dist) to serve at `/`, `/p/<pollId>`, …; unbuilt or unset: a plain page. */
  webRoot?: string | undefined;
  /** How long clients may take to send a request (service-kit's defaults: 30 s, headers 10 s). */
  timeouts?: Partial<HttpTimeouts>;
}

/** A caller without credentials (or whose credentials are the service's own to check). */
const NO_CREDENTIALS: Caller = Object.freeze({ identity: undefined, headers: Object.freeze({}) });

export function createGateway(options: GatewayOptions): FastifyInstance {
  const app = buildServiceApp({
    name: 'gateway',
    logger: options.logger,
    openapi: gatewayOpenApi,
    // Clients reach the gateway: /metrics and readiness details are the operator's.
    edge: { adminToken: options.adminToken },
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.readiness ? { readiness: options.readiness } : {}),
  });
  const upstreams: Record<string, ResilientUpstream> = {};
  for (const [name, instances] of Object.entries(options.upstreams)) {
    upstreams[name] = resilientUpstream(
      name,
      Array.isArray(instances) ? instances : [instances as Upstream],
      options.resilience,
    );
  }
  edgeHooks(app);
  const limits = options.rateLimits ?? createRateLimits();
  const bus = options.events ?? options.resultsUpdates;
  const tiers = createWorkspaceTiers();
  /** The workspace's tier as billing last said, in preference to the credential's (older) claim. */
  const tierOf = (caller: Caller) => (caller.identity ? tiers.tierOf(caller.identity.workspace) : undefined);
  const cache = createResultsCache(
    options.resultsCacheMs !== undefined ? { ttlMs: options.resultsCacheMs } : {},
  );
  const signClientAddress = options.internalSecret ? clientAddressSigner(options.internalSecret) : undefined;
  const authenticator = createAuthenticator({
    identityUpstream: upstreams.identity,
    internalSecret: options.internalSecret,
    publicUrl: options.publicUrl ?? 'http://localhost:8080',
    ...(options.apiKeyCacheMs !== undefined ? { cacheMs: options.apiKeyCacheMs } : {}),
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  /** Who calls (verified) and whether they are over a limit; both before anything is forwarded. */
  async function admit(request: FastifyRequest, reply: FastifyReply, rule?: RouteRule): Promise<Caller> {
    // Most voters present no credentials: nothing to verify, no promise to wait for.
    const caller =
      rule?.ownCredentials || !request.headers.authorization
        ? NO_CREDENTIALS
        : await authenticator.identify(request);
    const method = request.method;
    if (rule?.voterLimit && (method === 'POST' || method === 'DELETE')) {
      const voterToken = request.headers['voter-token'];
      const pollId = (request.params as { pollId: string }).pollId;
      const counts = await limits.check(
        {
          ip: request.ip,
          identity: caller.identity,
          workspaceTier: tierOf(caller),
          vote: {
            pollId,
            voter: caller.identity?.subject ?? (typeof voterToken === 'string' ? voterToken : request.ip),
          },
          ...(rule.addressCount ? { pollAddress: { pollId, family: rule.addressCount } } : {}),
        },
        reply,
      );
      // Polls judges this address's counts by the poll's own limits (rate-limits.ts).
      if (counts)
        return { identity: caller.identity, headers: { ...caller.headers, [ADDRESS_RATE_HEADER]: counts } };
    } else {
      await limits.check({ ip: request.ip, identity: caller.identity, workspaceTier: tierOf(caller) }, reply);
    }
    return caller;
  }

  /** Without credentials (or a query), what a request sees depends on the poll alone. */
  const isAnonymous = (request: FastifyRequest) =>
    !request.headers.authorization &&
    !request.headers['manage-token'] &&
    !request.headers['vote-receipt'] &&
    !request.url.includes('?');

  /** Results for this request: from the cache when it carries no credentials at all. */
  function resultsAnswer(request: FastifyRequest, pollId: string, headers: Record<string, string>) {
    const load = () =>
      upstreams.analytics!.forward({
        method: 'GET',
        url: `/api/v1/polls/${encodeURIComponent(pollId)}/results`,
        headers,
      });
    if (isAnonymous(request)) return cache.get(pollId, load);
    return load().then(async (response) => ({
      answer: {
        status: response.status,
        headers: {},
        body: await bodyBuffer(response.body),
      },
      hit: false,
    }));
  }

  /** Per service, its upstream sending a turn's POSTs to batched routes as one request. */
  const batching: Record<string, Upstream> = {};
  const batchingTo = (service: string, resilient: ResilientUpstream): Upstream => {
    const found = batching[service];
    if (found) return found;
    const made = batchingUpstream(resilient, {
      ...(options.metrics ? { metrics: options.metrics } : {}),
      // A poll's (or an event's) requests to one replica: its vote batches then find the stream
      // heads that replica wrote last (the fenced path, services/polls vote-writer.ts).
      affinity: { instances: resilient.instanceCount, keyOf: resourceOf },
      ...(options.batchGatherMs === undefined ? {} : { gatherMs: options.batchGatherMs }),
    });
    batching[service] = made;
    return made;
  };
  for (const rule of publicRoutes) {
    const resilient = upstreams[rule.service];
    if (!resilient) throw new Error(`no upstream configured for service "${rule.service}"`);
    const upstream = rule.batch && options.batch !== false ? batchingTo(rule.service, resilient) : resilient;
    app.route({
      method: rule.methods,
      url: rule.url,
      // Polls, votes and account requests are small; a large body is a mistake or an attack.
      bodyLimit: 256 * 1024,
      handler: async (request, reply) => {
        const caller = await admit(request, reply, rule);
        if (rule.resultsCache && request.method === 'GET' && isAnonymous(request)) {
          const { answer, hit } = await resultsAnswer(
            request,
            (request.params as { pollId: string }).pollId,
            caller.headers,
          );
          reply
            .code(answer.status)
            .headers(answer.headers)
            .header('x-cache', hit ? 'hit' : 'miss');
          return reply.send(compressed(request, reply, answer.body));
        }
        // Services' per-address limits (identity's sign-in, sign-up and resets, polls' access codes)
        // need the client's address in a form a direct caller cannot write (service-kit client-address.ts).
        const headers = signClientAddress
          ? { ...caller.headers, [CLIENT_ADDRESS_HEADER]: signClientAddress(request.ip) }
          : caller.headers;
        return forward(upstream, request, reply, request.url, headers, longPollWaitMs(rule, request));
      },
    });
  }

  pageRoute(app, {
    polls: upstreams.polls!,
    results: async (request, pollId, headers) => (await resultsAnswer(request, pollId, headers)).answer,
    admit: async (request, reply) => {
      const caller = await admit(request, reply);
      const forwarded: Record<string, string> = { ...caller.headers };
      for (const name of ['manage-token', 'vote-receipt']) {
        const value = request.headers[name];
        if (typeof value === 'string') forwarded[name] = value;
      }
      return forwarded;
    },
  });

  let updates: Subscription | undefined;
  let entitlements: Subscription | undefined;
  const ownName = (what: string) =>
    `gateway-${what}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  app.addHook('onReady', async () => {
    entitlements = await bus?.subscribe({
      name: ownName('tiers'),
      types: [EntitlementsChangedV1.type],
      ephemeral: true,
      startAt: 'now',
      handle: tiersHandler(tiers),
    });
    updates = await bus?.subscribe({
      name: ownName('results-cache'),
      types: [ResultsUpdatedV1.type],
      ephemeral: true,
      startAt: 'now',
      handle: async (batch) => {
        for (const delivery of batch) {
          const pollId = (delivery.payload as { data?: { pollId?: unknown } }).data?.pollId;
          if (typeof pollId === 'string') cache.invalidate(pollId);
        }
      },
    });
  });
  app.addHook('onClose', async () => {
    await updates?.stop();
    await entitlements?.stop();
  });

  if (options.live) {
    const connections = liveConnections({ ...defaultLiveLimits, ...options.liveLimits }, options.metrics);
    liveRoutes(app, options.live, authenticator, connections);
  }
  openApiRoutes(app, upstreams);

  app.register(async (admin) => {
    // Before the body is read: operator requests may carry 32 MB.
    admin.addHook('onRequest', requireAdminToken(options.adminToken));
    admin.get('/admin/v1/services', async () => ({
      tier: options.tier,
      services: Object.keys(upstreams),
      health: Object.fromEntries(
        Object.entries(upstreams).map(([name, upstream]) => [name, upstream.health()]),
      ),
    }));
    // Operator requests carry whole pages of events (projection rebuilds): allow large bodies here.
    admin.all<{ Params: { service: string; '*': string } }>(
      '/admin/v1/:service/*',
      { bodyLimit: 32 * 1024 * 1024 },
      (request, reply) => {
        const upstream = upstreams[request.params.service];
        if (!upstream) {
          throw new HttpProblem(
            404,
            'service-not-found',
            'No such service',
            `Services: ${Object.keys(upstreams).join(', ')}.`,
          );
        }
        const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
        return forward(upstream, request, reply, `/admin/v1/${request.params['*']}${query}`);
      },
    );
    // In the embedded tier every service shares this process (its trace store and registry).
    const peers =
      options.tier === 'embedded'
        ? []
        : [
            ...Object.values(options.upstreams).flatMap((instances) =>
              Array.isArray(instances) ? instances : [instances as Upstream],
            ),
            ...(options.tracePeers ?? []),
          ];
    traceRoutes(admin, { adminToken: options.adminToken, peers });
    // Live alerts from deploy/prometheus's rules, for the operator console (it scrapes every peer).
    if (options.liveAlerts)
      alertRoutes(admin, {
        adminToken: options.adminToken,
        peers,
        ...(options.metrics ? { ownMetrics: options.metrics } : {}),
      });
    options.adminRoutes?.(admin);
  });

  if (options.webRoot && isWebAppBuilt(options.webRoot)) {
    webAppRoutes(app, options.webRoot);
  } else {
    const page = landingPage(options.tier, Object.keys(upstreams), { webAppMissing: !!options.webRoot });
    app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
  }
  return app;
}

/** What a long-poll route's request asked to wait, in ms (an hour at most; the service bounds it). */
function longPollWaitMs(rule: RouteRule, request: FastifyRequest): number | undefined {
  if (!rule.longPoll) return undefined;
  const given = (request.query as Record<string, unknown>)[rule.longPoll];
  const seconds = typeof given === 'string' && /^\d{1,4}$/.test(given) ? Number(given) : 0;
  return seconds > 0 ? Math.min(seconds, 3_600) * 1000 : undefined;
}
