// Operator routes for the provider's signing keys (behind the operator token, under /admin/v1).
// This process picks up a rotation at once; other replicas when they restart (see the README).
import type { ServiceContext } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import Type from 'typebox';
import { retireOldKeys, rotateSigningKey } from './keys.ts';

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
    const kid = await rotateSigningKey(db.kysely);
    rebuild();
    return { signing: kid };
  });

  app.post<{ Body: { keepHours?: number } }>(
    '/admin/v1/keys/retire',
    { schema: { body: Type.Object({ keepHours: Type.Number({ minimum: 0, default: 24 }) }) } },
    async (request) => {
      const retired = await retireOldKeys(db.kysely, (request.body.keepHours ?? 24) * 3600_000);
      rebuild();
      return { retired };
    },
  );
}
