// Identity's events, as notifications needs them: who people are and how to reach them, who is a
// member of which workspace with which role, and the account mails identity asks for.
//
// Order: identity's events come on partitions keyed by workspace, so one workspace's membership
// changes arrive in order; a person's registration and deletion are keyed by the person. Every
// write here is an upsert or a delete that leaves the same rows however often it is applied, so a
// duplicate or a redelivery changes nothing (the inbox de-duplicates by event id besides).
import {
  AccountMailRequestedV1,
  type CloudEvent,
  InvitationAcceptedV1,
  MemberChangedV1,
  UserDeletedV1,
  UserRegisteredV2,
  WorkspaceCreatedV1,
} from '@canvass/contracts';
import type { Kysely } from 'kysely';
import { is, isStale } from '../events.ts';
import { queueMail } from '../mailing/queue.ts';
import { notify } from '../notices/notify.ts';
import type { NotificationsTables } from '../tables.ts';

export const DIRECTORY_CONSUMER = 'notifications-directory';
export const directoryTypes = [
  UserRegisteredV2.type,
  UserDeletedV1.type,
  MemberChangedV1.type,
  WorkspaceCreatedV1.type,
  InvitationAcceptedV1.type,
  AccountMailRequestedV1.type,
];

export async function applyIdentityEvents(
  db: Kysely<NotificationsTables>,
  schema: string,
  events: readonly CloudEvent[],
  appUrl: string,
): Promise<void> {
  for (const event of events) {
    if (is(UserRegisteredV2, event)) {
      const { userId, email, name } = event.data;
      await db
        .insertInto('people')
        .values({ user_id: userId, email, name, deleted_at: null })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ email, name }))
        .execute();
    } else if (is(UserDeletedV1, event)) {
      const { userId } = event.data;
      // The address is forgotten; the row stays as a tombstone so a late event cannot revive it.
      await db
        .insertInto('people')
        .values({ user_id: userId, email: '', name: '', deleted_at: new Date(event.data.deletedAt) })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ email: '', name: '', deleted_at: new Date() }))
        .execute();
      await db.deleteFrom('members').where('user_id', '=', userId).execute();
      await db.deleteFrom('inbox_items').where('user_id', '=', userId).execute();
      await db.deleteFrom('preferences').where('user_id', '=', userId).execute();
    } else if (is(WorkspaceCreatedV1, event)) {
      const { workspaceId, name } = event.data;
      await db
        .insertInto('workspaces')
        .values({ workspace_id: workspaceId, name })
        .onConflict((oc) => oc.column('workspace_id').doUpdateSet({ name }))
        .execute();
    } else if (is(MemberChangedV1, event)) {
      const { workspaceId, userId, role } = event.data;
      if (role === null) {
        await db
          .deleteFrom('members')
          .where('workspace_id', '=', workspaceId)
          .where('user_id', '=', userId)
          .execute();
      } else {
        await db
          .insertInto('members')
          .values({ workspace_id: workspaceId, user_id: userId, role })
          .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doUpdateSet({ role }))
          .execute();
      }
    } else if (is(InvitationAcceptedV1, event)) {
      if (isStale(event) || !event.data.invitedBy) continue;
      const { workspaceId, userId, role, invitedBy } = event.data;
      const member = await db
        .selectFrom('people')
        .select('name')
        .where('user_id', '=', userId)
        .executeTakeFirst();
      const memberName = member?.name || 'Someone';
      const workspace = await db
        .selectFrom('workspaces')
        .select('name')
        .where('workspace_id', '=', workspaceId)
        .executeTakeFirst();
      await notify(db, schema, [invitedBy], {
        kind: 'invitation.accepted',
        workspaceId,
        title: `${memberName} joined your workspace`,
        body: `${memberName} accepted your invitation and joined as ${role}.`,
        url: '/app/members',
        mail: {
          preference: 'member_mail',
          template: 'invitation-accepted',
          params: {
            memberName,
            role,
            workspaceName: workspace?.name ?? 'your workspace',
            membersUrl: `${appUrl}/app/members`,
          },
        },
      });
    } else if (is(AccountMailRequestedV1, event)) {
      const data = event.data;
      // A link that is dead already is not worth a mail; one asked for long ago is not either.
      if (data.linkExpiresAt && Date.parse(data.linkExpiresAt) <= Date.now()) continue;
      if (!data.linkExpiresAt && isStale(event)) continue;
      await queueMail(db, schema, [
        {
          to: data.to,
          userId: data.userId,
          category: 'security',
          kind: data.kind,
          params: {
            name: data.name,
            sealedLink: data.sealedLink,
            linkExpiresAt: data.linkExpiresAt,
            workspaceName: data.workspaceName,
            role: data.role,
            inviterName: data.inviterName,
          },
        },
      ]);
    }
  }
}
