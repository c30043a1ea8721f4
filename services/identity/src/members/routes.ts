// Members of a workspace and invitations by link. Only an owner makes or unmakes owners, and a
// workspace always keeps at least one owner. A member who leaves takes the API keys and machine
// clients they answer for with them; one whose role shrinks loses those holding scopes the new
// role lacks (revoke-credentials.ts).
import { InvitationAcceptedV1, MemberChangedV1 } from '@canvass/contracts';
import { createEvent } from '@canvass/eventing';
import {
  emptyResponse,
  HttpProblem,
  type Identity,
  identityOf,
  jsonResponse,
  newId,
  newSecret,
  notFound,
  problemResponses,
  type Role,
  requireScope,
  roleScopes,
  type ServiceContext,
  sha256,
} from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Kysely, Transaction } from 'kysely';
import Type, { type Static } from 'typebox';
import type { AccountMailer } from '../mail/account-mail.ts';
import { assertRoomForInvitation } from '../quotas.ts';
import { revokeCredentialsOf } from '../revoke-credentials.ts';
import type { IdentityTables } from '../tables.ts';

const RoleSchema = Type.Union([
  Type.Literal('owner'),
  Type.Literal('admin'),
  Type.Literal('editor'),
  Type.Literal('viewer'),
]);
const InviteBody = Type.Object(
  { role: RoleSchema, email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })) },
  { additionalProperties: false },
);
const AcceptBody = Type.Object(
  { token: Type.String({ minLength: 20, maxLength: 100 }) },
  { additionalProperties: false },
);
const RoleBody = Type.Object({ role: RoleSchema }, { additionalProperties: false });
const UserParams = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 64 }) });
const INVITE_TTL_MS = 7 * 24 * 3600_000;
const Member = Type.Object({
  userId: Type.String(),
  name: Type.String(),
  email: Type.String(),
  role: RoleSchema,
});
const SIGNED_IN = [{ bearer: [] }];
const managerProblems = (...own: Parameters<typeof problemResponses>) =>
  problemResponses(
    401,
    [403, 'Without the members:manage permission, or making or unmaking an owner without being one.'],
    ...own,
  );
const LAST_OWNER: [number, string] = [409, 'The workspace would be left without an owner.'];
const NOT_MEMBER: [number, string] = [404, 'That user is not a member of this workspace.'];

export interface MemberDeps extends ServiceContext {
  internalSecret: string | undefined;
  accountMail: AccountMailer;
  publicUrl: string;
}

function requireOwnerFor(identity: Identity, role: string): void {
  if (role === 'owner' && identity.role !== 'owner') {
    throw new HttpProblem(403, 'forbidden', 'Not allowed', 'Only an owner can make or unmake owners.');
  }
}

async function memberChanged(
  trx: Transaction<IdentityTables>,
  deps: MemberDeps,
  workspaceId: string,
  userId: string,
  role: string | null,
) {
  await deps.outbox.append(trx, [
    createEvent(MemberChangedV1, {
      source: '/identity',
      subject: workspaceId,
      workspace: workspaceId,
      data: { workspaceId, userId, role: role as never, changedAt: new Date().toISOString() },
    }),
  ]);
}

async function assertOwnerRemains(
  trx: Transaction<IdentityTables>,
  workspaceId: string,
  leaving: string,
): Promise<void> {
  const owners = await trx
    .selectFrom('memberships')
    .select('user_id')
    .where('workspace_id', '=', workspaceId)
    .where('role', '=', 'owner')
    .forUpdate()
    .execute();
  if (owners.every((owner) => owner.user_id === leaving)) {
    throw new HttpProblem(
      409,
      'last-owner',
      'A workspace needs an owner',
      'Make someone else an owner first.',
    );
  }
}

