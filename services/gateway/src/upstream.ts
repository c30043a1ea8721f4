// How the gateway reaches a service: over HTTP with keep-alive pools (cluster tier), or by
// injecting the request into the service's fastify app in the same process (embedded tier).
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Agent, request } from 'undici';

export interface ForwardRequest {
  method: string;
  /** Path and query string. */
  url: string;
  headers: Record<string, string | string[]>;
  body?: Buffer;
  /** Aborts the attempt (the resilience policy's timeout). */
  signal?: AbortSignal;
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

export function httpUpstream(
  name: string,
  baseUrl: string,
  agent = new Agent({ connections: 128 }),
): Upstream {
  const origin = new URL(baseUrl).origin;
  return {
    name,
    async forward(forwarded) {
      const response = await request(`${origin}${forwarded.url}`, {
        method: forwarded.method as 'GET',
        headers: forwarded.headers,
        body: forwarded.body ?? null,
        dispatcher: agent,
        ...(forwarded.signal ? { signal: forwarded.signal } : {}),
        headersTimeout: 10_000,
        bodyTimeout: 30_000,
      });
      // Small answers (most of the API) are read whole and sent in one write: about a third
      // cheaper than piping a stream. Large or open-ended ones (exports, SSE) stream.
      const length = Number(response.headers['content-length']);
      if (length >= 0 && length <= BUFFER_UP_TO) {
        return {
          status: response.statusCode,
          headers: response.headers,
          body: Buffer.from(await response.body.arrayBuffer()),
        };
      }
      return { status: response.statusCode, headers: response.headers, body: response.body };
    },
  };
}

const BUFFER_UP_TO = 64 * 1024;
