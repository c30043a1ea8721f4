// What a signed-in user does to their own account: change the password, reset a forgotten one
// by mail, delete the account. A new password (changed or reset) ends every session: the
// account's sessions, grants and refresh tokens go, as they do when the account is deleted.
// Deleting is refused while the user is the only owner of a workspace that has other members
// (hand it over first); workspaces they alone belong to go with it, and in the others the API
// keys and machine clients they answer for are revoked.
import { MemberChangedV1, UserDeletedV1 } from '@canvass/contracts';
import { createEvent } from '@canvass/eventing';
import {
  clientAddressOf,
  emptyResponse,
  HttpProblem,
  identityOf,
  jsonResponse,
  problemResponses,
  type ServiceContext,
} from '@canvass/service-kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Kysely, sql } from 'kysely';
import Type, { type Static } from 'typebox';
import { consumeOrThrow, type Limiters } from '../limits.ts';
import type { AccountMailer } from '../mail/account-mail.ts';
import { hashPassword, verifyPassword } from '../passwords.ts';
import { forgetWorkspaceClients, revokeCredentialsOf } from '../revoke-credentials.ts';
import type { IdentityTables } from '../tables.ts';
import { issueEmailToken, useEmailToken } from './email-tokens.ts';

const Password = Type.String({ minLength: 10, maxLength: 200 });
const ChangeBody = Type.Object(
  { currentPassword: Type.String({ maxLength: 200 }), newPassword: Password },
  { additionalProperties: false },
);
const ResetRequestBody = Type.Object(
  { email: Type.String({ format: 'email', maxLength: 254 }) },
  { additionalProperties: false },
);
const ResetBody = Type.Object(
  { token: Type.String({ minLength: 20, maxLength: 100 }), newPassword: Password },
  { additionalProperties: false },
);
const DeleteBody = Type.Object(
  { password: Type.String({ maxLength: 200 }) },
  { additionalProperties: false },
);
const RESET_TTL_MS = 3600_000;
const SIGNED_IN = [{ bearer: [] }];
const NOT_SIGNED_IN: [number, string] = [401, 'Not signed in as a user (an API key is not a user).'];

export interface SelfServiceDeps extends ServiceContext {
  limiters: Limiters;
  internalSecret: string | undefined;
  accountMail: AccountMailer;
  publicUrl: string;
}

/**
 * Signs the account out everywhere: its provider sessions, grants, refresh tokens and codes go.
 * Access tokens already issued (JWTs) run out within their 15 minutes.
 */
async function endSessionsOf(trx: Kysely<IdentityTables>, userId: string): Promise<void> {
  await sql`delete from oidc_payloads where payload->>'accountId' = ${userId}`.execute(trx);
}

