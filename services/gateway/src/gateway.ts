// The one front door: routes public API calls to the service that owns them. Request bodies are
// passed through untouched (each service validates its own input).
import {
  buildServiceApp,
  HttpProblem,
  type Logger,
  type ReadinessCheck,
  requireAdminToken,
} from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { createAuthenticator } from './authenticate.ts';
import { landingPage } from './landing-page.ts';
import type { LiveUpstream } from './live.ts';
import { liveRoutes } from './live-routes.ts';
import { forward } from './proxy.ts';
import { publicRoutes } from './routes.ts';
import type { Upstream } from './upstream.ts';

export interface GatewayOptions {
  logger: Logger;
  tier: 'embedded' | 'cluster';
  upstreams: Readonly<Record<string, Upstream>>;
  /** Where live results (SSE, WebSocket) go; without it the gateway refuses them. */
  live?: LiveUpstream;
  metrics?: Registry;
  readiness?: readonly ReadinessCheck[];
  /** Operator token: /admin/v1/<service>/… is passed to that service's /admin/v1/… with it. */
  adminToken?: string | undefined;
  /** Where clients reach Canvass (issuer and API audience are derived from it). */
  publicUrl?: string;
  /** Signs the identity forwarded to services (CANVASS_INTERNAL_SECRET). */
  internalSecret?: string | undefined;
  /** How long a verified API key is trusted before asking identity again (default 5 s). */
  apiKeyCacheMs?: number;
  /** Extra operator routes on the gateway itself (the embedded tier's event tail). */
  adminRoutes?: (app: FastifyInstance) => void;
}

export function createGateway(options: GatewayOptions): FastifyInstance {
  const app = buildServiceApp({
    name: 'gateway',
    logger: options.logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.readiness ? { readiness: options.readiness } : {}),
  });
  const authenticator = createAuthenticator({
    identityUpstream: options.upstreams.identity,
    internalSecret: options.internalSecret,
    publicUrl: options.publicUrl ?? 'http://localhost:8080',
    ...(options.apiKeyCacheMs !== undefined ? { cacheMs: options.apiKeyCacheMs } : {}),
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  for (const rule of publicRoutes) {
    const upstream = options.upstreams[rule.service];
    if (!upstream) throw new Error(`no upstream configured for service "${rule.service}"`);
    app.route({
      method: rule.methods,
      url: rule.url,
      handler: async (request, reply) =>
        forward(
          upstream,
          request,
          reply,
          request.url,
          rule.ownCredentials ? {} : await authenticator.identityHeaders(request),
        ),
    });
  }

  if (options.live) liveRoutes(app, options.live, authenticator);

  app.register(async (admin) => {
    admin.addHook('preHandler', requireAdminToken(options.adminToken));
    admin.get('/admin/v1/services', async () => ({
      tier: options.tier,
      services: Object.keys(options.upstreams),
    }));
    // Operator requests carry whole pages of events (projection rebuilds): allow large bodies here.
    admin.all<{ Params: { service: string; '*': string } }>(
      '/admin/v1/:service/*',
      { bodyLimit: 32 * 1024 * 1024 },
      (request, reply) => {
        const upstream = options.upstreams[request.params.service];
        if (!upstream) {
          throw new HttpProblem(
            404,
            'service-not-found',
            'No such service',
            `Services: ${Object.keys(options.upstreams).join(', ')}.`,
          );
        }
        const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
        return forward(upstream, request, reply, `/admin/v1/${request.params['*']}${query}`);
      },
    );
    options.adminRoutes?.(admin);
  });

  const page = landingPage(options.tier, Object.keys(options.upstreams));
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
  return app;
}
