// /api/docs: the public API reference, with a console that sends requests ("Test Request"), drawn
// by Scalar from GET /api/openapi.json.
//
// Why Scalar, of the three well-kept renderers that can be self-hosted:
// - Redoc reads well but has no console that sends a request (its free edition);
// - Swagger UI has a console, but it needs inline scripts and styles for its start-up page and
//   data: images, and its reading view is a long list of collapsed blocks;
// - Scalar has both, its fastify plugin serves its bundle from this origin (no CDN), and a nonce
//   covers its one inline script, so `script-src` stays strict.
//
// The policy: scripts from this origin and the start-up script carrying the nonce; requests only
// to this origin (the document, and what the console sends); no fonts, frames or forms from
// anywhere. `style-src` must allow inline styles: Scalar sets `style` attributes and inserts
// <style> elements as it draws, which no nonce or hash can cover. A style cannot run code, and
// the page shows only the document the services describe. The nonce is drawn once per process
// (the plugin renders its page at registration's settings), which is enough for a page that
// never echoes anything from a request.
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import scalar from '@scalar/fastify-api-reference';
import type { FastifyInstance } from 'fastify';
import { acceptedEncoding } from './proxy.ts';

export const API_REFERENCE_PATH = '/api/docs';
const BUNDLE_PATH = `${API_REFERENCE_PATH}/js/scalar.js`;

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

export function apiReferencePolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self' 'unsafe-inline'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export function apiReference(app: FastifyInstance): void {
  const nonce = randomBytes(18).toString('base64url');
  const policy = apiReferencePolicy(nonce);
  // A context of its own: the plugin's routes and the bundle's compression hook live here, so no
  // other answer of the gateway (the vote path) passes through that hook.
  app.register(async (scope) => {
    // The bundle is about 5 MB of JavaScript, which the plugin sends as it is: compressed once,
    // on first request, and kept (about 1.2 MB as brotli, 1.4 MB as gzip).
    const packed = new Map<'br' | 'gzip', Promise<Buffer>>();
    scope.addHook('onSend', async (request, reply, payload) => {
      if (request.url !== BUNDLE_PATH || reply.statusCode !== 200 || typeof payload !== 'string')
        return payload;
      const encoding = acceptedEncoding(request);
      if (!encoding) return payload;
      let body = packed.get(encoding);
      if (!body) {
        body =
          encoding === 'br'
            ? brotli(payload, { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } })
            : gzipped(payload, { level: 9 });
        packed.set(encoding, body);
      }
      reply.header('content-encoding', encoding).header('vary', 'accept-encoding');
      reply.removeHeader('content-length');
      return body;
    });
    await scope.register(scalar, {
      routePrefix: API_REFERENCE_PATH,
      logLevel: 'warn',
      configuration: {
        url: '/api/openapi.json',
        pageTitle: 'Canvass API reference',
        nonce,
        // The fonts would come from Scalar's servers: the page uses the system's instead.
        withDefaultFonts: false,
        // The console sends requests from the browser to this origin, never through a proxy.
        proxyUrl: '',
        hideClientButton: false,
        telemetry: false,
        // Scalar's own services (its toolbar: share, SDKs, deploy; its AI agent; MCP) are not
        // Canvass's and would need other origins: off.
        showDeveloperTools: 'never',
        agent: { disabled: true },
        mcp: { disabled: true },
        hideDarkModeToggle: false,
        defaultOpenAllTags: false,
        operationTitleSource: 'summary',
      },
      hooks: {
        onRequest: (request, reply, done) => {
          reply.header('content-security-policy', policy);
          // The bundle changes only with a deploy.
          reply.header('cache-control', request.url.endsWith('.js') ? 'public, max-age=3600' : 'no-cache');
          done();
        },
      },
    });
  });
}
