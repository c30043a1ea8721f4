// A webhook message is stored once (its id is the `webhook-id` every attempt and resend carries)
// with one delivery per endpoint of the workspace that subscribes to its type. Written in the
// transaction of the event it comes from, so an event's message exists exactly once.
import type { WebhookEventType } from '@canvass/contracts';
import { timeOrderedId } from '@canvass/eventing';
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

type Endpoint = { id: string; enabled: boolean; event_types: string[] };

/**
 * Many messages in a few statements: each workspace's endpoints are read once, and the messages
 * and their deliveries are written together by `flush` (in the caller's transaction). A consumer's
 * batch of votes costs a handful of statements this way, not several per vote.
 */
export class FanOutBatch {
  readonly #db: Kysely<NotificationsTables>;
  readonly #schema: string;
  readonly #endpoints = new Map<string, Endpoint[]>();
  #messages: WebhookMessage[] = [];
  #deliveries: { endpointId: string; messageId: string }[] = [];

  constructor(db: Kysely<NotificationsTables>, schema: string) {
    this.#db = db;
    this.#schema = schema;
  }

  async #endpointsOf(workspaceId: string): Promise<Endpoint[]> {
    let endpoints = this.#endpoints.get(workspaceId);
    if (!endpoints) {
      endpoints = await this.#db
        .selectFrom('webhook_endpoints')
        .select(['id', 'enabled', 'event_types'])
        .where('workspace_id', '=', workspaceId)
        .where('deleted_at', 'is', null)
        .execute();
      this.#endpoints.set(workspaceId, endpoints);
    }
    return endpoints;
  }

  /** Queues the message and a delivery for each enabled endpoint subscribed to it; returns how many. */
  async add(message: WebhookMessage): Promise<number> {
    const subscribed = (await this.#endpointsOf(message.workspaceId)).filter((endpoint) =>
      endpoint.event_types.includes(message.type),
    );
    if (subscribed.length === 0) return 0;
    // Kept even when every subscribed endpoint is disabled: a resend once enabled finds it.
    this.#messages.push(message);
    const enabled = subscribed.filter((endpoint) => endpoint.enabled);
    for (const endpoint of enabled) this.#deliveries.push({ endpointId: endpoint.id, messageId: message.id });
    return enabled.length;
  }

  async flush(): Promise<void> {
    const messages = this.#messages;
    const deliveries = this.#deliveries;
    this.#messages = [];
    this.#deliveries = [];
    // Chunks keep each statement well under PostgreSQL's 65,535 parameters.
    for (let at = 0; at < messages.length; at += 1000) {
      await this.#db
        .insertInto('webhook_messages')
        .values(
          messages.slice(at, at + 1000).map((message) => ({
            id: message.id,
            workspace_id: message.workspaceId,
            event_type: message.type,
            payload: JSON.stringify(payloadOf(message)),
            created_at: message.at,
          })),
        )
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    }
    await queueDeliveries(this.#db, this.#schema, deliveries);
  }
}

/** Stores the message and a delivery for each subscribed endpoint; returns how many. */
export async function fanOut(
  db: Kysely<NotificationsTables>,
  schema: string,
  message: WebhookMessage,
): Promise<number> {
  const batch = new FanOutBatch(db, schema);
  const queued = await batch.add(message);
  await batch.flush();
  return queued;
}

export async function queueDeliveries(
  db: Kysely<NotificationsTables>,
  schema: string,
  deliveries: readonly { endpointId: string; messageId: string }[],
): Promise<string[]> {
  if (deliveries.length === 0) return [];
  const rows = deliveries.map((delivery) => ({
    // Time-ordered: with endpoints subscribed to votes this table grows by a row per vote and endpoint.
    id: `dlv_${timeOrderedId()}`,
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
