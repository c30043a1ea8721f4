// The plan's quotas identity enforces, read from its own projection of billing's entitlements
// (entitlements.ts): people in a workspace (members and pending invitations) and active API keys.
// Each check locks the workspace's row first, so two requests at once cannot both take the last
// place. Nothing is taken away when a plan shrinks: only new invitations and keys are refused.
import { entitlementsOf, quotaExceeded } from '@canvass/service-kit';
import type { Kysely, Transaction } from 'kysely';
import type { IdentityTables } from './tables.ts';

const count = (n: string | number | bigint) => Number(n);

async function lockWorkspace(trx: Transaction<IdentityTables>, workspaceId: string): Promise<void> {
  await trx.selectFrom('workspaces').select('id').where('id', '=', workspaceId).forUpdate().execute();
}

/** Members plus unexpired pending invitations: each invitation holds a place until it is used or expires. */
export async function assertRoomForInvitation(
  trx: Transaction<IdentityTables>,
  workspaceId: string,
): Promise<void> {
  await lockWorkspace(trx, workspaceId);
  const { plan, quotas } = await entitlementsOf(trx as Kysely<IdentityTables>, workspaceId);
  const members = await trx
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  const pending = await trx
    .selectFrom('invitations')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('accepted_at', 'is', null)
    .where('expires_at', '>', new Date())
    .executeTakeFirstOrThrow();
  if (count(members.n) + count(pending.n) >= quotas.members) {
    throw quotaExceeded({
      what: 'members',
      limit: quotas.members,
      plan,
      detail:
        count(pending.n) > 0
          ? `Pending invitations (${count(pending.n)}) hold a place until used or expired (7 days). Remove a member or wait for an invitation to expire`
          : 'Remove a member first',
    });
  }
}

export async function assertRoomForApiKey(
  trx: Transaction<IdentityTables>,
  workspaceId: string,
): Promise<void> {
  await lockWorkspace(trx, workspaceId);
  const { plan, quotas } = await entitlementsOf(trx as Kysely<IdentityTables>, workspaceId);
  const active = await trx
    .selectFrom('api_keys')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('revoked_at', 'is', null)
    .executeTakeFirstOrThrow();
  if (count(active.n) >= quotas.apiKeys) {
    throw quotaExceeded({
      what: 'apiKeys',
      limit: quotas.apiKeys,
      plan,
      detail: 'Revoke a key you no longer use',
    });
  }
}
