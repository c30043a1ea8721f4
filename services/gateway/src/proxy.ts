import { pipeline, Readable } from 'node:stream';
import { constants, createBrotliCompress, createGzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Upstream } from './upstream.ts';

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
  // Only the gateway says who is calling (see authenticate.ts).
  'x-canvass-identity',
]);

function forwardableHeaders(
  headers: Record<string, string | number | string[] | undefined>,
): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
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
  extraHeaders: Record<string, string> = {},
): Promise<FastifyReply> {
  const headers = { ...forwardableHeaders(request.headers), ...extraHeaders };
  headers['x-request-id'] = request.id;
  headers['x-forwarded-for'] = request.ip;
  headers['x-forwarded-proto'] = request.protocol;
  if (request.headers.host) headers['x-forwarded-host'] = request.headers.host;
  const body = Buffer.isBuffer(request.body) ? request.body : undefined;
  const response = await upstream.forward({
    method: request.method,
    url,
    headers,
    ...(body ? { body } : {}),
  });
  reply.code(response.status);
  for (const [name, value] of Object.entries(forwardableHeaders(response.headers))) {
    if (name !== 'x-request-id') reply.header(name, value);
  }
  return reply.send(compressed(request, reply, response.body));
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
  const type = String(reply.getHeader('content-type') ?? '');
  if (!COMPRESSIBLE.test(type) || reply.getHeader('content-encoding')) return body;
  if (Buffer.isBuffer(body) && body.length < MIN_BYTES) return body;
  const accepted = String(request.headers['accept-encoding'] ?? '');
  const encoding = /\bbr\b/.test(accepted) ? 'br' : /\bgzip\b/.test(accepted) ? 'gzip' : undefined;
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
