// The gateway's side of live results: the HTTP route (SSE) and WebSocket upgrades, both
// authenticated like every other route (an upgrade may carry its bearer token as a subprotocol,
// see ws-bearer.ts), counted against the live connection limits (live-limits.ts: 429 when over),
// then handed to realtime (see live.ts). On close, live connections are cut so the gateway stops
// promptly; clients reconnect.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { BEARER_PROTOCOL_PREFIX } from '@canvass/contracts';
import { HttpProblem, unsafeTargetReason } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Authenticator } from './authenticate.ts';
import type { LiveUpstream } from './live.ts';
import { liveRouteDocs, questionsLiveRouteDocs, stageLiveRouteDocs } from './live-docs.ts';
import type { LiveConnections } from './live-limits.ts';
import { LIVE_ROUTE, QUESTIONS_LIVE_ROUTE, STAGE_LIVE_ROUTE } from './routes.ts';
import { refuseUpgrade } from './tunnel.ts';
import { takeBearerProtocol } from './ws-bearer.ts';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** The live routes' paths, capturing what is watched: a poll's results or an event's stage. */
const LIVE_PATH = /^\/api\/v1\/(polls|events)\/([^/]+)\/(questions\/)?live\/?$/;

/**
 * What an upgrade's path watches, as the router would decode it, keyed for the connection limits
 * (a poll by its id, an event as `event:<id>`); undefined when not a live route.
 */
function upgradeChannel(url: string | undefined): string | undefined {
  const match = LIVE_PATH.exec((url ?? '').split('?')[0] ?? '');
  const encoded = match?.[2];
  if (encoded === undefined) return undefined;
  let id = encoded;
  try {
    id = decodeURIComponent(encoded);
  } catch {}
  if (match?.[1] !== 'events') return id;
  return match[3] ? `questions:${id}` : `event:${id}`;
}

/**
 * The identity headers for an upgrade: from `Authorization`, or else from a bearer token offered
 * as a subprotocol (see ws-bearer.ts). A token offered that way that identifies nobody is refused
 * (401): the browser meant to sign in, and a WebSocket has no later request to fail on.
 */
async function upgradeIdentity(
  request: IncomingMessage,
  authenticator: Authenticator,
): Promise<Record<string, string>> {
  const token = takeBearerProtocol(request);
  if (token === undefined || request.headers.authorization) return authenticator.identityHeaders(request);
  const caller = await authenticator.identify({
    headers: { ...request.headers, authorization: `Bearer ${token}` },
  });
  if (!caller.identity) {
    throw new HttpProblem(
      401,
      'invalid-token',
      'The access token is not valid',
      `The ${BEARER_PROTOCOL_PREFIX}… subprotocol did not carry a valid access token or API key.`,
    );
  }
  return caller.headers;
}

export function liveRoutes(
  app: FastifyInstance,
  live: LiveUpstream,
  authenticator: Authenticator,
  connections: LiveConnections,
): void {
  // Upgraded sockets, and SSE responses (destroying one destroys its socket).
  const open = new Set<Duplex | ServerResponse>();
  const hold = (connection: Duplex | ServerResponse) => {
    open.add(connection);
    connection.once('close', () => open.delete(connection));
  };

  for (const [route, docs, kind] of [
    [LIVE_ROUTE, liveRouteDocs, ''],
    [STAGE_LIVE_ROUTE, stageLiveRouteDocs, 'event:'],
    [QUESTIONS_LIVE_ROUTE, questionsLiveRouteDocs, 'questions:'],
  ] as const) {
    app.get<{ Params: { pollId?: string; eventId?: string } }>(
      route,
      { ...docs, exposeHeadRoute: false },
      async (request, reply) => {
        const { pollId, eventId } = request.params;
        // Counted until the response closes, however it ends (a refusal, the stream ending).
        const release = connections.admit(request.ip, pollId ?? `${kind}${eventId}`);
        reply.raw.once('close', release);
        const headers = await authenticator.identityHeaders(request);
        hold(reply.raw);
        return live.stream(request, reply, headers);
      },
    );
  }

  app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    // Upgrades skip fastify's hooks: the same refusal of unsafe targets as every request.
    const unsafe = unsafeTargetReason(request.url ?? '');
    if (unsafe) {
      const detail = `The path contains ${unsafe}. Send the plain path: no dot-segments, encoded slashes or backslashes, no NUL.`;
      return refuseUpgrade(socket, 400, 'invalid-path', 'The request path is not valid', detail);
    }
    const channel = upgradeChannel(request.url);
    if (channel === undefined) {
      return refuseUpgrade(
        socket,
        404,
        'route-not-found',
        'Not found',
        'Only live results and event stages take WebSockets.',
      );
    }
    let release: () => void;
    try {
      release = connections.admit(request.socket.remoteAddress ?? '', channel);
    } catch (error) {
      if (!(error instanceof HttpProblem)) throw error;
      return refuseUpgrade(socket, error.status, error.type, error.title, error.message, error.extensions);
    }
    if (socket.destroyed) release();
    else socket.once('close', release);
    const given = request.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    upgradeIdentity(request, authenticator).then(
      (identity) => {
        if (socket.destroyed) return;
        hold(socket);
        live.upgrade(request, socket, head, {
          ...identity,
          'x-request-id': requestId,
          'x-forwarded-for': request.socket.remoteAddress ?? '',
          'x-forwarded-proto': 'http',
        });
      },
      (error: unknown) => {
        if (error instanceof HttpProblem) {
          return refuseUpgrade(socket, error.status, error.type, error.title, error.message);
        }
        app.log.error({ err: error, requestId }, 'live upgrade failed');
        refuseUpgrade(
          socket,
          500,
          'internal-error',
          'Something went wrong on our side',
          `Request ${requestId}.`,
        );
      },
    );
  });

  app.addHook('preClose', (done) => {
    for (const connection of open) connection.destroy();
    done();
  });
}
