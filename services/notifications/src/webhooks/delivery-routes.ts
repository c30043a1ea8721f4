// The delivery log of the caller's workspace: each delivery with its attempts (status, latency,
// the answer's first KiB), resending one, and replaying an endpoint's messages from a time. The
// work itself is in delivery-log.ts, shared with the operator routes.
import {
  DeliveryDetail,
  DeliveryPage,
  DeliveryStatus,
  DeliveryView,
  ReplayRequest,
} from '@canvass/contracts';
import { jsonResponse } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { deliveryIn, deliveryLog, MAX_REPLAY, replayEndpoint, resendDelivery } from './delivery-log.ts';
import {
  EndpointParams,
  MANAGER,
  managerProblems,
  type WebhookRouteDeps,
  webhookCaller,
} from './endpoint-routes.ts';
import { attemptView, deliveryView } from './views.ts';

export const DeliveryParams = Type.Object({ deliveryId: Type.String({ minLength: 1, maxLength: 64 }) });
const LogQuery = Type.Object({
  status: Type.Optional(DeliveryStatus),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
});

export function deliveryRoutes(app: FastifyInstance, deps: WebhookRouteDeps): void {
  const { db } = deps;
  const caller = webhookCaller(deps);
  const tags = ['Webhooks'];

  app.get<{ Params: Static<typeof EndpointParams>; Querystring: Static<typeof LogQuery> }>(
    '/api/v1/webhooks/:endpointId/deliveries',
    {
      schema: {
        tags,
        summary: 'An endpoint’s delivery log',
        description: 'Newest first, with each delivery’s last attempt; page with `nextCursor`.',
        params: EndpointParams,
        querystring: LogQuery,
        security: MANAGER,
        response: { 200: jsonResponse('A page of deliveries.', DeliveryPage), ...managerProblems(400, 404) },
      },
    },
    async (request) => {
      const { workspace } = await caller(request);
      const page = await deliveryLog(
        db,
        { workspace },
        {
          endpointId: request.params.endpointId,
          status: request.query.status,
          cursor: request.query.cursor,
          limit: request.query.limit ?? 25,
        },
      );
      return {
        deliveries: page.deliveries.map(({ row, last }) => deliveryView(row, last)),
        nextCursor: page.nextCursor,
      };
    },
  );

  app.get<{ Params: Static<typeof DeliveryParams> }>(
    '/api/v1/webhook-deliveries/:deliveryId',
    {
      schema: {
        tags,
        summary: 'A delivery with every attempt',
        params: DeliveryParams,
        security: MANAGER,
        response: { 200: jsonResponse('The delivery.', DeliveryDetail), ...managerProblems(404) },
      },
    },
    async (request) => {
      const { workspace } = await caller(request);
      const row = await deliveryIn(db, { workspace }, request.params.deliveryId);
      const attempts = await db
        .selectFrom('webhook_attempts')
        .selectAll()
        .where('delivery_id', '=', row.id)
        .orderBy('attempt')
        .execute();
      return {
        ...deliveryView(row, attempts.at(-1)),
        payload: typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
        attemptLog: attempts.map(attemptView),
      };
    },
  );

  app.post<{ Params: Static<typeof DeliveryParams> }>(
    '/api/v1/webhook-deliveries/:deliveryId/resend',
    {
      schema: {
        tags,
        summary: 'Resend a delivery',
        description:
          'A new delivery of the same message (the same `webhook-id`, so receivers can tell it is a repeat).',
        params: DeliveryParams,
        security: MANAGER,
        response: {
          202: jsonResponse('Queued.', DeliveryView),
          ...managerProblems(404, [409, 'The endpoint is switched off.']),
        },
      },
    },
    async (request, reply) => {
      const { workspace } = await caller(request);
      const created = await resendDelivery(db, deps.schema, { workspace }, request.params.deliveryId);
      return reply.code(202).send(deliveryView(created, undefined));
    },
  );

  app.post<{ Params: Static<typeof EndpointParams>; Body: Static<typeof ReplayRequest> }>(
    '/api/v1/webhooks/:endpointId/replay',
    {
      schema: {
        tags,
        summary: 'Replay messages from a time',
        description: `Queues a new delivery of every message since \`since\` that the endpoint subscribes to (at most ${MAX_REPLAY.toLocaleString('en')}), oldest first; with \`onlyFailed\`, only those whose last delivery to it failed.`,
        params: EndpointParams,
        body: ReplayRequest,
        security: MANAGER,
        response: {
          202: jsonResponse('Queued.', Type.Object({ queued: Type.Integer() })),
          ...managerProblems(400, 404, [409, 'The endpoint is switched off.']),
        },
      },
    },
    async (request, reply) => {
      const { workspace } = await caller(request);
      const queued = await replayEndpoint(db, deps.schema, { workspace }, request.params.endpointId, {
        since: new Date(request.body.since),
        onlyFailed: request.body.onlyFailed,
      });
      return reply.code(202).send({ queued });
    },
  );
}
