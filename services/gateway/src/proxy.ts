import { pipeline, Readable } from 'node:stream';
import { constants, createBrotliCompress, createGzip } from 'node:zlib';
import { activeTraceparent } from '@canvass/telemetry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ForwardRequest, Upstream } from './upstream.ts';

// Connection-level headers are the hop's own and never forwarded (RFC 9110 §7.6.1).
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  // The gateway answers 100-continue itself; forwarded, undici refuses the request (a 502 that
  // would count against the service).
  'expect',
  // Only the gateway says who is calling (see authenticate.ts).
  'x-canvass-identity',
  // …and how often their address voted in a poll (rate-limits.ts).
  'x-canvass-address-rate',
  // …and from which address (signed where the gateway adds it; never a client's own).
  'x-canvass-client-address',
]);

// Header copies run twice per proxied request: plain loops, no intermediate objects.
function forwardableHeaders(
  headers: Record<string, string | number | string[] | undefined>,
): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !HOP_BY_HOP.has(name))
      result[name] = typeof value === 'number' ? String(value) : value;
  }
  return result;
}

export async function forward(
  upstream: Upstream,
  request: FastifyRequest,
  reply: FastifyReply,
  url = request.url,
  extraHeaders?: Readonly<Record<string, string>>,
  waitMs?: number,
): Promise<FastifyReply> {
  const headers = forwardableHeaders(request.headers);
  if (extraHeaders) for (const name in extraHeaders) headers[name] = extraHeaders[name]!;
  headers['x-request-id'] = request.id;
  // The service's request span is a child of this one (in the embedded tier too, where no
  // HTTP client instrumentation sees the hop).
  const traceparent = activeTraceparent();
  if (traceparent) headers.traceparent = traceparent;
  headers['x-forwarded-for'] = request.ip;
  headers['x-forwarded-proto'] = request.protocol;
  const host = request.headers.host;
  if (host) headers['x-forwarded-host'] = host;
  const body = request.body;
  const forwarded: ForwardRequest = Buffer.isBuffer(body)
    ? { method: request.method, url, headers, body }
    : { method: request.method, url, headers };
  if (waitMs) forwarded.waitMs = waitMs;
  const response = await upstream.forward(forwarded);
  reply.code(response.status);
  const answered = response.headers;
  for (const name in answered) {
    const value = answered[name];
    // The gateway's own x-request-id (service-kit) is the one the client sees.
    if (value === undefined || HOP_BY_HOP.has(name) || name === 'x-request-id') continue;
    reply.header(name, typeof value === 'number' ? String(value) : value);
  }
  return reply.send(compressed(request, reply, response.body));
}

/** The encoding to answer in for a client's Accept-Encoding: brotli, else gzip, else none. */
export function acceptedEncoding(request: FastifyRequest): 'br' | 'gzip' | undefined {
  const accepted = String(request.headers['accept-encoding'] ?? '');
  return /\bbr\b/.test(accepted) ? 'br' : /\bgzip\b/.test(accepted) ? 'gzip' : undefined;
}

const COMPRESSIBLE = /^(application\/(json|problem\+json)|text\/(csv|plain|html))/;
const MIN_BYTES = 1024;

/**
 * Compresses text answers a client accepts compressed (brotli, else gzip), streaming: an export
 * never sits whole in memory. Live streams (SSE) and small or already encoded answers pass as is.
 */
export function compressed(
  request: FastifyRequest,
  reply: FastifyReply,
  body: Buffer | Readable,
): Buffer | Readable {
  // Most API answers are small: decided before looking at any header.
  if (Buffer.isBuffer(body) && body.length < MIN_BYTES) return body;
  const type = String(reply.getHeader('content-type') ?? '');
  if (!COMPRESSIBLE.test(type) || reply.getHeader('content-encoding')) return body;
  const encoding = acceptedEncoding(request);
  reply.header('vary', 'accept-encoding');
  if (!encoding) return body;
  reply.header('content-encoding', encoding);
  reply.removeHeader('content-length');
  const stream =
    encoding === 'br'
      ? createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: 4 } })
      : createGzip({ level: 5 });
  // pipeline (not pipe): an upstream that fails mid-stream ends the client's answer too.
  pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, stream, () => {});
  return stream;
}
