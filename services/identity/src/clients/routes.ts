// Machine clients for the client credentials grant, registered per workspace with scopes (at most
// the caller's). Their tokens carry the workspace they belong to. The workspace lists them,
// rotates their secrets and revokes them; each answers to one person (who made it or last rotated
// its secret) and is revoked when that person leaves (revoke-credentials.ts). oidc-provider
// compares client secrets as given, so the secret is stored as issued in the provider's 'Client'
// row; API keys are the hashed alternative for simple integrations.
import { MachineClientSecret, MachineClientView } from '@canvass/contracts';
import {
  emptyResponse,
  type Identity,
  identityOf,
  jsonResponse,
  newId,
  newSecret,
  notFound,
  problemResponses,
  requireScope,
  type ServiceContext,
} from '@canvass/service-kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Kysely, sql } from 'kysely';
import Type, { type Static } from 'typebox';
import { forgetMachineClients } from '../revoke-credentials.ts';
import {
  BEYOND_CALLER,
  personBehind,
  requireWithinCaller,
  ScopedCredentialBody,
} from '../scoped-credential.ts';
import type { IdentityTables } from '../tables.ts';

const CreateBody = ScopedCredentialBody;
const ClientParams = Type.Object({ clientId: Type.String({ minLength: 1, maxLength: 64 }) });
const MANAGER = [{ bearer: [] }];
const NOT_HERE: [number, string] = [404, 'This workspace has no active machine client with this id.'];
const TOKEN_ENDPOINT = '/oidc/token';

type ClientRow = {
  id: string;
  name: string;
  scopes: string[];
  held_by: string | null;
  created_at: Date;
  secret_rotated_at: Date | null;
  revoked_at: Date | null;
};
const iso = (when: Date | string | null) => (when ? new Date(when).toISOString() : null);
const view = (row: ClientRow) => ({
  clientId: row.id,
  name: row.name,
  scopes: row.scopes,
  heldBy: row.held_by,
  createdAt: new Date(row.created_at).toISOString(),
  secretRotatedAt: iso(row.secret_rotated_at),
  revokedAt: iso(row.revoked_at),
});

