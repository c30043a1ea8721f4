// Builds (never listens) a fastify app with what every Canvass HTTP process has: request ids,
// JSON logs, problem+json errors, TypeBox validation, metrics, health and readiness, and the
// OpenAPI document of its public routes.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { installHealth, type ReadinessCheck } from './health.ts';
import type { Logger } from './logger.ts';
import { installHttpMetrics } from './metrics.ts';
import { installOpenApi, type OpenApiOptions } from './openapi.ts';
import { installProblemHandlers } from './problem.ts';
import { typeboxValidatorCompiler } from './validation.ts';

export interface ServiceAppOptions {
  name: string;
  logger: Logger;
  readiness?: readonly ReadinessCheck[];
  /** Shared in the embedded tier so that one /metrics covers every service. */
  metrics?: Registry;
  bodyLimit?: number;
  openapi?: OpenApiOptions;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function buildServiceApp(options: ServiceAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    bodyLimit: options.bodyLimit ?? 256 * 1024,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true },
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(typeboxValidatorCompiler);
  // Response schemas document what a route answers; they never reshape it (fast-json-stringify
  // would drop fields a schema leaves out). The OpenAPI tests check answers against them.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  installOpenApi(app, options.name, options.openapi);
  installProblemHandlers(app);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  installHttpMetrics(app, options.metrics ?? new Registry(), options.name);
  installHealth(app, options.readiness ?? []);
  return app;
}
