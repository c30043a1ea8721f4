// A webhook message is stored once (its id is the `webhook-id` every attempt and resend carries)
// with one delivery per endpoint of the workspace that subscribes to its type. Written in the
// transaction of the event it comes from, so an event's message exists exactly once.
import type { WebhookEventType } from '@canvass/contracts';
import { newId } from '@canvass/service-kit';
import { type Kysely, sql } from 'kysely';
import type { NotificationsTables } from '../tables.ts';

export interface WebhookMessage {
  id: string;
  workspaceId: string;
  type: WebhookEventType | 'webhook.test';
  data: Record<string, unknown>;
  at: Date;
}

export const deliveryChannel = (schema: string) => `canvass_webhooks_${schema}`;

/** The body every delivery of the message sends (Standard Webhooks' `type`, `timestamp`, `data`). */
export const payloadOf = (message: WebhookMessage) => ({
  type: message.type,
  timestamp: message.at.toISOString(),
  data: message.data,
});

/** Stores the message and a delivery for each subscribed endpoint; returns how many. */
export async function fanOut(
  db: Kysely<NotificationsTables>,
  schema: string,
  message: WebhookMessage,
): Promise<number> {
  const endpoints = await db
    .selectFrom('webhook_endpoints')
    .select(['id', 'enabled'])
    .where('workspace_id', '=', message.workspaceId)
    .where('deleted_at', 'is', null)
    .where(sql<boolean>`event_types @> ${JSON.stringify([message.type])}::jsonb`)
    .execute();
  if (endpoints.length === 0) return 0;
  await db
    .insertInto('webhook_messages')
    .values({
      id: message.id,
      workspace_id: message.workspaceId,
      event_type: message.type,
      payload: JSON.stringify(payloadOf(message)),
      created_at: message.at,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  const enabled = endpoints.filter((endpoint) => endpoint.enabled);
  if (enabled.length === 0) return 0;
  await queueDeliveries(
    db,
    schema,
    enabled.map((endpoint) => ({ endpointId: endpoint.id, messageId: message.id })),
  );
  return enabled.length;
}

export async function queueDeliveries(
  db: Kysely<NotificationsTables>,
  schema: string,
  deliveries: readonly { endpointId: string; messageId: string }[],
): Promise<string[]> {
  if (deliveries.length === 0) return [];
  const rows = deliveries.map((delivery) => ({
    id: `dlv_${newId(16)}`,
    endpoint_id: delivery.endpointId,
    message_id: delivery.messageId,
    next_attempt_at: new Date(),
    lease_until: null,
    finished_at: null,
  }));
  // Chunks keep each statement well under PostgreSQL's 65,535 parameters.
  for (let at = 0; at < rows.length; at += 1000) {
    await db
      .insertInto('webhook_deliveries')
      .values(rows.slice(at, at + 1000))
      .execute();
  }
  await sql`select pg_notify(${deliveryChannel(schema)}, '')`.execute(db);
  return rows.map((row) => row.id);
}
