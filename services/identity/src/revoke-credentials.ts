// What happens to the credentials a person answers for when they leave a workspace, or their role
// there shrinks: API keys and machine clients made by them (or by their credentials) are revoked,
// all of them on leaving, those holding scopes the new role lacks on a change of role. A revoked
// machine client's provider record is deleted, so it gets no new tokens; access tokens it already
// has (JWTs, 15 minutes) run out on their own.
import { type Kysely, sql } from 'kysely';
import type { IdentityTables } from './tables.ts';

export interface Revocation {
  /** Only in this workspace (otherwise every workspace). */
  workspaceId?: string;
  /** Keep credentials whose scopes are all among these (a change of role). */
  keepWithin?: readonly string[];
}

export async function revokeCredentialsOf(
  trx: Kysely<IdentityTables>,
  userId: string,
  revocation: Revocation = {},
): Promise<{ apiKeys: number; machineClients: number }> {
  const { workspaceId, keepWithin } = revocation;
  const goes = (row: { scopes: string[] }) =>
    !keepWithin || row.scopes.some((scope) => !keepWithin.includes(scope));
  let keys = trx
    .selectFrom('api_keys')
    .select(['id', 'scopes'])
    .where('created_by', '=', userId)
    .where('revoked_at', 'is', null);
  let clients = trx
    .selectFrom('machine_clients')
    .select(['id', 'scopes'])
    .where('held_by', '=', userId)
    .where('revoked_at', 'is', null);
  if (workspaceId) {
    keys = keys.where('workspace_id', '=', workspaceId);
    clients = clients.where('workspace_id', '=', workspaceId);
  }
  const keyIds = (await keys.execute()).filter(goes).map((row) => row.id);
  const clientIds = (await clients.execute()).filter(goes).map((row) => row.id);
  const now = new Date();
  if (keyIds.length > 0) {
    await trx.updateTable('api_keys').set({ revoked_at: now }).where('id', 'in', keyIds).execute();
  }
  if (clientIds.length > 0) {
    await trx.updateTable('machine_clients').set({ revoked_at: now }).where('id', 'in', clientIds).execute();
    await forgetMachineClients(trx, clientIds);
  }
  return { apiKeys: keyIds.length, machineClients: clientIds.length };
}

/** Deletes the provider's records of these clients: they can no longer authenticate. */
export async function forgetMachineClients(trx: Kysely<IdentityTables>, clientIds: readonly string[]) {
  if (clientIds.length === 0) return;
  await sql`delete from oidc_payloads where model = 'Client' and id in (${sql.join(clientIds)})`.execute(trx);
}

/** A workspace about to be deleted: its machine clients' provider records go first. */
export async function forgetWorkspaceClients(trx: Kysely<IdentityTables>, workspaceId: string) {
  await sql`delete from oidc_payloads where model = 'Client' and payload->>'workspace_id' = ${workspaceId}`.execute(
    trx,
  );
}
