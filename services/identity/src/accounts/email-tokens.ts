// One-time links sent by mail (verify an address, reset a password): stored as a hash, used once,
// within their time.
import { newSecret, sha256 } from '@canvass/service-kit';
import type { Kysely } from 'kysely';
import type { IdentityTables } from '../tables.ts';

export type EmailTokenPurpose = 'verify-email' | 'reset-password';

/** Stores a new token for the user and returns the secret to put in the link. */
export async function issueEmailToken(
  db: Kysely<IdentityTables>,
  userId: string,
  purpose: EmailTokenPurpose,
  ttlMs: number,
): Promise<string> {
  const token = newSecret();
  await db
    .insertInto('email_tokens')
    .values({
      token_hash: sha256(token),
      user_id: userId,
      purpose,
      expires_at: new Date(Date.now() + ttlMs),
      used_at: null,
    })
    .execute();
  return token;
}

/** Marks a token used and returns its user, or undefined if it is wrong, used or expired. */
export async function useEmailToken(
  trx: Kysely<IdentityTables>,
  token: string,
  purpose: EmailTokenPurpose,
): Promise<string | undefined> {
  const row = await trx
    .updateTable('email_tokens')
    .set({ used_at: new Date() })
    .where('token_hash', '=', sha256(token))
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', new Date())
    .returning('user_id')
    .executeTakeFirst();
  return row?.user_id;
}
