// Billing's entitlements, projected into identity's own `entitlements` table (service-kit's
// entitlementsConsumer: the highest version wins, so no order is needed and a duplicate, a
// redelivery or a replay changes nothing). A newer plan is also written to workspaces.plan, which
// the tokens' `plan` claim and API-key verification read: new tokens and keys follow it at once,
// and the gateway follows the event itself for tokens issued before it (docs/architecture.md,
// "Entitlements").
import { entitlementsConsumer } from '@canvass/service-kit';
import type { Kysely } from 'kysely';
import type { IdentityTables } from './tables.ts';

export const ENTITLEMENTS_CONSUMER = 'identity-entitlements';

export const identityEntitlements = entitlementsConsumer(ENTITLEMENTS_CONSUMER, async (trx, applied) => {
  const db = trx as Kysely<IdentityTables>;
  for (const { workspaceId, plan } of applied) {
    await db.updateTable('workspaces').set({ plan }).where('id', '=', workspaceId).execute();
  }
});
