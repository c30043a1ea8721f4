// Builds (never listens) the payment provider: Stripe's API subset under /v1, the control API
// under /_control, /healthz and /readyz. A plain fastify app rather than service-kit's: it speaks
// a third party's wire protocol (Stripe's error shape and form bodies), not Canvass's problem+json.
import type { Logger } from '@canvass/service-kit';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { createEdge } from './api/edge.ts';
import { createIdempotencyStore } from './api/idempotency.ts';
import { stripeApiRoutes } from './api/routes.ts';
import { createControl, type PaymentProviderControl } from './control/control.ts';
import { controlRoutes } from './control/routes.ts';
import { apiError, invalidRequest, StripeApiError } from './errors.ts';
import { createFaultQueue } from './faults.ts';
import { objectId, unixNow } from './ids.ts';
import { emptyLedger, type LedgerDeps } from './ledger/state.ts';
import type { StripeEvent } from './objects.ts';
import { createTaskTracker } from './tasks.ts';
import { createDispatcher } from './webhooks/dispatcher.ts';
import { type ConfiguredEndpoint, createEndpointRegistry } from './webhooks/endpoints.ts';

export interface PaymentProviderOptions {
  logger: Logger;
  /** One endpoint known from the start (kept by a reset); more register through the API. */
  webhook?: ConfiguredEndpoint;
  /** Waits before each retry of a failed webhook delivery, ms (default 1 s, 5 s, 30 s). */
  webhookRetryDelaysMs?: readonly number[];
  /** How long a webhook attempt may take, ms (default 5 s). */
  webhookTimeoutMs?: number;
  /** How long an `out_of_order` event waits for the next one, ms (default 5 s). */
  outOfOrderHoldMs?: number;
}

export interface BuiltPaymentProvider {
  app: FastifyInstance;
  control: PaymentProviderControl;
  /** Cuts held answers and pending webhook work short (before app.close()). */
  stop(): void;
}

export function buildPaymentProvider(options: PaymentProviderOptions): BuiltPaymentProvider {
  const { logger } = options;
  let state = emptyLedger();
  const faults = createFaultQueue();
  const idempotency = createIdempotencyStore();
  const endpoints = createEndpointRegistry(options.webhook);
  const events: StripeEvent[] = [];
  const dispatcher = createDispatcher({
    endpoints,
    faults,
    logger,
    retryDelaysMs: options.webhookRetryDelaysMs ?? [1_000, 5_000, 30_000],
    timeoutMs: options.webhookTimeoutMs ?? 5_000,
    outOfOrderHoldMs: options.outOfOrderHoldMs ?? 5_000,
  });
  const ledger: LedgerDeps = {
    get state() {
      return state;
    },
    takeForcedDecline: () => faults.takeDecline(),
    emit(type, object, context) {
      const event: StripeEvent = {
        id: objectId('evt'),
        object: 'event',
        api_version: context.apiVersion,
        created: unixNow(),
        data: { object: structuredClone(object) },
        livemode: false,
        pending_webhooks: endpoints.matching(type).length,
        request: { id: context.requestId, idempotency_key: context.idempotencyKey },
        type,
      };
      events.push(event);
      dispatcher.dispatch(event);
    },
  };
  const apiTasks = createTaskTracker((error) => logger.error({ err: error }, 'held answer failed'));
  const edge = createEdge({
    idempotency,
    faults,
    tasks: apiTasks,
    onUnexpected: (error) => logger.error({ err: error }, 'unexpected error in an API operation'),
  });
  const control = createControl({
    get state() {
      return state;
    },
    ledger,
    idempotency,
    faults,
    events,
    endpoints,
    dispatcher,
    settleApi: () => apiTasks.settle(),
    clearLedger: () => {
      state = emptyLedger();
    },
  });

  const app = Fastify({
    loggerInstance: logger,
    genReqId: () => objectId('req'),
    bodyLimit: 64 * 1024,
    forceCloseConnections: true,
  }) as unknown as FastifyInstance;
  app.addHook('onSend', async (request, reply) => {
    reply.header('request-id', request.id);
  });
  app.setErrorHandler((error: FastifyError | StripeApiError, request, reply) => {
    let refusal: StripeApiError;
    if (error instanceof StripeApiError) refusal = error;
    else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
      refusal = invalidRequest(undefined, 'Invalid request: bodies are application/x-www-form-urlencoded.');
    else if (error.statusCode !== undefined && error.statusCode < 500)
      refusal = invalidRequest(undefined, `Invalid request: ${error.message}`);
    else {
      request.log.error({ err: error }, 'unexpected error');
      refusal = apiError();
    }
    return reply.code(refusal.statusCode).send({ error: refusal.body });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: {
        type: 'invalid_request_error',
        message: `Unrecognized request URL (${request.method}: ${request.url.split('?')[0]}).`,
      },
    }),
  );
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'alive' }));
  app.get('/readyz', { logLevel: 'warn' }, async () => ({ status: 'ready' }));
  app.register(async (scope) => stripeApiRoutes(scope, { ledger, endpoints, edge }), { prefix: '/v1' });
  app.register(async (scope) => controlRoutes(scope, control), { prefix: '/_control' });

  return {
    app,
    control,
    stop() {
      apiTasks.close();
      dispatcher.close();
    },
  };
}
