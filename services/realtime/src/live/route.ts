// GET /api/v1/polls/{pollId}/live: a WebSocket when the request is an upgrade, Server-Sent Events
// when it asks for text/event-stream, 406 otherwise. The viewer's credentials go to analytics,
// which decides (see access.ts); browsers cannot set headers on a WebSocket, so the receipt and
// the manage token may also come as query parameters.
import { LiveParams, LiveQuery } from '@canvass/contracts';
import { HttpProblem, IDENTITY_HEADER, identityOf, signIdentity } from '@canvass/service-kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import type { Credentials } from './access.ts';
import { liveDocs } from './docs.ts';
import type { Hub } from './hub.ts';
import type { LiveMetrics } from './metrics.ts';
import { sseTransport } from './sse-transport.ts';
import type { Transport, TransportLimits } from './transport.ts';
import type { Viewer } from './viewer.ts';
import { wsTransport } from './ws-transport.ts';

type LiveRequest = FastifyRequest<{
  Params: Record<string, string>;
  Querystring: Static<typeof LiveQuery>;
}>;

export interface LiveRouteContext {
  hub: Hub;
  metrics: LiveMetrics;
  limits: TransportLimits;
  /** Verifies the gateway's identity header before anything is asked of analytics. */
  internalSecret?: string | undefined;
}

const header = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/**
 * The viewer's credentials as headers for analytics, fresh for each access check. The gateway's
 * identity header lives 60 s, and a connection lives longer: with the internal secret, the
 * identity verified on connect is signed again for later checks (a WebSocket is authenticated
 * when it opens, as usual); without it the original header goes along and may have expired.
 */
async function credentialsOf(
  request: LiveRequest,
  secret: string | undefined,
): Promise<() => Promise<Credentials>> {
  // A forged or expired identity is refused here (401) rather than asked about.
  const identity = secret ? await identityOf(request, secret) : undefined;
  const given = header(request, IDENTITY_HEADER);
  const credentials: Record<string, string> = {};
  const manageToken = header(request, 'manage-token') ?? request.query.manageToken;
  const receipt = header(request, 'vote-receipt') ?? request.query.receipt;
  if (manageToken) credentials['manage-token'] = manageToken;
  if (receipt) credentials['vote-receipt'] = receipt;
  return async () => {
    if (identity && secret)
      return { ...credentials, [IDENTITY_HEADER]: await signIdentity(secret, identity) };
    return given ? { ...credentials, [IDENTITY_HEADER]: given } : credentials;
  };
}

/** SSE resumes with Last-Event-ID (EventSource sends it by itself), or `since` like a WebSocket. */
function sinceOf(request: LiveRequest): number | undefined {
  const lastEventId = Number(header(request, 'last-event-id'));
  return Number.isSafeInteger(lastEventId) && lastEventId >= 0 ? lastEventId : request.query.since;
}

const goingAway = () =>
  new HttpProblem(503, 'going-away', 'This server is stopping', 'Reconnect: another one will take over.');

const wantsEventStream = (accept: string | undefined) => /(^|,)\s*text\/event-stream\b/i.test(accept ?? '');

/** The viewer's access, or it leaves (it must not linger in its channel unattached). */
async function checked(viewer: Viewer, patient: boolean) {
  try {
    return await viewer.check(patient);
  } catch (error) {
    viewer.leave();
    throw error;
  }
}

/** Which live route: a poll's results (by default) or an event's stage (docs/events.md). */
export interface LiveRouteShape {
  url: string;
  /** The path parameter naming what is watched. */
  param: 'pollId' | 'eventId';
  schema: Record<string, unknown>;
}

const resultsRoute: LiveRouteShape = {
  url: '/api/v1/polls/:pollId/live',
  param: 'pollId',
  schema: { ...liveDocs, params: LiveParams, querystring: LiveQuery },
};

export function liveRoutes(
  app: FastifyInstance,
  context: LiveRouteContext,
  shape: LiveRouteShape = resultsRoute,
): void {
  const { hub, metrics, limits } = context;
  const watchedId = (params: Record<string, string>) => params[shape.param] ?? '';

  function track(transport: Transport): void {
    metrics.connections.inc({ transport: transport.kind });
    transport.onClose(() => metrics.connections.dec({ transport: transport.kind }));
  }

  app.route<{ Params: Record<string, string>; Querystring: Static<typeof LiveQuery> }>({
    method: 'GET',
    url: shape.url,
    exposeHeadRoute: false,
    schema: shape.schema,
    async handler(request, reply) {
      if (!wantsEventStream(request.headers.accept)) {
        throw new HttpProblem(
          406,
          'not-acceptable',
          'Live results need a WebSocket or Server-Sent Events',
          'Open this URL as a WebSocket, or ask for Server-Sent Events with Accept: text/event-stream.',
        );
      }
      if (hub.stopped) throw goingAway();
      const credentials = await credentialsOf(request, context.internalSecret);
      const viewer = hub.watch(watchedId(request.params), sinceOf(request), credentials);
      // Not patient: an unknown poll is a 404 at once, not a request held open (see access.ts).
      const outcome = await checked(viewer, false);
      // Retrying cannot help (no such poll, not signed in): say so plainly, and EventSource stops.
      // When it can (analytics unreachable) the stream opens and ends with an error event, and
      // EventSource reconnects by itself.
      if (outcome.kind === 'refused' && outcome.status < 500) {
        viewer.leave();
        throw new HttpProblem(outcome.status, outcome.type, outcome.title, outcome.detail);
      }
      if (reply.raw.destroyed) return viewer.leave();
      reply.hijack();
      const transport = sseTransport(reply.raw, limits, { 'x-request-id': request.id });
      track(transport);
      viewer.attach(transport, outcome);
    },
    async wsHandler(socket, request) {
      const transport = wsTransport(socket, limits);
      track(transport);
      if (hub.stopped) return transport.end(1001, 'server going away');
      let credentials: () => Promise<Credentials>;
      try {
        credentials = await credentialsOf(request, context.internalSecret);
      } catch (error) {
        if (!(error instanceof HttpProblem)) throw error;
        transport.write({ type: 'error', status: error.status, title: error.title, detail: error.message });
        return transport.end(4000 + error.status, error.title);
      }
      const { params, query } = request as LiveRequest;
      const viewer = hub.watch(watchedId(params), query.since, credentials);
      viewer.attach(transport, await checked(viewer, true));
    },
  });
}
