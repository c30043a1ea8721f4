// RFC 9457 problem details: every error a client sees, and the one place that maps errors to them.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface FieldError {
  /** Where the bad value was: body, querystring, params or headers. */
  in: string;
  /** JSON pointer to the field (empty for the whole part). */
  field: string;
  message: string;
}

/** An error meant for the client: its status, a stable type slug, a title and a detail in plain words. */
export class HttpProblem extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly extensions: Record<string, unknown>;
  constructor(
    status: number,
    type: string,
    title: string,
    detail?: string,
    extensions: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(detail ?? title, options);
    this.name = 'HttpProblem';
    this.status = status;
    this.type = type;
    this.title = title;
    this.extensions = extensions;
  }
}

export const notFound = (what: string, detail?: string) =>
  new HttpProblem(404, `${what}-not-found`, `${capitalize(what.replaceAll('-', ' '))} not found`, detail);

export const conflict = (type: string, title: string, detail?: string) =>
  new HttpProblem(409, type, title, detail);

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Thrown by the request validator; carries every field error. */
export class RequestValidationError extends Error {
  readonly fieldErrors: FieldError[];
  constructor(fieldErrors: FieldError[]) {
    super(fieldErrors.map((error) => `${error.in}${error.field}: ${error.message}`).join('; '));
    this.name = 'RequestValidationError';
    this.fieldErrors = fieldErrors;
  }
}

export interface ProblemFields {
  status: number;
  type: string;
  title: string;
  detail?: string;
  [key: string]: unknown;
}

/** The problem document for a request to `url` with id `requestId`. */
export function problemDocument(
  problem: ProblemFields,
  url: string,
  requestId: string,
): Record<string, unknown> {
  return { ...problem, type: `/problems/${problem.type}`, instance: url, requestId };
}

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  problem: ProblemFields,
): FastifyReply {
  // A problem that says when to come back (`retryAfter`, seconds) says it in the header too.
  if (typeof problem.retryAfter === 'number') reply.header('retry-after', String(problem.retryAfter));
  return reply
    .code(problem.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problemDocument(problem, request.url, request.id)));
}

/** What a client is told about an error; an unexpected one is logged, and says only its request id. */
export function problemOf(
  error: FastifyError | Error,
  request: { id: string; log: { error(fields: object, message: string): void } },
): ProblemFields {
  if (error instanceof HttpProblem) {
    return {
      status: error.status,
      type: error.type,
      title: error.title,
      detail: error.message,
      ...error.extensions,
    };
  }
  const validation = (error as { cause?: unknown }).cause ?? error;
  if (validation instanceof RequestValidationError) {
    return {
      status: 400,
      type: 'invalid-request',
      title: 'The request is not valid',
      detail: validation.message,
      errors: validation.fieldErrors,
    };
  }
  const status = (error as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    // Fastify's own client errors (malformed JSON, wrong content type, body too large) say what went wrong.
    const code = (error as FastifyError).code ?? 'bad-request';
    return {
      status,
      type: code.toLowerCase().replaceAll('_', '-'),
      title: 'The request could not be read',
      detail: error.message,
    };
  }
  request.log.error({ err: error }, 'request failed');
  return {
    status: 500,
    type: 'internal-error',
    title: 'Something went wrong on our side',
    detail: `The request failed unexpectedly. If it keeps happening, quote request id ${request.id}.`,
  };
}

/** Installs the error and not-found handlers that turn everything into problem+json. */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) =>
    sendProblem(request, reply, problemOf(error, request)),
  );
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, {
      status: 404,
      type: 'route-not-found',
      title: 'Not found',
      detail: `There is no ${request.method} ${request.url.split('?')[0]}.`,
    }),
  );
}