export function clientRoutes(
  app: FastifyInstance,
  deps: ServiceContext & { internalSecret: string | undefined },
): void {
  const db = deps.db.kysely as Kysely<IdentityTables>;
  const manager = async (request: FastifyRequest): Promise<Identity> =>
    requireScope(await identityOf(request, deps.internalSecret), 'api-keys:manage');

  app.post<{ Body: Static<typeof CreateBody> }>(
    '/api/v1/oauth-clients',
    {
      schema: {
        tags: ['Credentials'],
        summary: 'Register a machine client (OAuth2 client credentials)',
        description:
          'Its access tokens carry the caller’s workspace and at most the scopes given, which must be among the caller’s own. The secret is shown only in this answer. It is revoked when the person who made it leaves the workspace.',
        body: CreateBody,
        security: MANAGER,
        response: {
          201: jsonResponse('Registered.', MachineClientSecret),
          ...problemResponses(400, 401, BEYOND_CALLER),
        },
      },
    },
    async (request, reply) => {
      const identity = await manager(request);
      requireWithinCaller(identity, request.body.scopes);
      const clientId = `cvc_${newId(16)}`;
      const clientSecret = newSecret();
      const metadata = {
        client_id: clientId,
        client_secret: clientSecret,
        client_name: request.body.name,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
        // Not `scope` (that is for OpenID scopes): the API scopes this client may be granted.
        api_scopes: request.body.scopes.join(' '),
        workspace_id: identity.workspace,
      };
      const heldBy = await personBehind(db, identity);
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('machine_clients')
          .values({
            id: clientId,
            workspace_id: identity.workspace,
            name: request.body.name,
            scopes: request.body.scopes,
            held_by: heldBy,
            secret_rotated_at: null,
            revoked_at: null,
          })
          .execute();
        await sql`insert into oidc_payloads (model, id, payload) values ('Client', ${clientId}, ${JSON.stringify(metadata)}::jsonb)`.execute(
          trx,
        );
      });
      return reply.code(201).send({
        clientId,
        clientSecret,
        name: request.body.name,
        scopes: request.body.scopes,
        tokenEndpoint: TOKEN_ENDPOINT,
        note: 'Keep the secret now: it is shown only once.',
      });
    },
  );

  app.get(
    '/api/v1/oauth-clients',
    {
      schema: {
        tags: ['Credentials'],
        summary: 'List the workspace’s machine clients',
        description: 'Revoked ones included; never their secrets.',
        security: MANAGER,
        response: {
          200: jsonResponse('Oldest first.', Type.Array(MachineClientView)),
          ...problemResponses(401, [403, 'Without the api-keys:manage permission.']),
        },
      },
    },
    async (request) => {
      const identity = await manager(request);
      const rows = await db
        .selectFrom('machine_clients')
        .select(['id', 'name', 'scopes', 'held_by', 'created_at', 'secret_rotated_at', 'revoked_at'])
        .where('workspace_id', '=', identity.workspace)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(view);
    },
  );

  app.post<{ Params: Static<typeof ClientParams> }>(
    '/api/v1/oauth-clients/:clientId/secret',
    {
      schema: {
        tags: ['Credentials'],
        summary: 'Rotate a machine client’s secret',
        description:
          'The old secret stops working at once; the new one is shown only in this answer. Only a caller holding every scope of the client may rotate it, and the client then answers to that caller’s person.',
        params: ClientParams,
        security: MANAGER,
        response: {
          200: jsonResponse('Rotated.', MachineClientSecret),
          ...problemResponses(400, 401, BEYOND_CALLER, NOT_HERE),
        },
      },
    },
    async (request) => {
      const identity = await manager(request);
      const clientSecret = newSecret();
      const heldBy = await personBehind(db, identity);
      const rotated = await db.transaction().execute(async (trx) => {
        const client = await trx
          .selectFrom('machine_clients')
          .select(['id', 'name', 'scopes'])
          .where('id', '=', request.params.clientId)
          .where('workspace_id', '=', identity.workspace)
          .where('revoked_at', 'is', null)
          .forUpdate()
          .executeTakeFirst();
        if (!client) return undefined;
        // Whoever rotates learns the secret: they must hold what the client may do.
        requireWithinCaller(identity, client.scopes);
        await trx
          .updateTable('machine_clients')
          .set({ secret_rotated_at: new Date(), held_by: heldBy })
          .where('id', '=', client.id)
          .execute();
        await sql`update oidc_payloads set payload = jsonb_set(payload, '{client_secret}', to_jsonb(${clientSecret}::text))
          where model = 'Client' and id = ${client.id}`.execute(trx);
        return client;
      });
      if (!rotated) throw notFound('machine-client', NOT_HERE[1]);
      return {
        clientId: rotated.id,
        clientSecret,
        name: rotated.name,
        scopes: rotated.scopes,
        tokenEndpoint: TOKEN_ENDPOINT,
        note: 'Keep the secret now: it is shown only once. The old one no longer works.',
      };
    },
  );

  app.delete<{ Params: Static<typeof ClientParams> }>(
    '/api/v1/oauth-clients/:clientId',
    {
      schema: {
        tags: ['Credentials'],
        summary: 'Revoke a machine client',
        description:
          'It gets no new tokens from now on; access tokens it already holds run out within 15 minutes.',
        params: ClientParams,
        security: MANAGER,
        response: {
          204: emptyResponse('Revoked.'),
          ...problemResponses(400, 401, [403, 'Without the api-keys:manage permission.'], NOT_HERE),
        },
      },
    },
    async (request, reply) => {
      const identity = await manager(request);
      const revoked = await db.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('machine_clients')
          .set({ revoked_at: new Date() })
          .where('id', '=', request.params.clientId)
          .where('workspace_id', '=', identity.workspace)
          .where('revoked_at', 'is', null)
          .returning('id')
          .executeTakeFirst();
        if (row) await forgetMachineClients(trx, [row.id]);
        return row;
      });
      if (!revoked) throw notFound('machine-client', NOT_HERE[1]);
      return reply.code(204).send();
    },
  );
}
