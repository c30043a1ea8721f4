// Machine clients for the client credentials grant, registered per workspace with scopes. Their
// tokens carry the workspace they belong to. (oidc-provider compares client secrets as given, so
// the secret is stored as issued; API keys are the hashed alternative for simple integrations.)
import {
  identityOf,
  jsonResponse,
  newId,
  newSecret,
  problemResponses,
  requireScope,
  type ServiceContext,
} from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import Type, { type Static } from 'typebox';
import { ScopedCredentialBody } from '../scoped-credential.ts';

const CreateBody = ScopedCredentialBody;
const NewClient = Type.Object({
  clientId: Type.String(),
  clientSecret: Type.String({ description: 'Shown only now.' }),
  scopes: ScopedCredentialBody.properties.scopes,
  tokenEndpoint: Type.String({ description: 'Where the client credentials grant gets tokens.' }),
  note: Type.String(),
});

export function clientRoutes(
  app: FastifyInstance,
  deps: ServiceContext & { internalSecret: string | undefined },
): void {
  app.post<{ Body: Static<typeof CreateBody> }>(
    '/api/v1/oauth-clients',
    {
      schema: {
        tags: ['Credentials'],
        summary: 'Register a machine client (OAuth2 client credentials)',
        description:
          'Its access tokens carry the caller’s workspace and at most the scopes given. The secret is shown only in this answer.',
        body: CreateBody,
        security: [{ bearer: [] }],
        response: {
          201: jsonResponse('Registered.', NewClient),
          ...problemResponses(400, 401, [403, 'Without the api-keys:manage permission.']),
        },
      },
    },
    async (request, reply) => {
      const identity = requireScope(await identityOf(request, deps.internalSecret), 'api-keys:manage');
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
      await sql`insert into oidc_payloads (model, id, payload) values ('Client', ${clientId}, ${JSON.stringify(metadata)}::jsonb)`.execute(
        deps.db.kysely,
      );
      return reply.code(201).send({
        clientId,
        clientSecret,
        scopes: request.body.scopes,
        tokenEndpoint: '/oidc/token',
        note: 'Keep the secret now: it is shown only once.',
      });
    },
  );
}
