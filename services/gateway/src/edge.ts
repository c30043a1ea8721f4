// Edge hygiene for every request: a W3C `traceparent` (started here when the client sent none, so
// the services' logs and events join one trace), CORS for the public API (polls are embedded on
// other sites; credentials are bearer tokens, never cookies, so any origin may call), and security
// headers, framing among them: API answers may never be framed, pages only by Canvass itself
// unless the route says otherwise (the web app's embeds, see web.ts). Body size limits are set
// per route (see gateway.ts); compression is in proxy.ts.
import { pooledRandom, requestSpanOf } from '@canvass/service-kit';
import { formatTraceparent, tracing } from '@canvass/telemetry';
import type { FastifyInstance } from 'fastify';

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** A new trace: 16 + 8 random bytes from the shared pool, not two UUIDs reformatted per request. */
export function newTraceparent(): string {
  const id = pooledRandom(24);
  return `00-${id.toString('hex', 0, 16)}-${id.toString('hex', 16, 24)}-01`;
}

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers':
    'location, retry-after, ratelimit, ratelimit-policy, x-request-id, traceparent, x-cache',
};
const PREFLIGHT_HEADERS = {
  ...CORS_HEADERS,
  'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
  'access-control-allow-headers':
    'authorization, content-type, voter-token, device-token, proof-of-work, manage-token, vote-receipt, access-code, x-request-id, traceparent, last-event-id',
  'access-control-max-age': '600',
};
const API_POLICY = "default-src 'none'; frame-ancestors 'none'";

// Callback hooks, not async ones: each async hook costs every request a promise and a tick.
export function edgeHooks(app: FastifyInstance): void {
  const traced = tracing() !== undefined;
  app.addHook('onRequest', (request, reply, done) => {
    // Traced: the answer names the request's span instead (onSend, once the span exists).
    if (!traced) {
      const given = request.headers.traceparent;
      if (typeof given !== 'string' || !TRACEPARENT.test(given))
        request.headers.traceparent = newTraceparent();
      reply.header('traceparent', request.headers.traceparent);
    }
    if (request.url.startsWith('/api/')) {
      if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
        reply.code(204).headers(PREFLIGHT_HEADERS).send();
        return;
      }
      reply.headers(CORS_HEADERS);
    }
    done();
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    if (traced) {
      // The request's span (which continued a client's trace): the client learns the trace id
      // an operator can look up.
      const span = requestSpanOf(request);
      if (span) reply.header('traceparent', formatTraceparent(span.spanContext()));
    }
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'strict-origin-when-cross-origin');
    if (request.headers['x-forwarded-proto'] === 'https' || request.protocol === 'https')
      reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    const type = String(reply.getHeader('content-type') ?? '');
    const api = request.url.startsWith('/api/');
    if (api && !type.startsWith('text/html')) {
      // API answers are data, never a page: nothing may run or frame them.
      reply.header('content-security-policy', API_POLICY);
      if (!reply.hasHeader('x-frame-options')) reply.header('x-frame-options', 'DENY');
      return done(null, payload);
    }
    if (!reply.hasHeader('content-security-policy')) {
      // A page that set no policy of its own (sign-in pages, the landing page, files).
      reply.header('content-security-policy', api ? "frame-ancestors 'none'" : "frame-ancestors 'self'");
    }
    // The same for browsers that know only X-Frame-Options.
    const policy = String(reply.getHeader('content-security-policy'));
    if (!reply.hasHeader('x-frame-options')) {
      if (policy.includes("frame-ancestors 'none'")) reply.header('x-frame-options', 'DENY');
      else if (policy.includes("frame-ancestors 'self'")) reply.header('x-frame-options', 'SAMEORIGIN');
    }
    done(null, payload);
  });
}
