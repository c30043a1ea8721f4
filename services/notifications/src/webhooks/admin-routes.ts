// Operator routes for webhooks (`canvass webhooks …`), across workspaces: endpoints (never their
// secrets), the delivery log, resend and replay. Mounted behind the operator token under
// /admin/v1 (the gateway's /admin/v1/notifications/…); the work is shared with the public routes
// (delivery-log.ts), which reach the caller's workspace only.
import { DeliveryStatus, DeliveryView, ReplayRequest, WebhookEndpointView } from '@canvass/contracts';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import Type, { type Static } from 'typebox';
import type { NotificationsTables } from '../tables.ts';
import { deliveryLog, replayEndpoint, resendDelivery } from './delivery-log.ts';
import { DeliveryParams } from './delivery-routes.ts';
import { EndpointParams } from './endpoint-routes.ts';
import { deliveryView, endpointView } from './views.ts';

export interface WebhookAdminDeps {
  db: Kysely<NotificationsTables>;
  schema: string;
}

const Id = Type.String({ minLength: 1, maxLength: 64 });
const WithWorkspace = Type.Object({ workspaceId: Type.String() });
const AdminDeliveryView = Type.Intersect([DeliveryView, WithWorkspace]);
// The response schema is also what keeps secrets out: only these fields are written.
const AdminEndpointView = Type.Intersect([WebhookEndpointView, WithWorkspace]);

const DeliveriesQuery = Type.Object({
  endpoint: Type.Optional(Id),
  status: Type.Optional(DeliveryStatus),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
});
const EndpointsQuery = Type.Object({
  workspace: Type.Optional(Id),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
});

export function webhookAdminRoutes(app: FastifyInstance, deps: WebhookAdminDeps): void {
  const { db, schema } = deps;

  app.get<{ Querystring: Static<typeof EndpointsQuery> }>(
    '/admin/v1/webhooks/endpoints',
    {
      schema: {
        querystring: EndpointsQuery,
        response: {
          200: Type.Object({ endpoints: Type.Array(AdminEndpointView), truncated: Type.Boolean() }),
        },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 200;
      let query = db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('deleted_at', 'is', null)
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit + 1);
      if (request.query.workspace) query = query.where('workspace_id', '=', request.query.workspace);
      const rows = await query.execute();
      return {
        endpoints: rows
          .slice(0, limit)
          .map((row) => ({ ...endpointView(row), workspaceId: row.workspace_id })),
        truncated: rows.length > limit,
      };
    },
  );

  app.get<{ Querystring: Static<typeof DeliveriesQuery> }>(
    '/admin/v1/webhooks/deliveries',
    {
      schema: {
        querystring: DeliveriesQuery,
        response: {
          200: Type.Object({
            deliveries: Type.Array(AdminDeliveryView),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (request) => {
      const page = await deliveryLog(db, 'any-workspace', {
        endpointId: request.query.endpoint,
        status: request.query.status,
        cursor: request.query.cursor,
        limit: request.query.limit ?? 50,
      });
      return {
        deliveries: page.deliveries.map(({ row, last }) => ({
          ...deliveryView(row, last),
          workspaceId: row.workspace_id,
        })),
        nextCursor: page.nextCursor,
      };
    },
  );

  app.post<{ Params: Static<typeof DeliveryParams> }>(
    '/admin/v1/webhook-deliveries/:deliveryId/resend',
    { schema: { params: DeliveryParams, response: { 202: AdminDeliveryView } } },
    async (request, reply) => {
      const created = await resendDelivery(db, schema, 'any-workspace', request.params.deliveryId);
      return reply.code(202).send({ ...deliveryView(created, undefined), workspaceId: created.workspace_id });
    },
  );

  app.post<{ Params: Static<typeof EndpointParams>; Body: Static<typeof ReplayRequest> }>(
    '/admin/v1/webhooks/:endpointId/replay',
    {
      schema: {
        params: EndpointParams,
        body: ReplayRequest,
        response: { 202: Type.Object({ endpointId: Type.String(), queued: Type.Integer() }) },
      },
    },
    async (request, reply) => {
      const { endpointId } = request.params;
      const queued = await replayEndpoint(db, schema, 'any-workspace', endpointId, {
        since: new Date(request.body.since),
        onlyFailed: request.body.onlyFailed,
      });
      return reply.code(202).send({ endpointId, queued });
    },
  );
}
