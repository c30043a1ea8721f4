// API keys: created per workspace with scopes (at most the creator's), shown once, stored hashed,
// revocable, with their last use; revoked when the person they answer to leaves the workspace
// (revoke-credentials.ts). The gateway exchanges a presented key for an identity through the
// internal route.
import { timingSafeEqual } from 'node:crypto';
import { ApiKeyView, NewApiKey } from '@canvass/contracts';
import {
  emptyResponse,
  HttpProblem,
  identityOf,
  jsonResponse,
  newId,
  newSecret,
  notFound,
  problemResponses,
  requireScope,
  type ServiceContext,
  sha256,
} from '@canvass/service-kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Kysely, sql } from 'kysely';
import Type, { type Static } from 'typebox';
import { assertRoomForApiKey } from '../quotas.ts';
import { personBehind, requireWithinCaller, ScopedCredentialBody } from '../scoped-credential.ts';
import type { IdentityTables } from '../tables.ts';

const KEY_PATTERN = /^cvk_([A-Za-z0-9]{16})_([\w-]{43})$/;

const CreateBody = ScopedCredentialBody;
const VerifyBody = Type.Object({ key: Type.String({ maxLength: 200 }) });
const MANAGER = [{ bearer: [] }];
const managerProblems = (...own: Parameters<typeof problemResponses>) =>
  problemResponses(401, [403, 'Without the api-keys:manage permission.'], ...own);

export interface ApiKeyDeps extends ServiceContext {
  internalSecret: string | undefined;
}

function requireInternal(request: FastifyRequest, secret: string | undefined): void {
  const given = Buffer.from(String(request.headers['x-canvass-internal'] ?? ''));
  const expected = Buffer.from(secret ?? '');
  if (!secret || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new HttpProblem(403, 'forbidden', 'Internal route', 'Only Canvass services may call this.');
  }
}

export function apiKeyRoutes(app: FastifyInstance, deps: ApiKeyDeps): void {
  const db = deps.db.kysely as Kysely<IdentityTables>;
  const caller = async (request: FastifyRequest) =>
    requireScope(await identityOf(request, deps.internalSecret), 'api-keys:manage');

  app.post<{ Body: Static<typeof CreateBody> }>(
    '/api/v1/api-keys',
    {
      schema: {
        tags: ['Credentials'],
        summary: 'Create an API key',
        description:
          'For the caller’s workspace, with the scopes given: at most those the caller holds, and while the workspace has fewer active keys than its plan allows. The key is shown only in this answer. It is revoked when the person who made it (or made the credential that made it) leaves the workspace.',
        body: CreateBody,
        security: MANAGER,
        response: {
          201: jsonResponse('Created.', NewApiKey),
          ...problemResponses(400, 401, [
            403,
            'Without the api-keys:manage permission, asking for scopes the caller does not hold itself, or the plan’s API keys quota is reached (`quota-exceeded`).',
          ]),
        },
      },
    },
    async (request, reply) => {
      const identity = await caller(request);
      requireWithinCaller(identity, request.body.scopes);
      const id = newId(16);
      const secret = newSecret();
      await db.transaction().execute(async (trx) => {
        await assertRoomForApiKey(trx, identity.workspace);
        await trx
          .insertInto('api_keys')
          .values({
            id,
            workspace_id: identity.workspace,
            name: request.body.name,
            secret_hash: sha256(secret),
            scopes: request.body.scopes,
            created_by: await personBehind(trx, identity),
            last_used_at: null,
            revoked_at: null,
          })
          .execute();
      });
      return reply.code(201).send({
        id,
        name: request.body.name,
        scopes: request.body.scopes,
        key: `cvk_${id}_${secret}`,
        note: 'Keep this key now: it is shown only once.',
      });
    },
  );

  const listSchema = {
    tags: ['Credentials'],
    summary: 'List the workspace’s API keys',
    description: 'Revoked ones included; never the keys themselves.',
    security: MANAGER,
    response: { 200: jsonResponse('Oldest first.', Type.Array(ApiKeyView)), ...managerProblems() },
  };
  app.get('/api/v1/api-keys', { schema: listSchema }, async (request) => {
    const identity = await caller(request);
    const rows = await db
      .selectFrom('api_keys')
      .select(['id', 'name', 'scopes', 'created_by', 'created_at', 'last_used_at', 'revoked_at'])
      .where('workspace_id', '=', identity.workspace)
      .orderBy('created_at')
      .execute();
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      scopes: row.scopes,
      createdBy: row.created_by,
      createdAt: new Date(row.created_at).toISOString(),
      lastUsedAt: row.last_used_at ? new Date(row.last_used_at).toISOString() : null,
      revokedAt: row.revoked_at ? new Date(row.revoked_at).toISOString() : null,
    }));
  });

  app.delete<{ Params: { id: string } }>(
    '/api/v1/api-keys/:id',
    {
      schema: {
        tags: ['Credentials'],
        summary: 'Revoke an API key',
        description: 'It stops working within seconds (the gateway caches a verified key briefly).',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        security: MANAGER,
        response: {
          204: emptyResponse('Revoked.'),
          ...managerProblems(400, [404, 'This workspace has no active API key with this id.']),
        },
      },
    },
    async (request, reply) => {
      const identity = await caller(request);
      const revoked = await db
        .updateTable('api_keys')
        .set({ revoked_at: new Date() })
        .where('id', '=', request.params.id)
        .where('workspace_id', '=', identity.workspace)
        .where('revoked_at', 'is', null)
        .returning('id')
        .executeTakeFirst();
      if (!revoked) throw notFound('api-key', `This workspace has no active API key ${request.params.id}.`);
      return reply.code(204).send();
    },
  );

  // Not routed by the gateway: it calls this itself, with the internal secret.
  app.post<{ Body: Static<typeof VerifyBody> }>(
    '/internal/v1/api-keys/verify',
    { schema: { body: VerifyBody } },
    async (request) => {
      requireInternal(request, deps.internalSecret);
      const match = KEY_PATTERN.exec(request.body.key);
      if (!match) return { valid: false };
      const row = await db
        .updateTable('api_keys')
        // Only write the last-use time when it is a minute old, not on every request.
        .set({
          last_used_at: sql`case when last_used_at is null or last_used_at < now() - interval '1 minute' then now() else last_used_at end`,
        })
        .where('id', '=', match[1]!)
        .where('secret_hash', '=', sha256(match[2]!))
        .where('revoked_at', 'is', null)
        .returning(['id', 'workspace_id', 'scopes'])
        .executeTakeFirst();
      if (!row) return { valid: false };
      const workspace = await db
        .selectFrom('workspaces')
        .select('plan')
        .where('id', '=', row.workspace_id)
        .executeTakeFirst();
      return {
        valid: true,
        id: row.id,
        workspace: row.workspace_id,
        scopes: row.scopes,
        plan: workspace?.plan ?? 'free',
      };
    },
  );
}
