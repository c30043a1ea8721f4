// Billing's entitlements in notifications: the consumer that keeps the service's own projection
// (service-kit entitlementsConsumer: the highest version per workspace wins, so it needs no order
// and a duplicate, redelivery or replay changes nothing), and the webhook endpoints quota read
// from it when an endpoint is added. Nothing here asks billing (docs/architecture.md,
// "Entitlements"); endpoints beyond a smaller plan's quota stay and keep delivering.
import { entitlementsConsumer, entitlementsOf, HttpProblem, quotaExceeded } from '@canvass/service-kit';
import { type Kysely, sql } from 'kysely';
import type { NotificationsTables } from './tables.ts';

export const ENTITLEMENTS_CONSUMER = 'notifications-entitlements';

export const notificationsEntitlements = entitlementsConsumer(ENTITLEMENTS_CONSUMER);

/** However large a plan (or a custom deal), a workspace has at most this many endpoints. */
export const MAX_ENDPOINTS = 100;

/**
 * Throws 403 `quota-exceeded` when one more endpoint would pass the workspace's plan (409
 * `too-many-endpoints` past the absolute ceiling). In the caller's transaction, under a lock per
 * workspace, so two additions at once cannot both take the last place.
 */
export async function assertRoomForEndpoint(trx: Kysely<NotificationsTables>, workspaceId: string) {
  await sql`select pg_advisory_xact_lock(hashtext(${`canvass.webhook-endpoints.${workspaceId}`}))`.execute(
    trx,
  );
  const { plan, quotas } = await entitlementsOf(trx, workspaceId);
  const { n } = await trx
    .selectFrom('webhook_endpoints')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  const count = Number(n);
  if (count >= quotas.webhookEndpoints) {
    throw quotaExceeded({
      what: 'webhookEndpoints',
      limit: quotas.webhookEndpoints,
      plan,
      detail: 'Delete an endpoint you no longer use (one endpoint can take several event types)',
    });
  }
  if (count >= MAX_ENDPOINTS) {
    throw new HttpProblem(
      409,
      'too-many-endpoints',
      'Too many endpoints',
      `A workspace may have ${MAX_ENDPOINTS} webhook endpoints; delete one first.`,
    );
  }
}
