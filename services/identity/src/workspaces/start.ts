// Starting a workspace: the row, its owner's membership and both events, in the caller's
// transaction. Sign-up starts the first one; POST /api/v1/workspaces any later one.
import { MemberChangedV1, WorkspaceCreatedV1 } from '@canvass/contracts';
import { createEvent, type Outbox } from '@canvass/eventing';
import { newId } from '@canvass/service-kit';
import type { Transaction } from 'kysely';
import type { IdentityTables } from '../tables.ts';

export async function startWorkspace(
  trx: Transaction<IdentityTables>,
  outbox: Outbox,
  owner: { userId: string; name: string; at: string },
): Promise<string> {
  const workspaceId = newId(16);
  const { userId, name, at } = owner;
  await trx.insertInto('workspaces').values({ id: workspaceId, name }).execute();
  await trx
    .insertInto('memberships')
    .values({ workspace_id: workspaceId, user_id: userId, role: 'owner' })
    .execute();
  await outbox.append(trx, [
    createEvent(WorkspaceCreatedV1, {
      source: '/identity',
      subject: workspaceId,
      workspace: workspaceId,
      data: { workspaceId, name, ownerId: userId, plan: 'free', createdAt: at },
    }),
    createEvent(MemberChangedV1, {
      source: '/identity',
      subject: workspaceId,
      workspace: workspaceId,
      data: { workspaceId, userId, role: 'owner', changedAt: at },
    }),
  ]);
  return workspaceId;
}
