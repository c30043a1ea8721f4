// Builds (never listens) a fastify app with what every Canvass HTTP process has: request ids,
// JSON logs, problem+json errors, TypeBox validation, metrics, health and readiness, and the
// OpenAPI document of its public routes; and the hygiene every HTTP server needs: unsafe request
// targets refused before any handler, JSON bodies checked (depth, NUL, lone surrogates), client
// timeouts, and problem+json for what the HTTP parser and the router refuse.
import { randomUUID } from 'node:crypto';
import {
  inRequestSpan,
  isTracedPath,
  type RequestSpan,
  type Span,
  SpanStatusCode,
  startRequestSpan,
  tracing,
} from '@canvass/telemetry';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { Registry } from 'prom-client';
import { installDrain } from './drain.ts';
import { installHealth, type ReadinessCheck } from './health.ts';
import { clientErrorHandler, frameworkErrors, type HttpTimeouts, timeoutOptions } from './http-server.ts';
import { type InternalTls, installPeerCheck, tlsServerOptions } from './internal-tls.ts';
import { installJsonBodyParser } from './json-body.ts';
import type { Logger } from './logger.ts';
import { installHttpMetrics } from './metrics.ts';
import { installOpenApi, type OpenApiOptions } from './openapi.ts';
import { operatorCheck } from './operator-token.ts';
import { installProblemHandlers } from './problem.ts';
import { refuseUnsafeTargets } from './request-target.ts';
import { typeboxValidatorCompiler } from './validation.ts';

export interface ServiceAppOptions {
  name: string;
  logger: Logger;
  readiness?: readonly ReadinessCheck[];
  /** Shared in the embedded tier so that one /metrics covers every service. */
  metrics?: Registry;
  bodyLimit?: number;
  openapi?: OpenApiOptions;
  /** How long clients may take (defaults: request 30 s, headers 10 s, idle 60 s). */
  timeouts?: Partial<HttpTimeouts>;
  /**
   * Set for the app clients reach (the gateway): /metrics needs the operator token and /readyz
   * tells others only whether it is ready. Services are internal and serve both openly.
   */
  edge?: { adminToken: string | undefined };
  /** Mutual TLS between services (cluster tier): serve HTTPS and judge each peer per route. */
  tls?: InternalTls;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

const SPAN = Symbol('canvass.requestSpan');
const ERROR = Symbol('canvass.requestError');
type Traced = FastifyRequest & { [SPAN]?: Span | undefined; [ERROR]?: Error };

/** The request's span (with tracing on and a traced path), to annotate or to name in an answer. */
export function requestSpanOf(request: FastifyRequest): Span | undefined {
  return (request as Traced)[SPAN];
}

/** Ends the request's span once: when it was answered, or when the client went away first. */
function endRequestSpan(request: Traced, statusCode: number | undefined): void {
  const span = request[SPAN];
  if (!span) return;
  request[SPAN] = undefined;
  finishRequestSpan(span, statusCode, request[ERROR]);
}

/**
 * Ends a request's span with its answer's status (undefined: the client went away first). A
 * failure is the server's (5xx): a refused request (4xx) is not an error of Canvass's.
 */
export function finishRequestSpan(span: Span, statusCode: number | undefined, error?: Error): void {
  if (statusCode === undefined) span.setAttribute('canvass.aborted', true);
  else span.setAttribute('http.response.status_code', statusCode);
  if (statusCode !== undefined && statusCode >= 500)
    span.setStatus({ code: SpanStatusCode.ERROR, ...(error ? { message: error.message } : {}) });
  span.end();
}

/** The span of a request to `service` (undefined with tracing off), as every route gets one. */
export function beginRequestSpan(
  service: string,
  request: { method: string; url: string; route: string | undefined; id: string; traceparent: unknown },
): RequestSpan | undefined {
  const query = request.url.indexOf('?');
  return startRequestSpan(request.traceparent, {
    'http.request.method': request.method,
    // Without the query: it may carry codes and tokens (sign-in, receipts).
    'url.path': query === -1 ? request.url : request.url.slice(0, query),
    ...(request.route ? { 'http.route': request.route } : {}),
    'canvass.request_id': request.id,
    'canvass.service': service,
  });
}

/** The request id a caller gave (`x-request-id`, when well formed), else a new one. */
export function requestIdFrom(headers: Readonly<Record<string, unknown>>): string {
  const given = headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * One span per request (@canvass/telemetry's startRequestSpan, by hooks added before any route),
 * named for the service (the embedded tier runs every service in one process). At the edge a
 * client's trace goes on, but its sampling flag does not: whether Canvass records a trace is
 * Canvass's choice. Callback hooks: no promise per request.
 */
function installTracing(app: FastifyInstance, name: string, edge: boolean): void {
  if (!tracing()) return;
  app.addHook('onRequest', (request, _reply, done) => {
    if (edge) {
      const given = request.headers.traceparent;
      if (typeof given === 'string' && TRACEPARENT.test(given))
        request.headers.traceparent = `${given.slice(0, 53)}00`;
      else delete request.headers.traceparent;
      delete request.headers.tracestate;
    }
    if (!isTracedPath(request.url)) return done();
    const started = beginRequestSpan(name, {
      method: request.method,
      url: request.url,
      route: request.routeOptions.url,
      id: request.id,
      traceparent: request.headers.traceparent,
    });
    if (!started) return done();
    (request as Traced)[SPAN] = started.span;
    // The rest of the request runs with its span active (handlers, outgoing calls, statements).
    inRequestSpan(started, done);
  });
  app.addHook('onError', (request, _reply, error, done) => {
    const span = (request as Traced)[SPAN];
    if (span) {
      span.recordException(error);
      (request as Traced)[ERROR] = error;
    }
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    endRequestSpan(request as Traced, reply.statusCode);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    endRequestSpan(request as Traced, undefined);
    done();
  });
}

export function buildServiceApp(options: ServiceAppOptions): FastifyInstance {
  const timeouts = timeoutOptions(options.timeouts);
  const app = Fastify({
    loggerInstance: options.logger,
    genReqId: (request) => requestIdFrom(request.headers),
    bodyLimit: options.bodyLimit ?? 256 * 1024,
    // drain.ts answers requests that come while closing, saying they were not handled.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true },
    ...timeouts,
    // fastify hands `http` options only to an http server: an https one gets them here.
    ...(options.tls ? { https: { ...timeouts.http, ...tlsServerOptions(options.tls) } } : {}),
    clientErrorHandler,
    frameworkErrors,
  }) as unknown as FastifyInstance;
  // First of all hooks: a refused target reaches no other hook and no handler.
  refuseUnsafeTargets(app);
  if (options.tls) installPeerCheck(app, options.tls, options.name);
  installTracing(app, options.name, options.edge !== undefined);
  app.setValidatorCompiler(typeboxValidatorCompiler);
  // Response schemas document what a route answers; they never reshape it (fast-json-stringify
  // would drop fields a schema leaves out). The OpenAPI tests check answers against them.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  installJsonBodyParser(app);
  installOpenApi(app, options.name, options.openapi);
  installProblemHandlers(app);
  // Callback hooks, not async ones, on every request: an async hook costs each request a promise
  // and a turn of the microtask queue.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    done(null, payload);
  });
  installHttpMetrics(app, options.metrics ?? new Registry(), options.name, options.edge);
  const drainCheck = installDrain(app);
  installHealth(
    app,
    [drainCheck, ...(options.readiness ?? [])],
    options.edge ? operatorCheck(options.edge.adminToken) : undefined,
  );
  return app;
}
