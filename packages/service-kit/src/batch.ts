// Many requests in one (the gateway's vote hop, docs/architecture.md "The vote hot path"): the
// gateway gathers the votes one turn of its event loop reads and sends them to polls as one HTTP
// request, and polls answers each of them in place. Per-request HTTP work (a parse, routing,
// hooks and a socket write each way) was about a third of both processes' CPU per vote.
//
// A batched request is what the gateway would have sent alone (method, path, headers, body) and
// its answer is what the route would have said: the same handler, span, metrics, request id and
// problem document. A request the batch cannot answer exactly as its route would (a body that is
// not JSON, a part its schema refuses, a path or method the batch does not serve) is answered
// `alone`, untouched, and the gateway sends it by itself: every refusal of malformed input still
// comes from the route's own parser and validation, one code path.
import type { IncomingHttpHeaders } from 'node:http';
import { inRequestSpan, isTracedPath } from '@canvass/telemetry';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import Type, { type Static, type TSchema } from 'typebox';
import { beginRequestSpan, finishRequestSpan, requestIdFrom } from './app.ts';
import { parseJsonBody } from './json-body.ts';
import type { Logger } from './logger.ts';
import { httpObserver } from './metrics.ts';
import { HttpProblem, PROBLEM_CONTENT_TYPE, problemDocument, problemOf } from './problem.ts';
import { unsafeTargetReason } from './request-target.ts';
import { typeboxValidatorCompiler } from './validation.ts';

export const BATCH_ROUTE = '/internal/v1/batch';
/** Requests per batch, and the largest body one of them may have to be batched at all. */
export const BATCH_MAX_REQUESTS = 64;
export const BATCH_MAX_BODY_BYTES = 16 * 1024;

