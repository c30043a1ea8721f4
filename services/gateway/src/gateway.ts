// The one front door: routes public API calls to the service that owns them. Request bodies are
// passed through untouched (each service validates its own input).
import { buildServiceApp, type Logger, type ReadinessCheck } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { landingPage } from './landing-page.ts';
import { forward } from './proxy.ts';
import { publicRoutes } from './routes.ts';
import type { Upstream } from './upstream.ts';

export interface GatewayOptions {
  logger: Logger;
  tier: 'embedded' | 'cluster';
  upstreams: Readonly<Record<string, Upstream>>;
  metrics?: Registry;
  readiness?: readonly ReadinessCheck[];
}

export function createGateway(options: GatewayOptions): FastifyInstance {
  const app = buildServiceApp({
    name: 'gateway',
    logger: options.logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.readiness ? { readiness: options.readiness } : {}),
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  for (const rule of publicRoutes) {
    const upstream = options.upstreams[rule.service];
    if (!upstream) throw new Error(`no upstream configured for service "${rule.service}"`);
    app.route({
      method: rule.methods,
      url: rule.url,
      handler: (request, reply) => forward(upstream, request, reply),
    });
  }

  const page = landingPage(options.tier, Object.keys(options.upstreams));
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
  return app;
}