export function memberRoutes(app: FastifyInstance, deps: MemberDeps): void {
  const db = deps.db.kysely as Kysely<IdentityTables>;
  const who = (request: Parameters<typeof identityOf>[0]) => identityOf(request, deps.internalSecret);

  app.post<{ Body: Static<typeof InviteBody> }>(
    '/api/v1/invitations',
    {
      schema: {
        tags: ['Members'],
        summary: 'Invite someone to the workspace',
        description:
          'Answers with a link (valid 7 days, once) to share; with `email`, the link is also mailed there. Members and pending invitations together stay within the plan’s members quota.',
        body: InviteBody,
        security: SIGNED_IN,
        response: {
          201: jsonResponse(
            'Invited.',
            Type.Object({
              id: Type.String(),
              role: RoleSchema,
              link: Type.String(),
              expiresAt: Type.String({ format: 'date-time' }),
            }),
          ),
          ...managerProblems(400, [
            403,
            'Without the members:manage permission, inviting an owner without being one, or the plan’s members quota is reached (`quota-exceeded`: members and pending invitations count).',
          ]),
        },
      },
    },
    async (request, reply) => {
      const identity = requireScope(await who(request), 'members:manage');
      requireOwnerFor(identity, request.body.role);
      const token = newSecret();
      const id = newId(16);
      const expiresAt = new Date(Date.now() + INVITE_TTL_MS);
      const link = `${deps.publicUrl}/invite?token=${token}`;
      await db.transaction().execute(async (trx) => {
        await assertRoomForInvitation(trx, identity.workspace);
        await trx
          .insertInto('invitations')
          .values({
            id,
            workspace_id: identity.workspace,
            role: request.body.role,
            email: request.body.email?.toLowerCase() ?? null,
            token_hash: sha256(token),
            invited_by: identity.kind === 'user' ? identity.subject : null,
            expires_at: expiresAt,
            accepted_by: null,
            accepted_at: null,
          })
          .execute();
        if (!request.body.email) return;
        const about = await trx
          .selectFrom('workspaces')
          .select('name')
          .where('id', '=', identity.workspace)
          .executeTakeFirst();
        const inviter =
          identity.kind === 'user'
            ? await trx
                .selectFrom('users')
                .select('display_name')
                .where('id', '=', identity.subject)
                .executeTakeFirst()
            : undefined;
        await deps.accountMail.request(trx, {
          kind: 'invitation',
          to: request.body.email.toLowerCase(),
          workspace: identity.workspace,
          workspaceName: about?.name ?? null,
          role: request.body.role,
          inviterName: inviter?.display_name ?? null,
          link: { url: link, expiresAt },
        });
      });
      return reply.code(201).send({ id, role: request.body.role, link, expiresAt: expiresAt.toISOString() });
    },
  );

  app.post<{ Body: Static<typeof AcceptBody> }>(
    '/api/v1/invitations/accept',
    {
      schema: {
        tags: ['Members'],
        summary: 'Accept an invitation',
        description: 'The signed-in user joins the workspace with the role the invitation gives.',
        body: AcceptBody,
        security: SIGNED_IN,
        response: {
          200: jsonResponse(
            'Joined (or already a member).',
            Type.Object({
              workspaceId: Type.String(),
              role: Type.String({ description: 'The role now held, or a note that nothing changed.' }),
            }),
          ),
          ...problemResponses(
            [400, 'The request is not valid, or the invitation is wrong, used or expired.'],
            [401, 'Not signed in as a user.'],
          ),
        },
      },
    },
    async (request) => {
      const identity = await who(request);
      if (identity?.kind !== 'user') {
        throw new HttpProblem(
          401,
          'unauthenticated',
          'Sign in first',
          'Sign in, then open the invitation link again.',
        );
      }
      return db.transaction().execute(async (trx) => {
        const invitation = await trx
          .updateTable('invitations')
          .set({ accepted_by: identity.subject, accepted_at: new Date() })
          .where('token_hash', '=', sha256(request.body.token))
          .where('accepted_at', 'is', null)
          .where('expires_at', '>', new Date())
          .returning(['id', 'workspace_id', 'role', 'invited_by'])
          .executeTakeFirst();
        if (!invitation) {
          throw new HttpProblem(
            400,
            'invalid-invitation',
            'This invitation does not work',
            'It is wrong, used already, or expired.',
          );
        }
        const joined = await trx
          .insertInto('memberships')
          .values({ workspace_id: invitation.workspace_id, user_id: identity.subject, role: invitation.role })
          .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doNothing())
          .returning('role')
          .executeTakeFirst();
        if (joined) {
          await memberChanged(trx, deps, invitation.workspace_id, identity.subject, invitation.role);
          await deps.outbox.append(trx, [
            createEvent(InvitationAcceptedV1, {
              source: '/identity',
              subject: identity.subject,
              workspace: invitation.workspace_id,
              data: {
                workspaceId: invitation.workspace_id,
                invitationId: invitation.id,
                userId: identity.subject,
                role: invitation.role as Role,
                invitedBy: invitation.invited_by,
                acceptedAt: new Date().toISOString(),
              },
            }),
          ]);
        }
        return { workspaceId: invitation.workspace_id, role: joined?.role ?? 'unchanged (already a member)' };
      });
    },
  );

  const listSchema = {
    tags: ['Members'],
    summary: 'List the workspace’s members',
    security: SIGNED_IN,
    response: { 200: jsonResponse('In the order they joined.', Type.Array(Member)), ...managerProblems() },
  };
  app.get('/api/v1/members', { schema: listSchema }, async (request) => {
    const identity = requireScope(await who(request), 'members:manage');
    const rows = await db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select(['users.id', 'users.display_name', 'users.email', 'memberships.role'])
      .where('memberships.workspace_id', '=', identity.workspace)
      .where('users.deleted_at', 'is', null)
      .orderBy('memberships.created_at')
      .execute();
    return rows.map((row) => ({ userId: row.id, name: row.display_name, email: row.email, role: row.role }));
  });

  app.patch<{ Params: Static<typeof UserParams>; Body: Static<typeof RoleBody> }>(
    '/api/v1/members/:userId',
    {
      schema: {
        tags: ['Members'],
        summary: 'Change a member’s role',
        description:
          'API keys and machine clients the member answers for that hold scopes the new role lacks are revoked.',
        params: UserParams,
        body: RoleBody,
        security: SIGNED_IN,
        response: {
          200: jsonResponse('Changed.', Type.Object({ userId: Type.String(), role: RoleSchema })),
          ...managerProblems(400, NOT_MEMBER, LAST_OWNER),
        },
      },
    },
    async (request) => {
      const identity = requireScope(await who(request), 'members:manage');
      return db.transaction().execute(async (trx) => {
        const current = await trx
          .selectFrom('memberships')
          .select('role')
          .where('workspace_id', '=', identity.workspace)
          .where('user_id', '=', request.params.userId)
          .executeTakeFirst();
        if (!current) throw notFound('member', 'That user is not a member of this workspace.');
        requireOwnerFor(identity, request.body.role);
        requireOwnerFor(identity, current.role);
        if (current.role === 'owner' && request.body.role !== 'owner') {
          await assertOwnerRemains(trx, identity.workspace, request.params.userId);
        }
        await trx
          .updateTable('memberships')
          .set({ role: request.body.role })
          .where('workspace_id', '=', identity.workspace)
          .where('user_id', '=', request.params.userId)
          .execute();
        await revokeCredentialsOf(trx, request.params.userId, {
          workspaceId: identity.workspace,
          keepWithin: roleScopes[request.body.role],
        });
        await memberChanged(trx, deps, identity.workspace, request.params.userId, request.body.role);
        return { userId: request.params.userId, role: request.body.role };
      });
    },
  );

  app.delete<{ Params: Static<typeof UserParams> }>(
    '/api/v1/members/:userId',
    {
      schema: {
        tags: ['Members'],
        summary: 'Remove a member, or leave',
        description:
          'Anyone may leave; removing someone else needs members:manage. The API keys and machine clients the member answers for are revoked with them.',
        params: UserParams,
        security: SIGNED_IN,
        response: {
          204: emptyResponse('Removed.'),
          ...managerProblems(400, NOT_MEMBER, LAST_OWNER),
        },
      },
    },
    async (request, reply) => {
      const identity = await who(request);
      // Anyone may leave; removing someone else needs members:manage.
      if (identity?.subject !== request.params.userId) requireScope(identity, 'members:manage');
      const workspace = identity!.workspace;
      await db.transaction().execute(async (trx) => {
        const current = await trx
          .selectFrom('memberships')
          .select('role')
          .where('workspace_id', '=', workspace)
          .where('user_id', '=', request.params.userId)
          .executeTakeFirst();
        if (!current) throw notFound('member', 'That user is not a member of this workspace.');
        if (identity!.subject !== request.params.userId) requireOwnerFor(identity!, current.role);
        if (current.role === 'owner') await assertOwnerRemains(trx, workspace, request.params.userId);
        await trx
          .deleteFrom('memberships')
          .where('workspace_id', '=', workspace)
          .where('user_id', '=', request.params.userId)
          .execute();
        await revokeCredentialsOf(trx, request.params.userId, { workspaceId: workspace });
        await memberChanged(trx, deps, workspace, request.params.userId, null);
      });
      return reply.code(204).send();
    },
  );
}
