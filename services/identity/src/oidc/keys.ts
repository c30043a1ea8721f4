// Provider keys kept in the database: an ES256 signing key (created on first start; rotation adds
// a new one and later retires the old, see docs/decisions/oidc-provider.md) and cookie keys.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { AnyTables } from '@canvass/database';
import { newId } from '@canvass/service-kit';
import { type Kysely, sql } from 'kysely';

export interface ProviderKeys {
  /** Private JWKs, the signing one first. */
  jwks: Record<string, unknown>[];
  cookieKeys: string[];
}

function newSigningKey(): Record<string, unknown> & { kid: string } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...privateKey.export({ format: 'jwk' }), kid: `es256-${newId(8)}`, alg: 'ES256', use: 'sig' };
}

/**
 * Rotation with overlap: a new signing key signs from now on, the previous ones stay published
 * (so tokens they signed still verify) until `retireOldKeys` drops those older than `keepMs`.
 */
export async function rotateSigningKey(db: Kysely<AnyTables>): Promise<string> {
  const jwk = newSigningKey();
  await sql`insert into provider_keys (kid, use, secret) values (${jwk.kid}, 'sig', ${JSON.stringify(jwk)}::jsonb)`.execute(
    db,
  );
  return jwk.kid;
}

export async function retireOldKeys(db: Kysely<AnyTables>, keepMs: number): Promise<string[]> {
  const result = await sql<{ kid: string }>`
    update provider_keys set retired_at = now()
    where use = 'sig' and retired_at is null
      and kid <> (select kid from provider_keys where use = 'sig' and retired_at is null order by created_at desc limit 1)
      and created_at < now() - ${`${keepMs} milliseconds`}::interval
    returning kid`.execute(db);
  return result.rows.map((row) => row.kid);
}

export async function loadProviderKeys(db: Kysely<AnyTables>): Promise<ProviderKeys> {
  await db.transaction().execute(async (trx) => {
    // One replica creates the first keys; others wait for its commit.
    await sql`select pg_advisory_xact_lock(hashtext('canvass.identity.provider-keys'))`.execute(trx);
    const existing = await sql<{
      n: number;
    }>`select count(*)::int as n from provider_keys where retired_at is null and use = 'sig'`.execute(trx);
    if (existing.rows[0]?.n === 0) {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = {
        ...privateKey.export({ format: 'jwk' }),
        kid: `es256-${newId(8)}`,
        alg: 'ES256',
        use: 'sig',
      };
      await sql`insert into provider_keys (kid, use, secret) values (${jwk.kid}, 'sig', ${JSON.stringify(jwk)}::jsonb)`.execute(
        trx,
      );
      const cookie = randomBytes(32).toString('base64url');
      await sql`insert into provider_keys (kid, use, secret) values (${`cookie-${newId(8)}`}, 'cookie', ${JSON.stringify(cookie)}::jsonb)`.execute(
        trx,
      );
    }
  });
  const rows = await sql<{ use: string; secret: unknown }>`
    select use, secret from provider_keys where retired_at is null order by created_at desc`.execute(db);
  return {
    jwks: rows.rows.filter((row) => row.use === 'sig').map((row) => row.secret as Record<string, unknown>),
    cookieKeys: rows.rows.filter((row) => row.use === 'cookie').map((row) => row.secret as string),
  };
}
