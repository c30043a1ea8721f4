// How the gateway reaches a service: over HTTP with keep-alive pools (cluster tier), or by
// injecting the request into the service's fastify app in the same process (embedded tier).
import type { Readable } from 'node:stream';
import type { InternalTls } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import { buildConnector, Pool } from 'undici';
import { UpstreamNotReachedError } from './errors.ts';
import { AnswerHandler } from './http-answer.ts';

export interface ForwardRequest {
  method: string;
  /** Path and query string. */
  url: string;
  headers: Record<string, string | string[]>;
  body?: Buffer;
  /**
   * A long poll: how much longer than usual the service may take before its answer's headers
   * (the `wait` it was asked for). Without it the usual timeout holds.
   */
  waitMs?: number;
  /**
   * Which instance the request prefers, by its place in the service's list (taken modulo the
   * count): requests with the same affinity go to the same instance while it is admitted, and to
   * the next admitted one when it is not. Without it, instances take turns.
   */
  affinity?: number;
}

export interface ForwardResponse {
  status: number;
  headers: Record<string, string | number | string[] | undefined>;
  body: Buffer | Readable;
}

/** An answer's whole body, whether it came as a Buffer (inject, small answers) or a stream. */
export async function bodyBuffer(body: ForwardResponse['body']): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export interface Upstream {
  readonly name: string;
  forward(request: ForwardRequest): Promise<ForwardResponse>;
}

export function injectUpstream(name: string, app: FastifyInstance): Upstream {
  return {
    name,
    async forward(forwarded) {
      const response = await app.inject({
        method: forwarded.method as 'GET',
        url: forwarded.url,
        headers: forwarded.headers,
        ...(forwarded.body ? { payload: forwarded.body } : {}),
      });
      return { status: response.statusCode, headers: response.headers, body: response.rawPayload };
    },
  };
}

const HEADERS_TIMEOUT_MS = 10_000;

export interface HttpUpstreamOptions {
  /** Connections kept to the instance (default 128); null: no cap (long-lived streams). */
  connections?: number | null;
  /** Mutual TLS (an https:// base URL): present this process's certificate, trust the internal CA. */
  tls?: InternalTls | undefined;
}

/**
 * One instance over HTTP/1.1 with a keep-alive pool. A connection that fails while connecting
 * fails its requests with UpstreamNotReachedError: none of their bytes was sent, so the policy
 * may send even a POST again (see resilience.ts). Any later failure may follow a delivery.
 */
export function httpUpstream(name: string, baseUrl: string, options: HttpUpstreamOptions = {}): Upstream {
  const tls = options.tls;
  const newConnector = () => buildConnector({ timeout: 10_000, ...(tls ? tls.current() : {}) });
  // Rotated files: new connections present the new certificate, open ones finish as they are.
  let connector = newConnector();
  tls?.onChange(() => {
    connector = newConnector();
  });
  const pool = new Pool(new URL(baseUrl).origin, {
    connections: options.connections === undefined ? 128 : options.connections,
    headersTimeout: HEADERS_TIMEOUT_MS,
    bodyTimeout: 30_000,
    connect: (connectOptions, callback) =>
      connector(connectOptions, (error, socket) => {
        if (error) callback(new UpstreamNotReachedError(name, { cause: error }), null);
        else callback(null, socket!);
      }),
  });
  return {
    name,
    forward: (forwarded) =>
      new Promise((resolve, reject) => {
        pool.dispatch(
          {
            method: forwarded.method as 'GET',
            path: forwarded.url,
            headers: forwarded.headers,
            body: forwarded.body ?? null,
            ...(forwarded.waitMs ? { headersTimeout: HEADERS_TIMEOUT_MS + forwarded.waitMs } : {}),
          },
          new AnswerHandler(resolve, reject),
        );
      }),
  };
}
