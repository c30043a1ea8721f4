// Checking an e-mail and password (for the sign-in page). The answer never says whether the
// address has an account, and an unknown address costs as much time as a wrong password.
import type { Kysely } from 'kysely';
import { dummyHash, verifyPassword } from '../passwords.ts';
import type { IdentityTables } from '../tables.ts';

export type SignInResult =
  | { ok: true; userId: string }
  | { ok: false; reason: 'invalid-credentials' | 'unverified' };

export async function authenticate(
  db: Kysely<IdentityTables>,
  emailInput: string,
  password: string,
): Promise<SignInResult> {
  const email = emailInput.trim().toLowerCase();
  const user = await db
    .selectFrom('users')
    .select(['id', 'password_hash', 'email_verified_at'])
    .where('email', '=', email)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  const matches = await verifyPassword(user?.password_hash ?? (await dummyHash()), password);
  if (!user || !matches) return { ok: false, reason: 'invalid-credentials' };
  if (!user.email_verified_at) return { ok: false, reason: 'unverified' };
  return { ok: true, userId: user.id };
}
