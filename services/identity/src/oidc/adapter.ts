// oidc-provider's storage adapter over the service's own database (PostgreSQL or PGlite).
import type { AnyTables } from '@canvass/database';
import { type Kysely, sql } from 'kysely';

interface Payload {
  grantId?: string;
  uid?: string;
  userCode?: string;
  consumed?: number;
  [key: string]: unknown;
}

export function createAdapterClass(db: Kysely<AnyTables>) {
  return class PostgresAdapter {
    readonly model: string;
    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: Payload, expiresIn?: number) {
      const expiresAt = expiresIn ? new Date(Date.now() + expiresIn * 1000) : null;
      await sql`insert into oidc_payloads (model, id, payload, grant_id, uid, user_code, expires_at)
        values (${this.model}, ${id}, ${JSON.stringify(payload)}::jsonb, ${payload.grantId ?? null}, ${payload.uid ?? null},
          ${payload.userCode ?? null}, ${expiresAt})
        on conflict (model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id,
          uid = excluded.uid, user_code = excluded.user_code, expires_at = excluded.expires_at`.execute(db);
    }

    async #findWhere(column: 'id' | 'uid' | 'user_code', value: string) {
      const result = await sql<{ payload: Payload; consumed_at: Date | null }>`
        select payload, consumed_at from oidc_payloads
        where model = ${this.model} and ${sql.ref(column)} = ${value} and (expires_at is null or expires_at > now())`.execute(
        db,
      );
      const row = result.rows[0];
      if (!row) return undefined;
      return row.consumed_at
        ? { ...row.payload, consumed: Math.floor(new Date(row.consumed_at).getTime() / 1000) }
        : row.payload;
    }

    find(id: string) {
      return this.#findWhere('id', id);
    }
    findByUid(uid: string) {
      return this.#findWhere('uid', uid);
    }
    findByUserCode(userCode: string) {
      return this.#findWhere('user_code', userCode);
    }
    async consume(id: string) {
      await sql`update oidc_payloads set consumed_at = now() where model = ${this.model} and id = ${id}`.execute(
        db,
      );
    }
    async destroy(id: string) {
      await sql`delete from oidc_payloads where model = ${this.model} and id = ${id}`.execute(db);
    }
    async revokeByGrantId(grantId: string) {
      await sql`delete from oidc_payloads where model = ${this.model} and grant_id = ${grantId}`.execute(db);
    }
  };
}
