// Operator routes for the provider's signing keys (behind the operator token, under /admin/v1).
// Every replica picks up a rotation or retirement at once: the change is NOTIFYed on
// KEYS_CHANNEL in its transaction, and each identity process LISTENs and rebuilds its provider.

import type { AnyTables } from '@canvass/database';
import type { ServiceContext } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import { type Kysely, sql } from 'kysely';
import Type from 'typebox';
import { retireOldKeys, rotateSigningKey } from './keys.ts';

/** Where a key change is announced to every identity replica (its own included). */
export const KEYS_CHANNEL = 'canvass_identity_keys';

/** Runs a key change and announces it in the same transaction (sent only if it commits). */
async function announced<T>(
  db: ServiceContext['db'],
  change: (trx: Kysely<AnyTables>) => Promise<T>,
): Promise<T> {
  return db.kysely.transaction().execute(async (trx) => {
    const result = await change(trx);
    await sql`select pg_notify(${KEYS_CHANNEL}, 'changed')`.execute(trx);
    return result;
  });
}

export function keyAdminRoutes(app: FastifyInstance, { db }: ServiceContext, rebuild: () => void): void {
  app.get('/admin/v1/keys', async () => {
    const rows = await sql<{ kid: string; created_at: Date; retired_at: Date | null }>`
      select kid, created_at, retired_at from provider_keys where use = 'sig' order by created_at desc`.execute(
      db.kysely,
    );
    return rows.rows.map((row, index) => ({
      kid: row.kid,
      createdAt: new Date(row.created_at).toISOString(),
      state: row.retired_at ? 'retired' : index === 0 ? 'signing' : 'published',
    }));
  });

  app.post('/admin/v1/keys/rotate', async () => {
    const kid = await announced(db, (trx) => rotateSigningKey(trx));
    rebuild();
    return { signing: kid };
  });

  app.post<{ Body: { keepHours?: number } }>(
    '/admin/v1/keys/retire',
    { schema: { body: Type.Object({ keepHours: Type.Number({ minimum: 0, default: 24 }) }) } },
    async (request) => {
      const retired = await announced(db, (trx) =>
        retireOldKeys(trx, (request.body.keepHours ?? 24) * 3600_000),
      );
      rebuild();
      return { retired };
    },
  );
}