export function selfServiceRoutes(app: FastifyInstance, deps: SelfServiceDeps): void {
  const db = deps.db.kysely as Kysely<IdentityTables>;

  async function signedInUser(request: FastifyRequest) {
    const identity = await identityOf(request, deps.internalSecret);
    if (identity?.kind !== 'user')
      throw new HttpProblem(401, 'unauthenticated', 'Sign in first', 'This needs a signed-in user.');
    const user = await db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', identity.subject)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!user)
      throw new HttpProblem(401, 'unauthenticated', 'Sign in first', 'This account no longer exists.');
    return user;
  }

  app.post<{ Body: Static<typeof ChangeBody> }>(
    '/api/v1/account/password',
    {
      schema: {
        tags: ['Accounts'],
        summary: 'Change your password',
        description:
          'Signs you out everywhere: every session and refresh token of the account ends (access tokens already issued run out within 15 minutes).',
        body: ChangeBody,
        security: SIGNED_IN,
        response: {
          204: emptyResponse('Changed.'),
          ...problemResponses(400, NOT_SIGNED_IN, [403, 'The current password is wrong.']),
        },
      },
    },
    async (request, reply) => {
      const user = await signedInUser(request);
      if (!(await verifyPassword(user.password_hash, request.body.currentPassword))) {
        throw new HttpProblem(
          403,
          'wrong-password',
          'The current password is wrong',
          'Enter your current password to change it.',
        );
      }
      const passwordHash = await hashPassword(request.body.newPassword);
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('users')
          .set({ password_hash: passwordHash })
          .where('id', '=', user.id)
          .execute();
        await endSessionsOf(trx, user.id);
        await deps.outbox.append(trx, [
          createEvent(UserDeletedV1, {
            source: '/identity',
            subject: user.id,
            data: { userId: user.id, deletedAt: new Date().toISOString() },
          }),
        ]);
      });
      return reply.code(204).send();
    },
  );

  app.post<{ Body: Static<typeof ResetRequestBody> }>(
    '/api/v1/account/password-reset',
    {
      schema: {
        tags: ['Accounts'],
        summary: 'Ask for a password reset link',
        description: 'Answers the same whether or not the address has an account.',
        body: ResetRequestBody,
        response: {
          202: jsonResponse(
            'Accepted: a mail is on its way if the address has an account.',
            Type.Object({ status: Type.Literal('accepted'), message: Type.String() }),
          ),
          ...problemResponses(400, [429, 'Too many reset requests from this address.']),
        },
      },
    },
    async (request, reply) => {
      await consumeOrThrow(deps.limiters.resetPerIp, clientAddressOf(request, deps.internalSecret), reply);
      const email = request.body.email.toLowerCase();
      const user = await db
        .selectFrom('users')
        .select('id')
        .where('email', '=', email)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (user) {
        await db.transaction().execute(async (trx) => {
          const token = await issueEmailToken(trx, user.id, 'reset-password', RESET_TTL_MS);
          await deps.accountMail.request(trx, {
            kind: 'reset-password',
            to: email,
            userId: user.id,
            link: {
              url: `${deps.publicUrl}/reset-password?token=${token}`,
              expiresAt: new Date(Date.now() + RESET_TTL_MS),
            },
          });
        });
      }
      // The same answer either way: nobody learns which addresses have accounts.
      return reply.code(202).send({
        status: 'accepted',
        message: 'If this address has an account, we have sent it a reset link.',
      });
    },
  );

  app.post<{ Body: Static<typeof ResetBody> }>(
    '/api/v1/account/password-reset/confirm',
    {
      schema: {
        tags: ['Accounts'],
        summary: 'Choose a new password',
        description:
          'With the token from the reset mail (valid an hour, once). Also confirms the address, and signs the account out everywhere.',
        body: ResetBody,
        response: {
          204: emptyResponse('Changed.'),
          ...problemResponses([400, 'The request is not valid, or the token is wrong, used or expired.']),
        },
      },
    },
    async (request, reply) => {
      const passwordHash = await hashPassword(request.body.newPassword);
      const done = await db.transaction().execute(async (trx) => {
        const userId = await useEmailToken(trx, request.body.token, 'reset-password');
        if (userId) {
          // Resetting by mail also proves the address.
          await trx
            .updateTable('users')
            .set({ password_hash: passwordHash, email_verified_at: sql`coalesce(email_verified_at, now())` })
            .where('id', '=', userId)
            .execute();
          // Whoever knew the old password may hold a session: it ends with it.
          await endSessionsOf(trx, userId);
        }
        return userId !== undefined;
      });
      if (!done)
        throw new HttpProblem(
          400,
          'invalid-token',
          'This link does not work',
          'It is wrong, used already, or older than an hour.',
        );
      return reply.code(204).send();
    },
  );

  app.delete<{ Body: Static<typeof DeleteBody> }>(
    '/api/v1/account',
    {
      schema: {
        tags: ['Accounts'],
        summary: 'Delete your account',
        description:
          'Workspaces you alone belong to go with it; elsewhere the API keys and machine clients you answer for are revoked. Refused while you are the only owner of a workspace that has other members.',
        body: DeleteBody,
        security: SIGNED_IN,
        response: {
          204: emptyResponse('Deleted.'),
          ...problemResponses(
            400,
            NOT_SIGNED_IN,
            [403, 'The password is wrong.'],
            [409, 'You are the only owner of a workspace with other members: hand it over first.'],
          ),
        },
      },
    },
    async (request, reply) => {
      const user = await signedInUser(request);
      if (!(await verifyPassword(user.password_hash, request.body.password))) {
        throw new HttpProblem(
          403,
          'wrong-password',
          'The password is wrong',
          'Confirm with your password to delete the account.',
        );
      }
      await db.transaction().execute(async (trx) => {
        const memberships = await trx
          .selectFrom('memberships')
          .select(['workspace_id', 'role'])
          .where('user_id', '=', user.id)
          .execute();
        for (const membership of memberships) {
          const others = await trx
            .selectFrom('memberships')
            .select(['user_id', 'role'])
            .where('workspace_id', '=', membership.workspace_id)
            .where('user_id', '!=', user.id)
            .execute();
          if (others.length === 0) {
            await forgetWorkspaceClients(trx, membership.workspace_id);
            await trx.deleteFrom('workspaces').where('id', '=', membership.workspace_id).execute();
          } else if (membership.role === 'owner' && !others.some((other) => other.role === 'owner')) {
            throw new HttpProblem(
              409,
              'sole-owner',
              'Hand over your workspaces first',
              `You are the only owner of workspace ${membership.workspace_id}, which has other members: make one of them an owner, then delete your account.`,
            );
          }
          await deps.outbox.append(trx, [
            createEvent(MemberChangedV1, {
              source: '/identity',
              subject: membership.workspace_id,
              workspace: membership.workspace_id,
              data: {
                workspaceId: membership.workspace_id,
                userId: user.id,
                role: null,
                changedAt: new Date().toISOString(),
              },
            }),
          ]);
        }
        await revokeCredentialsOf(trx, user.id);
        await trx.deleteFrom('memberships').where('user_id', '=', user.id).execute();
        // The row stays (tombstoned, e-mail freed) so that audit trails keep a stable id; sign-in state goes.
        await trx
          .updateTable('users')
          .set({ deleted_at: new Date(), email: `deleted:${user.id}`, password_hash: '!' })
          .where('id', '=', user.id)
          .execute();
        await endSessionsOf(trx, user.id);
        await deps.outbox.append(trx, [
          createEvent(UserDeletedV1, {
            source: '/identity',
            subject: user.id,
            data: { userId: user.id, deletedAt: new Date().toISOString() },
          }),
        ]);
      });
      return reply.code(204).send();
    },
  );
}
