// The delivery log and what can be done with it, shared by the public routes (one workspace, the
// caller's) and the operator routes (any workspace): a page of deliveries newest first (keyset
// cursor), one delivery, resending it, replaying an endpoint's messages from a time.
import type { DeliveryStatus } from '@canvass/contracts';
import { HttpProblem, notFound } from '@canvass/service-kit';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { Static } from 'typebox';
import type { NotificationsTables } from '../tables.ts';
import { endpointOf } from './endpoint-routes.ts';
import { queueDeliveries } from './fan-out.ts';

/** Whose webhooks a caller reaches: one workspace's (the public API) or every one (operators). */
export type LogScope = { workspace: string } | 'any-workspace';

type Db = Kysely<NotificationsTables>;
type Endpoint = Selectable<NotificationsTables['webhook_endpoints']>;
type Delivery = Selectable<NotificationsTables['webhook_deliveries']>;
type Attempt = Selectable<NotificationsTables['webhook_attempts']>;
/** A delivery row with what the views show of its message. */
export type LoggedDelivery = Delivery & { event_type: string; workspace_id: string };

export const MAX_REPLAY = 10_000;

/** The endpoint, if the scope reaches it and it is not deleted; 404 otherwise (ids do not leak). */
export async function endpointIn(db: Db, scope: LogScope, id: string): Promise<Endpoint> {
  if (scope !== 'any-workspace') return endpointOf(db, scope.workspace, id);
  const row = await db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) throw notFound('webhook endpoint', `There is no webhook endpoint ${id}.`);
  return row;
}

/** The delivery with its message's type and body, if the scope reaches it; 404 otherwise. */
export async function deliveryIn(db: Db, scope: LogScope, id: string) {
  let query = db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .innerJoin('webhook_messages as m', 'm.id', 'd.message_id')
    .selectAll('d')
    .select(['m.event_type', 'm.payload', 'e.workspace_id'])
    .where('d.id', '=', id)
    .where('e.deleted_at', 'is', null);
  if (scope !== 'any-workspace') query = query.where('e.workspace_id', '=', scope.workspace);
  const row = await query.executeTakeFirst();
  if (!row) {
    throw notFound(
      'delivery',
      scope === 'any-workspace'
        ? `There is no webhook delivery ${id}.`
        : `This workspace has no webhook delivery ${id}.`,
    );
  }
  return row;
}

const cursorOf = (row: { created_at: Date; id: string }) =>
  Buffer.from(`${row.created_at.toISOString()}|${row.id}`).toString('base64url');

function readCursor(cursor: string): { at: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const date = new Date(at ?? '');
  if (!id || Number.isNaN(date.getTime())) {
    throw new HttpProblem(
      400,
      'invalid-cursor',
      'This cursor is not valid',
      'Pass the nextCursor of a previous page.',
    );
  }
  return { at: date, id };
}

export interface LogQuery {
  /** One endpoint's deliveries (checked against the scope); without it, every endpoint's. */
  endpointId?: string | undefined;
  status?: Static<typeof DeliveryStatus> | undefined;
  cursor?: string | undefined;
  limit: number;
}

/** A page of the log, newest first, each delivery with its last attempt. */
export async function deliveryLog(db: Db, scope: LogScope, options: LogQuery) {
  const endpoint = options.endpointId ? await endpointIn(db, scope, options.endpointId) : undefined;
  // A deleted endpoint's log goes with it.
  let query = db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .innerJoin('webhook_messages as m', 'm.id', 'd.message_id')
    .selectAll('d')
    .select(['m.event_type', 'e.workspace_id'])
    .where('e.deleted_at', 'is', null)
    .orderBy('d.created_at', 'desc')
    .orderBy('d.id', 'desc')
    .limit(options.limit + 1);
  if (endpoint) query = query.where('d.endpoint_id', '=', endpoint.id);
  else if (scope !== 'any-workspace') query = query.where('e.workspace_id', '=', scope.workspace);
  if (options.status) query = query.where('d.status', '=', options.status);
  if (options.cursor) {
    const { at, id } = readCursor(options.cursor);
    query = query.where(sql<boolean>`(d.created_at, d.id) < (${at}, ${id})`);
  }
  const rows = await query.execute();
  const page = rows.slice(0, options.limit);
  const last = await lastAttempts(
    db,
    page.map((row) => row.id),
  );
  return {
    deliveries: page.map((row) => ({ row, last: last.get(row.id) })),
    nextCursor: rows.length > options.limit ? cursorOf(page.at(-1)!) : null,
  };
}

async function lastAttempts(db: Db, ids: readonly string[]): Promise<Map<string, Attempt>> {
  const last = new Map<string, Attempt>();
  if (ids.length === 0) return last;
  const attempts = await db
    .selectFrom('webhook_attempts')
    .selectAll()
    .where('delivery_id', 'in', ids)
    .orderBy('attempt', 'desc')
    .execute();
  for (const attempt of attempts) if (!last.has(attempt.delivery_id)) last.set(attempt.delivery_id, attempt);
  return last;
}

function requireEnabled(endpoint: Endpoint, toDo: string) {
  if (!endpoint.enabled) {
    throw new HttpProblem(
      409,
      'endpoint-disabled',
      'The endpoint is switched off',
      `Switch it on to ${toDo}.`,
    );
  }
}

/** A new delivery of the delivery's message: the same `webhook-id`, so receivers can tell it is a repeat. */
export async function resendDelivery(
  db: Db,
  schema: string,
  scope: LogScope,
  deliveryId: string,
): Promise<LoggedDelivery> {
  const row = await deliveryIn(db, scope, deliveryId);
  requireEnabled(await endpointIn(db, scope, row.endpoint_id), 'resend');
  const [id] = await queueDeliveries(db, schema, [
    { endpointId: row.endpoint_id, messageId: row.message_id },
  ]);
  const created = await db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('id', '=', id!)
    .executeTakeFirstOrThrow();
  return { ...created, event_type: row.event_type, workspace_id: row.workspace_id };
}

/**
 * Queues a new delivery of every message of the endpoint's workspace since `since` that it
 * subscribes to (at most MAX_REPLAY, oldest first); with `onlyFailed`, only those whose last
 * delivery to it failed. Returns how many.
 */
export async function replayEndpoint(
  db: Db,
  schema: string,
  scope: LogScope,
  endpointId: string,
  options: { since: Date; onlyFailed?: boolean | undefined },
): Promise<number> {
  const endpoint = await endpointIn(db, scope, endpointId);
  requireEnabled(endpoint, 'replay to it');
  const types: string[] =
    typeof endpoint.event_types === 'string' ? JSON.parse(endpoint.event_types) : endpoint.event_types;
  let query = db
    .selectFrom('webhook_messages as m')
    .select('m.id')
    .where('m.workspace_id', '=', endpoint.workspace_id)
    .where('m.created_at', '>=', options.since)
    .where('m.event_type', 'in', types.length > 0 ? types : [''])
    .orderBy('m.created_at')
    .limit(MAX_REPLAY);
  if (options.onlyFailed) {
    query = query.where(
      sql<boolean>`(select d.status from webhook_deliveries d where d.message_id = m.id and d.endpoint_id = ${endpoint.id}
        order by d.created_at desc limit 1) = 'failed'`,
    );
  }
  const messages = await query.execute();
  await queueDeliveries(
    db,
    schema,
    messages.map((message) => ({ endpointId: endpoint.id, messageId: message.id })),
  );
  return messages.length;
}
