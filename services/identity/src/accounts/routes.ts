// Sign-up and e-mail verification. A sign-up answers the same whether or not the address already
// has an account (no enumeration): a new address gets a verification link, a known one a note
// saying someone tried to sign up with it.
import { UserRegisteredV2 } from '@canvass/contracts';
import { createEvent } from '@canvass/eventing';
import {
  clientAddressOf,
  HttpProblem,
  jsonResponse,
  newId,
  problemResponses,
  type ServiceContext,
} from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import Type, { type Static } from 'typebox';
import { consumeOrThrow, type Limiters } from '../limits.ts';
import type { AccountMailer } from '../mail/account-mail.ts';
import { hashPassword } from '../passwords.ts';
import type { IdentityTables } from '../tables.ts';
import { startWorkspace } from '../workspaces/start.ts';
import { issueEmailToken, useEmailToken } from './email-tokens.ts';

const SignUpBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    password: Type.String({ minLength: 10, maxLength: 200 }),
    // Stored trimmed, so it needs more than spaces.
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
  },
  { additionalProperties: false },
);
const VerifyBody = Type.Object(
  { token: Type.String({ minLength: 20, maxLength: 100 }) },
  { additionalProperties: false },
);

const Accepted = Type.Object({ status: Type.Literal('accepted'), message: Type.String() });
const VERIFY_TTL_MS = 24 * 3600_000;
const ACCEPTED = {
  status: 'accepted',
  message: 'If this address can be used, we have sent it a link to finish signing up.',
};

export interface AccountDeps extends ServiceContext {
  limiters: Limiters;
  /** Checks the client address the gateway signs (per-address limits). */
  internalSecret: string | undefined;
  accountMail: AccountMailer;
  /** Where links in mails point, e.g. http://localhost:8080. */
  publicUrl: string;
}

export function accountRoutes(app: FastifyInstance, deps: AccountDeps): void {
  const db = deps.db.kysely as Kysely<IdentityTables>;

  app.post<{ Body: Static<typeof SignUpBody> }>(
    '/api/v1/accounts',
    {
      schema: {
        tags: ['Accounts'],
        summary: 'Sign up',
        description:
          'Creates the account and its workspace, and mails a link to confirm the address. Answers the same whether or not the address has an account already (that one gets a note instead).',
        body: SignUpBody,
        response: {
          202: jsonResponse('Accepted: a mail is on its way.', Accepted),
          ...problemResponses(400, [429, 'Too many sign-ups from this address.']),
        },
      },
    },
    async (request, reply) => {
      await consumeOrThrow(deps.limiters.signUpPerIp, clientAddressOf(request, deps.internalSecret), reply);
      const email = request.body.email.trim().toLowerCase();
      const passwordHash = await hashPassword(request.body.password);
      const existing = await db
        .selectFrom('users')
        .select('id')
        .where('email', '=', email)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (existing) {
        await deps.accountMail.request(db, { kind: 'sign-up-exists', to: email, userId: existing.id });
        return reply.code(202).send(ACCEPTED);
      }
      const userId = newId(16);
      const at = new Date().toISOString();
      const name = request.body.name.trim();
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('users')
          .values({
            id: userId,
            email,
            password_hash: passwordHash,
            display_name: request.body.name.trim(),
            email_verified_at: null,
            deleted_at: null,
          })
          .execute();
        const verifyToken = await issueEmailToken(trx, userId, 'verify-email', VERIFY_TTL_MS);
        await deps.outbox.append(trx, [
          createEvent(UserRegisteredV2, {
            source: '/identity',
            subject: userId,
            data: { userId, email, name, registeredAt: at },
          }),
        ]);
        await startWorkspace(trx, deps.outbox, {
          userId,
          name: `${request.body.name.trim()}'s workspace`,
          at,
        });
        await deps.accountMail.request(trx, {
          kind: 'verify-email',
          to: email,
          userId,
          name,
          link: {
            url: `${deps.publicUrl}/verify-email?token=${verifyToken}`,
            expiresAt: new Date(Date.now() + VERIFY_TTL_MS),
          },
        });
      });
      return reply.code(202).send(ACCEPTED);
    },
  );

  app.post<{ Body: Static<typeof VerifyBody> }>(
    '/api/v1/accounts/verify',
    {
      schema: {
        tags: ['Accounts'],
        summary: 'Confirm an e-mail address',
        description: 'With the token from the sign-up mail (valid 24 hours, once).',
        body: VerifyBody,
        response: {
          200: jsonResponse(
            'Confirmed: the account can sign in.',
            Type.Object({ status: Type.Literal('verified') }),
          ),
          ...problemResponses([400, 'The request is not valid, or the token is wrong, used or expired.']),
        },
      },
    },
    async (request) => {
      const verified = await db.transaction().execute(async (trx) => {
        const userId = await useEmailToken(trx, request.body.token, 'verify-email');
        if (userId)
          await trx
            .updateTable('users')
            .set({ email_verified_at: new Date() })
            .where('id', '=', userId)
            .execute();
        return userId !== undefined;
      });
      if (!verified) {
        throw new HttpProblem(
          400,
          'invalid-token',
          'This link does not work',
          'The link is wrong, used already, or older than 24 hours. Sign up again for a new one.',
        );
      }
      return { status: 'verified' };
    },
  );
}