const HeaderValue = Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 2_000 })]);
export const BatchBody = Type.Object(
  {
    requests: Type.Array(
      Type.Object(
        {
          method: Type.String({ minLength: 1, maxLength: 16 }),
          /** Path and query, as the client sent them. */
          url: Type.String({ minLength: 1, maxLength: 16_384 }),
          headers: Type.Record(Type.String(), HeaderValue),
          /** The body as text (only UTF-8 bodies are batched). */
          body: Type.Optional(Type.String({ maxLength: BATCH_MAX_BODY_BYTES })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: BATCH_MAX_REQUESTS },
    ),
  },
  { additionalProperties: false },
);
export type BatchBody = Static<typeof BatchBody>;
export type BatchedRequest = BatchBody['requests'][number];

/** One answer per request, in order: the route's, or `alone`: send it by itself, it was not touched. */
export type BatchedAnswer =
  | { status: number; headers: Record<string, string>; body: string }
  | { alone: true };

export interface BatchCall<P, H, B> {
  /** The request id (the caller's `x-request-id`, as for any request). */
  id: string;
  method: string;
  url: string;
  /** The batch's peer: behind the gateway, the gateway (client addresses come signed in a header). */
  ip: string;
  params: P;
  headers: H & IncomingHttpHeaders;
  body: B;
}

export interface BatchRoute<P extends TSchema, H extends TSchema, B extends TSchema> {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The route as the service registers it (`/api/v1/polls/:pollId/votes`): spans and metrics name it. */
  url: string;
  /** The route's own schemas: a request they refuse is sent alone, to be refused by the route. */
  schema: { params: P; headers: H; body: B };
  /** What the route does, without fastify: the answer's status and JSON body, or an error thrown. */
  handle(call: BatchCall<Static<P>, Static<H>, Static<B>>): Promise<{ status: number; body: unknown }>;
}

/** Declares a batch route with its types inferred from its schemas. */
export const batchRoute = <P extends TSchema, H extends TSchema, B extends TSchema>(
  route: BatchRoute<P, H, B>,
): BatchRoute<P, H, B> => route;

interface Compiled {
  route: BatchRoute<TSchema, TSchema, TSchema>;
  pattern: RegExp;
  names: string[];
  check: Record<'params' | 'headers' | 'body', (data: unknown) => { value?: unknown; error?: unknown }>;
}

/** The content types a batched request may have: what the route's JSON parser takes as is. */
export const BATCHABLE_CONTENT_TYPE = /^application\/json\s*(?:;\s*charset=utf-8\s*)?$/i;
/** Header names that could not be told apart from an object's own keys: such a request goes alone. */
const ODD_HEADERS = ['__proto__', 'constructor', 'prototype'];
/**
 * Up to BATCH_MAX_REQUESTS bodies of BATCH_MAX_BODY_BYTES, each at worst six times as long once
 * JSON-escaped (control bytes), with their headers.
 */
const ENVELOPE_LIMIT = BATCH_MAX_REQUESTS * BATCH_MAX_BODY_BYTES * 8;

/**
 * Serves BATCH_ROUTE on `app` for `routes`. Only the gateway may call it under mutual TLS (the
 * default peer), so a batch cannot carry identities from a peer that may not send them.
 */
export function installBatchRoute(
  app: FastifyInstance,
  options: {
    service: string;
    logger: Logger;
    metrics: Registry;
    routes: readonly BatchRoute<TSchema, TSchema, TSchema>[];
  },
): void {
  const observe = httpObserver(options.metrics, options.service);
  const compiled: Compiled[] = options.routes.map((route) => {
    const names: string[] = [];
    const source = route.url
      .split('/')
      .map((segment) => {
        if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(segment.slice(1));
        return '([^/]+)';
      })
      .join('/');
    const compile = (part: 'params' | 'headers' | 'body') => {
      const validate = typeboxValidatorCompiler({
        schema: route.schema[part],
        httpPart: part,
        method: route.method,
        url: route.url,
      } as Parameters<typeof typeboxValidatorCompiler>[0]);
      return validate as (data: unknown) => { value?: unknown; error?: unknown };
    };
    return {
      route,
      pattern: new RegExp(`^${source}$`),
      names,
      check: { params: compile('params'), headers: compile('headers'), body: compile('body') },
    };
  });

  /** The call `request` makes to one of `routes`, when the route's own checks would take it as is. */
  function callFor(request: BatchedRequest, ip: string) {
    if (unsafeTargetReason(request.url) !== undefined) return undefined;
    const path = request.url.split('?', 1)[0]!;
    for (const { route, pattern, names, check } of compiled) {
      if (route.method !== request.method) continue;
      const match = pattern.exec(path);
      if (!match) continue;
      const contentType = request.headers['content-type'];
      if (
        request.body === undefined ||
        typeof contentType !== 'string' ||
        !BATCHABLE_CONTENT_TYPE.test(contentType) ||
        ODD_HEADERS.some((name) => Object.hasOwn(request.headers, name))
      )
        return undefined;
      const params: Record<string, string> = {};
      let body: unknown;
      try {
        for (let i = 0; i < names.length; i++) params[names[i]!] = decodeURIComponent(match[i + 1]!);
        body = parseJsonBody(request.body);
      } catch {
        return undefined;
      }
      const parts = [check.params(params), check.headers(request.headers), check.body(body)];
      if (parts.some((part) => part.error !== undefined)) return undefined;
      return {
        route,
        call: {
          id: requestIdFrom(request.headers),
          method: request.method,
          url: request.url,
          ip,
          params: parts[0]!.value,
          headers: parts[1]!.value as IncomingHttpHeaders,
          body: parts[2]!.value,
        },
      };
    }
    return undefined;
  }

  /** The answer the service's error handler gives for `error` (an unexpected one is logged). */
  function problemAnswer(
    error: Error,
    call: { id: string; url: string },
    log: Logger,
  ): { status: number; headers: Record<string, string>; body: string } {
    const problem = problemOf(error, { id: call.id, log });
    const headers: Record<string, string> = {
      'x-request-id': call.id,
      'content-type': `${PROBLEM_CONTENT_TYPE}; charset=utf-8`,
    };
    if (typeof problem.retryAfter === 'number') headers['retry-after'] = String(problem.retryAfter);
    return {
      status: problem.status,
      headers,
      body: JSON.stringify(problemDocument(problem, call.url, call.id)),
    };
  }

  /**
   * The route's answer to one request, handled as its fastify route would handle it: in its span
   * (its log lines join the trace), recorded in the route's metrics. Never throws.
   */
  async function answer(request: BatchedRequest, ip: string): Promise<BatchedAnswer> {
    const found = callFor(request, ip);
    if (!found) return { alone: true };
    const { route, call } = found;
    const started = performance.now();
    const span = isTracedPath(call.url)
      ? beginRequestSpan(options.service, {
          method: call.method,
          url: call.url,
          route: route.url,
          id: call.id,
          traceparent: call.headers.traceparent,
        })
      : undefined;
    const log = options.logger.child({ reqId: call.id });
    const handled = async (): Promise<BatchedAnswer & { status: number }> => {
      let headers: Record<string, string> = { 'x-request-id': call.id };
      let status: number;
      let body: string;
      let failure: Error | undefined;
      try {
        const result = await route.handle(call);
        status = result.status;
        body = JSON.stringify(result.body);
        headers['content-type'] = 'application/json; charset=utf-8';
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
        span?.span.recordException(failure);
        ({ status, headers, body } = problemAnswer(failure, call, log));
      }
      if (span) finishRequestSpan(span.span, status, failure);
      const seconds = (performance.now() - started) / 1000;
      observe(call.method, route.url, status, seconds);
      if (log.isLevelEnabled('info')) {
        log.info(
          {
            req: { method: call.method, url: call.url, ip },
            res: { statusCode: status },
            responseTime: seconds * 1000,
            batched: true,
          },
          'request completed',
        );
      }
      return { status, headers, body };
    };
    try {
      return await (span ? inRequestSpan(span, handled) : handled());
    } catch (error) {
      // Only an answer that could not be written gets here (a body JSON cannot hold): logged, 500.
      return problemAnswer(new Error('the answer could not be written', { cause: error }), call, log);
    }
  }

  // In a scope of its own: the envelope is read with plain JSON.parse. The service's JSON parser
  // (NUL, lone surrogates, prototype keys) applies to each request's own body when its route
  // reads it, so one such body goes alone instead of refusing the whole batch.
  app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser(
      'application/json',
      { parseAs: 'string', bodyLimit: ENVELOPE_LIMIT },
      (_request, text, done) => {
        try {
          done(null, JSON.parse(text as string));
        } catch (error) {
          done(
            new HttpProblem(400, 'invalid-json', 'The body is not valid JSON', (error as Error).message),
            undefined,
          );
        }
      },
    );
    scope.post<{ Body: BatchBody }>(
      BATCH_ROUTE,
      { bodyLimit: ENVELOPE_LIMIT, schema: { body: BatchBody }, config: { peers: ['gateway'] } },
      async (request) => ({
        answers: await Promise.all(request.body.requests.map((batched) => answer(batched, request.ip))),
      }),
    );
  });
}
