// Prometheus metrics: RED per route, with a `service` label so that one registry can serve the
// whole embedded process as well as one service of the cluster tier.
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';
import { requireAdminToken } from './operator-token.ts';

function metric<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/** Records one answered request in the RED metrics (also for requests a batch carried). */
export type HttpObserver = (method: string, route: string, statusCode: number, seconds: number) => void;

export function httpObserver(registry: Registry, service: string): HttpObserver {
  const labelNames = ['service', 'method', 'route', 'status_code'] as const;
  const requests = metric(
    registry,
    'http_requests_total',
    () =>
      new Counter({
        name: 'http_requests_total',
        help: 'HTTP requests handled',
        labelNames,
        registers: [registry],
      }),
  );
  const duration = metric(
    registry,
    'http_request_duration_seconds',
    () =>
      new Histogram({
        name: 'http_request_duration_seconds',
        help: 'HTTP request latency',
        labelNames,
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        registers: [registry],
      }),
  );
  return (method, route, statusCode, seconds) => {
    const labels = { service, method, route, status_code: String(statusCode) };
    requests.inc(labels);
    duration.observe(labels, seconds);
  };
}

export function installHttpMetrics(
  app: FastifyInstance,
  registry: Registry,
  service: string,
  /** At the edge (the gateway), /metrics is the operator's: pass the operator token (none: 403). */
  edge?: { adminToken: string | undefined },
): void {
  const observe = httpObserver(registry, service);
  // A callback hook: an async one costs every request a promise and a microtask turn.
  app.addHook('onResponse', (request, reply, done) => {
    observe(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
  app.get(
    '/metrics',
    {
      logLevel: 'warn',
      // Any Canvass peer (a scraper given a certificate from the internal CA) under mutual TLS.
      config: { peers: 'any' },
      ...(edge ? { onRequest: requireAdminToken(edge.adminToken) } : {}),
    },
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
}
