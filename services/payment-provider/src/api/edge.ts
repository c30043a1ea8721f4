// The edge of the Stripe-compatible API: the API key check, Stripe's headers, and the one path
// every call takes: card data refused, the idempotency key admitted (or its saved answer
// replayed), a queued fault applied, the operation run, and its answer saved for the key.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { apiError, authenticationError, StripeApiError } from '../errors.ts';
import type { ApiFault, FaultQueue } from '../faults.ts';
import type { RequestContext } from '../objects.ts';
import type { TaskTracker } from '../tasks.ts';
import { refuseCardData } from './card-data.ts';
import type { Params } from './form.ts';
import type { IdempotencyStore, SavedResponse } from './idempotency.ts';

export type Operation = (params: Params, context: RequestContext, request: FastifyRequest) => unknown;

export interface EdgeDeps {
  idempotency: IdempotencyStore;
  faults: FaultQueue;
  /** Holds of the `timeout` fault: waited for by settle(), cut short by close. */
  tasks: TaskTracker;
  onUnexpected(error: unknown): void;
}

const DEFAULT_HOLD_MS = 10_000;
const TEST_KEY = /^(sk|rk)_test_[A-Za-z0-9_]+$/;

/** Accepts any test-mode key, as Bearer or (like curl -u) as the Basic user name. */
export function checkApiKey(request: FastifyRequest): void {
  const header = request.headers.authorization;
  if (!header) throw authenticationError(undefined);
  const [scheme = '', value = ''] = header.split(' ', 2);
  const kind = scheme.toLowerCase();
  if (kind !== 'bearer' && kind !== 'basic') throw authenticationError(header);
  const key = kind === 'basic' ? Buffer.from(value, 'base64').toString('utf8').split(':')[0]! : value;
  if (!TEST_KEY.test(key)) throw authenticationError(key);
}

export function errorResponse(error: StripeApiError): SavedResponse {
  return { statusCode: error.statusCode, body: JSON.stringify({ error: error.body }), headers: {} };
}

/** What Stripe saves for a key: whatever the endpoint answered once it began executing. */
const savable = (statusCode: number) => statusCode < 400 || statusCode === 402 || statusCode >= 500;

function send(reply: FastifyReply, response: SavedResponse): FastifyReply {
  return reply
    .code(response.statusCode)
    .headers(response.headers)
    .header('content-type', 'application/json')
    .send(response.body);
}

export function createEdge(deps: EdgeDeps) {
  async function run(operation: Operation, params: Params, context: RequestContext, request: FastifyRequest) {
    try {
      const result = await operation(params, context, request);
      return { statusCode: 200, body: JSON.stringify(result, null, 2), headers: {} };
    } catch (error) {
      if (error instanceof StripeApiError) return errorResponse(error);
      deps.onUnexpected(error);
      return errorResponse(apiError());
    }
  }

  /** Waits out a `timeout` fault's hold; false when the provider closed meanwhile. */
  function hold(fault: ApiFault): Promise<boolean> {
    const ms = fault.fault === 'timeout' ? (fault.holdMs ?? DEFAULT_HOLD_MS) : 0;
    const { signal } = deps.tasks;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => {
        cancel();
        resolve(false);
      };
      const cancel = deps.tasks.later(ms, () => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The answer, and whether the key saves it (only once the operation began executing). */
  async function answer(
    operation: Operation,
    fault: ApiFault | null,
    params: Params,
    context: RequestContext,
    request: FastifyRequest,
  ): Promise<{ response: SavedResponse; save: boolean } | 'drop'> {
    if (fault?.fault === 'timeout' && !(await hold(fault))) return 'drop';
    if (fault?.apply === false) {
      // Failed before the operation began: nothing saved, a retry with the key runs it.
      if (fault.fault === 'timeout') return 'drop';
      return {
        response: { ...errorResponse(apiError()), headers: { 'stripe-should-retry': 'true' } },
        save: false,
      };
    }
    const response = await run(operation, params, context, request);
    const save = savable(response.statusCode);
    if (fault?.fault !== '500' || !save) return { response, save };
    // The operation happened, then the server failed: this 500 is what the key replays.
    return { response: { ...errorResponse(apiError()), headers: { 'stripe-should-retry': 'false' } }, save };
  }

  return async function handle(operation: Operation, request: FastifyRequest, reply: FastifyReply) {
    const params = (request.body ?? {}) as Params;
    refuseCardData(params);
    const key = request.method === 'POST' ? request.headers['idempotency-key'] : undefined;
    const idempotencyKey = typeof key === 'string' ? key : null;
    const version = request.headers['stripe-version'];
    const context: RequestContext = {
      requestId: request.id,
      idempotencyKey,
      apiVersion: typeof version === 'string' ? version : null,
    };
    if (idempotencyKey !== null) {
      reply.header('idempotency-key', idempotencyKey);
      const admission = deps.idempotency.admit(
        idempotencyKey,
        `POST ${request.url.split('?')[0]}`,
        params,
        request.id,
      );
      if (admission.kind === 'refuse') throw admission.error;
      if (admission.kind === 'replay')
        return send(
          reply.header('idempotent-replayed', 'true').header('original-request', admission.originalRequest),
          admission.response,
        );
    }
    const fault = deps.faults.takeApiFault(`${request.method} ${request.routeOptions.url}`);
    const answering = answer(operation, fault, params, context, request).then((answered) => {
      if (idempotencyKey !== null) {
        if (answered !== 'drop' && answered.save) deps.idempotency.save(idempotencyKey, answered.response);
        else deps.idempotency.release(idempotencyKey);
      }
      return answered;
    });
    // A faulted request is pending work until its key holds its answer: settle() waits for it.
    if (fault) deps.tasks.track(answering);
    const answered = await answering;
    if (answered === 'drop') {
      // No answer at all: the connection just ends, as when a proxy on the way gives up.
      reply.hijack();
      request.raw.socket.destroy();
      return reply;
    }
    return send(reply, answered.response);
  };
}

export type Edge = ReturnType<typeof createEdge>;
