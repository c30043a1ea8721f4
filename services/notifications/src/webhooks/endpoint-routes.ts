// Webhook endpoints of the caller's workspace (`webhooks:manage`): create (the secret is shown
// once), list, change, switch on and off, rotate the secret with an overlap, delete, and send a
// test event.
import {
  CreatedWebhookEndpoint,
  DeliveryView,
  NewWebhookEndpoint,
  RotatedSecret,
  WebhookEndpointChange,
  WebhookEndpointView,
} from '@canvass/contracts';
import {
  emptyResponse,
  HttpProblem,
  identityOf,
  jsonResponse,
  newId,
  notFound,
  problemResponses,
  requireScope,
} from '@canvass/service-kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import Type, { type Static } from 'typebox';
import { assertRoomForEndpoint } from '../entitlements.ts';
import type { NotificationsTables } from '../tables.ts';
import { queueDeliveries } from './fan-out.ts';
import { checkEndpointUrl } from './outbound.ts';
import { newWebhookSecret } from './signing.ts';
import { deliveryView, endpointView } from './views.ts';

export const EndpointParams = Type.Object({ endpointId: Type.String({ minLength: 1, maxLength: 64 }) });
export const MANAGER = [{ bearer: [] }];
export const managerProblems = (...own: Parameters<typeof problemResponses>) =>
  problemResponses(401, [403, 'Without the webhooks:manage permission.'], ...own);
/** How long a rotated-out secret keeps signing beside the new one. */
const ROTATION_OVERLAP_MS = 24 * 3600_000;

export interface WebhookRouteDeps {
  db: Kysely<NotificationsTables>;
  schema: string;
  internalSecret: string | undefined;
  allowLoopback: boolean;
}

export function webhookCaller(deps: WebhookRouteDeps) {
  return async (request: FastifyRequest) =>
    requireScope(await identityOf(request, deps.internalSecret), 'webhooks:manage');
}

/** The endpoint, if it is the workspace's and not deleted; 404 otherwise (never 403: ids do not leak). */
export async function endpointOf(db: Kysely<NotificationsTables>, workspace: string, id: string) {
  const row = await db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('id', '=', id)
    .where('workspace_id', '=', workspace)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) throw notFound('webhook endpoint', `This workspace has no webhook endpoint ${id}.`);
  return row;
}

function requireDeliverableUrl(url: string, allowLoopback: boolean) {
  const checked = checkEndpointUrl(url, { allowLoopback });
  if (!checked.ok) {
    throw new HttpProblem(400, 'endpoint-url-refused', 'This URL cannot receive webhooks', checked.reason, {
      errors: [{ in: 'body', field: '/url', message: checked.reason }],
    });
  }
}

