// Edge hygiene for every request: a W3C `traceparent` (started here when the client sent none, so
// the services' logs and events join one trace), CORS for the public API (polls are embedded on
// other sites; credentials are bearer tokens, never cookies, so any origin may call), and security
// headers, framing among them: API answers may never be framed, pages only by Canvass itself
// unless the route says otherwise (the web app's embeds, see web.ts). Body size limits are set
// per route (see gateway.ts); compression is in proxy.ts.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

// From randomUUID, which draws on a pooled entropy cache (randomBytes per request showed in profiles).
export const newTraceparent = () =>
  `00-${randomUUID().replaceAll('-', '')}-${randomUUID().replaceAll('-', '').slice(0, 16)}-01`;

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers':
    'location, retry-after, ratelimit, ratelimit-policy, x-request-id, traceparent, x-cache',
};
const PREFLIGHT_HEADERS = {
  ...CORS_HEADERS,
  'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
  'access-control-allow-headers':
    'authorization, content-type, voter-token, manage-token, vote-receipt, access-code, x-request-id, traceparent, last-event-id',
  'access-control-max-age': '600',
};

export function edgeHooks(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    const given = request.headers.traceparent;
    if (typeof given !== 'string' || !TRACEPARENT.test(given)) request.headers.traceparent = newTraceparent();
    reply.header('traceparent', request.headers.traceparent);
    if (!request.url.startsWith('/api/')) return;
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
      return reply.code(204).headers(PREFLIGHT_HEADERS).send();
    }
    reply.headers(CORS_HEADERS);
  });
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'strict-origin-when-cross-origin');
    if (request.headers['x-forwarded-proto'] === 'https' || request.protocol === 'https')
      reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    const type = String(reply.getHeader('content-type') ?? '');
    const api = request.url.startsWith('/api/');
    if (api && !type.startsWith('text/html')) {
      // API answers are data, never a page: nothing may run or frame them.
      reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    } else if (!reply.hasHeader('content-security-policy')) {
      // A page that set no policy of its own (sign-in pages, the landing page, files).
      reply.header('content-security-policy', api ? "frame-ancestors 'none'" : "frame-ancestors 'self'");
    }
    // The same for browsers that know only X-Frame-Options.
    const policy = String(reply.getHeader('content-security-policy'));
    if (!reply.hasHeader('x-frame-options')) {
      if (policy.includes("frame-ancestors 'none'")) reply.header('x-frame-options', 'DENY');
      else if (policy.includes("frame-ancestors 'self'")) reply.header('x-frame-options', 'SAMEORIGIN');
    }
    return payload;
  });
}
