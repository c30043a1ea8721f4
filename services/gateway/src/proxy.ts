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
  return reply.send(response.body);
}