export function endpointRoutes(app: FastifyInstance, deps: WebhookRouteDeps): void {
  const { db } = deps;
  const caller = webhookCaller(deps);
  const tags = ['Webhooks'];

  app.get(
    '/api/v1/webhooks',
    {
      schema: {
        tags,
        summary: 'List webhook endpoints',
        security: MANAGER,
        response: {
          200: jsonResponse('Oldest first.', Type.Object({ endpoints: Type.Array(WebhookEndpointView) })),
          ...managerProblems(),
        },
      },
    },
    async (request) => {
      const identity = await caller(request);
      const rows = await db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('workspace_id', '=', identity.workspace)
        .where('deleted_at', 'is', null)
        .orderBy('created_at')
        .execute();
      return { endpoints: rows.map(endpointView) };
    },
  );

  app.post<{ Body: Static<typeof NewWebhookEndpoint> }>(
    '/api/v1/webhooks',
    {
      schema: {
        tags,
        summary: 'Add a webhook endpoint',
        description:
          'Deliveries are signed with the Standard Webhooks scheme; the secret is in this answer only. The URL must be http(s) on a public address. A workspace has as many endpoints as its plan allows.',
        body: NewWebhookEndpoint,
        security: MANAGER,
        response: {
          201: jsonResponse('Created.', CreatedWebhookEndpoint),
          ...managerProblems(
            400,
            [
              403,
              'Without the webhooks:manage permission, or the plan’s webhook endpoints quota is reached (`quota-exceeded`).',
            ],
            [409, 'The workspace has as many endpoints as any plan allows.'],
          ),
        },
      },
    },
    async (request, reply) => {
      const identity = await caller(request);
      requireDeliverableUrl(request.body.url, deps.allowLoopback);
      const secret = newWebhookSecret();
      const row = await db.transaction().execute(async (trx) => {
        await assertRoomForEndpoint(trx, identity.workspace);
        return trx
          .insertInto('webhook_endpoints')
          .values({
            id: `ep_${newId(16)}`,
            workspace_id: identity.workspace,
            url: request.body.url,
            description: request.body.description ?? '',
            event_types: JSON.stringify([...new Set(request.body.eventTypes)]) as never,
            secret,
            previous_secret: null,
            previous_secret_until: null,
            enabled: request.body.enabled ?? true,
            disabled_reason: null,
            failing_since: null,
            deleted_at: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
      });
      return reply.code(201).send({ ...endpointView(row), secret });
    },
  );

  app.get<{ Params: Static<typeof EndpointParams> }>(
    '/api/v1/webhooks/:endpointId',
    {
      schema: {
        tags,
        summary: 'A webhook endpoint',
        params: EndpointParams,
        security: MANAGER,
        response: { 200: jsonResponse('The endpoint.', WebhookEndpointView), ...managerProblems(404) },
      },
    },
    async (request) =>
      endpointView(await endpointOf(db, (await caller(request)).workspace, request.params.endpointId)),
  );

  app.patch<{ Params: Static<typeof EndpointParams>; Body: Static<typeof WebhookEndpointChange> }>(
    '/api/v1/webhooks/:endpointId',
    {
      schema: {
        tags,
        summary: 'Change a webhook endpoint',
        description:
          'Switching a disabled endpoint back on clears its failing state; deliveries from then on are sent.',
        params: EndpointParams,
        body: WebhookEndpointChange,
        security: MANAGER,
        response: { 200: jsonResponse('Changed.', WebhookEndpointView), ...managerProblems(400, 404) },
      },
    },
    async (request) => {
      const identity = await caller(request);
      const endpoint = await endpointOf(db, identity.workspace, request.params.endpointId);
      const { url, eventTypes, description, enabled } = request.body;
      if (url !== undefined) requireDeliverableUrl(url, deps.allowLoopback);
      const switchedOn = enabled === true && !endpoint.enabled;
      const row = await db
        .updateTable('webhook_endpoints')
        .set({
          ...(url !== undefined ? { url } : {}),
          ...(eventTypes !== undefined
            ? { event_types: JSON.stringify([...new Set(eventTypes)]) as never }
            : {}),
          ...(description !== undefined ? { description } : {}),
          ...(enabled !== undefined ? { enabled, disabled_reason: null } : {}),
          ...(switchedOn ? { failing_since: null } : {}),
        })
        .where('id', '=', endpoint.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return endpointView(row);
    },
  );

  app.delete<{ Params: Static<typeof EndpointParams> }>(
    '/api/v1/webhooks/:endpointId',
    {
      schema: {
        tags,
        summary: 'Delete a webhook endpoint',
        description: 'Pending deliveries to it are dropped. Its delivery log goes with it.',
        params: EndpointParams,
        security: MANAGER,
        response: { 204: emptyResponse('Deleted.'), ...managerProblems(404) },
      },
    },
    async (request, reply) => {
      const identity = await caller(request);
      const endpoint = await endpointOf(db, identity.workspace, request.params.endpointId);
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('webhook_endpoints')
          .set({ deleted_at: new Date(), enabled: false })
          .where('id', '=', endpoint.id)
          .execute();
        await trx
          .updateTable('webhook_deliveries')
          .set({ status: 'failed', finished_at: new Date(), next_attempt_at: null })
          .where('endpoint_id', '=', endpoint.id)
          .where('status', '=', 'pending')
          .execute();
      });
      return reply.code(204).send();
    },
  );

  app.post<{ Params: Static<typeof EndpointParams> }>(
    '/api/v1/webhooks/:endpointId/rotate-secret',
    {
      schema: {
        tags,
        summary: 'Rotate the signing secret',
        description: `A new secret signs every delivery from now on; the previous one signs them too for ${ROTATION_OVERLAP_MS / 3600_000} hours, so receivers can switch without missing one.`,
        params: EndpointParams,
        security: MANAGER,
        response: {
          200: jsonResponse('The new secret, shown once.', RotatedSecret),
          ...managerProblems(404),
        },
      },
    },
    async (request) => {
      const identity = await caller(request);
      const endpoint = await endpointOf(db, identity.workspace, request.params.endpointId);
      const secret = newWebhookSecret();
      const until = new Date(Date.now() + ROTATION_OVERLAP_MS);
      await db
        .updateTable('webhook_endpoints')
        .set({ secret, previous_secret: endpoint.secret, previous_secret_until: until })
        .where('id', '=', endpoint.id)
        .execute();
      return { secret, previousSecretUntil: until.toISOString() };
    },
  );

  app.post<{ Params: Static<typeof EndpointParams> }>(
    '/api/v1/webhooks/:endpointId/test',
    {
      schema: {
        tags,
        summary: 'Send a test event',
        description:
          'Delivers a `webhook.test` message to this endpoint only (even when it does not subscribe to anything else), and logs it like any other.',
        params: EndpointParams,
        security: MANAGER,
        response: {
          202: jsonResponse('Queued.', DeliveryView),
          ...managerProblems(404, [409, 'The endpoint is switched off.']),
        },
      },
    },
    async (request, reply) => {
      const identity = await caller(request);
      const endpoint = await endpointOf(db, identity.workspace, request.params.endpointId);
      if (!endpoint.enabled)
        throw new HttpProblem(
          409,
          'endpoint-disabled',
          'The endpoint is switched off',
          'Switch it on to send it a test event.',
        );
      const messageId = `msg_test_${newId(16)}`;
      const at = new Date();
      const delivery = await db.transaction().execute(async (trx) => {
        // A test message goes to this endpoint alone: stored, then given one delivery.
        await trx
          .insertInto('webhook_messages')
          .values({
            id: messageId,
            workspace_id: identity.workspace,
            event_type: 'webhook.test',
            payload: JSON.stringify({
              type: 'webhook.test',
              timestamp: at.toISOString(),
              data: { endpointId: endpoint.id, message: 'A test event from Canvass.' },
            }),
            created_at: at,
          })
          .execute();
        const [id] = await queueDeliveries(trx, deps.schema, [{ endpointId: endpoint.id, messageId }]);
        return trx
          .selectFrom('webhook_deliveries')
          .selectAll()
          .where('id', '=', id!)
          .executeTakeFirstOrThrow();
      });
      return reply.code(202).send(deliveryView({ ...delivery, event_type: 'webhook.test' }, undefined));
    },
  );
}
