// Live results (GET /api/v1/polls/{pollId}/live) hold a connection open: an SSE stream or an
// upgraded WebSocket, which `inject()` can carry neither of. The embedded tier hands the raw
// request to the realtime app in this process; the cluster tier streams SSE through HTTP and
// tunnels WebSocket upgrades over TCP, taking turns among the realtime processes.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { HttpProblem, IDENTITY_HEADER, type InternalTls } from '@canvass/service-kit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { UpstreamNotReachedError } from './errors.ts';
import { forward } from './proxy.ts';
import { tunnelUpgrade } from './tunnel.ts';
import { httpUpstream } from './upstream.ts';

export interface LiveUpstream {
  /** Serves an HTTP request to the live route (SSE, or realtime's 406 for anything else). */
  stream(request: FastifyRequest, reply: FastifyReply, headers: Record<string, string>): Promise<unknown>;
  /** Takes over a WebSocket upgrade; `headers` (identity, request id) join the client's. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, headers: Record<string, string>): void;
}

function setHeaders(request: IncomingMessage, headers: Record<string, string>): void {
  delete request.headers[IDENTITY_HEADER];
  Object.assign(request.headers, headers);
}

/** Embedded tier: the realtime app runs in this process and does not listen. */
export function inProcessLive(app: FastifyInstance): LiveUpstream {
  return {
    async stream(request, reply, headers) {
      setHeaders(request.raw, { ...headers, 'x-request-id': request.id });
      reply.hijack();
      app.routing(request.raw, reply.raw);
    },
    upgrade(request, socket, head, headers) {
      setHeaders(request, headers);
      app.server.emit('upgrade', request, socket, head);
    },
  };
}

/**
 * Cluster tier: realtime processes at these base URLs, each new connection to the next one.
 * One that cannot be reached (restarting) is skipped: nothing was sent to it yet, so trying the
 * next is safe, and viewers sent away by a stopping process land on another.
 */
export function remoteLive(baseUrls: readonly string[], tls?: InternalTls): LiveUpstream {
  if (baseUrls.length === 0) throw new Error('no realtime URL');
  // Streams last: no cap on connections per process (the default pool's 128 would queue viewers).
  const upstreams = baseUrls.map((url, i) =>
    httpUpstream(`realtime-${i + 1}`, url, { connections: null, tls }),
  );
  const targets = baseUrls.map((url) => new URL(url));
  let turn = 0;
  /** Every index, starting with this connection's turn. */
  const order = () => {
    const first = turn++ % baseUrls.length;
    return baseUrls.map((_, i) => (first + i) % baseUrls.length);
  };
  return {
    async stream(request, reply, headers) {
      let failure: unknown;
      for (const i of order()) {
        try {
          return await forward(upstreams[i]!, request, reply, request.url, headers);
        } catch (error) {
          if (reply.sent || !isUnreachable(error)) throw error;
          failure = error;
        }
      }
      throw new HttpProblem(
        503,
        'live-unavailable',
        'Live results are unavailable',
        'Try again shortly.',
        {},
        {
          cause: failure,
        },
      );
    },
    upgrade: (request, socket, head, headers) =>
      tunnelUpgrade(
        order().map((i) => targets[i]!),
        request,
        socket,
        head,
        headers,
        tls,
      ),
  };
}

const isUnreachable = (error: unknown) =>
  error instanceof UpstreamNotReachedError ||
  ['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT'].includes(
    (error as { code?: string }).code ?? '',
  );
