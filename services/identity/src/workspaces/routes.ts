// A person's workspaces: those they belong to (the web app's workspace switcher), and new ones
// they start. Switching is a token request naming `workspace=<id>` (see oidc/provider.ts).
import { Role } from '@canvass/contracts';
import {
  HttpProblem,
  type Identity,
  identityOf,
  jsonResponse,
  problemResponses,
  type ServiceContext,
} from '@canvass/service-kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import Type, { type Static } from 'typebox';
import type { IdentityTables } from '../tables.ts';
import { startWorkspace } from './start.ts';

const CreateBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }) },
  { additionalProperties: false },
);
const Workspace = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Role,
  plan: Type.String({ description: 'free, pro, …' }),
});
const SIGNED_IN = [{ bearer: [] }];
const PEOPLE_ONLY: [number, string] = [
  403,
  'Called with an API key or a machine client: this is for people.',
];

export interface WorkspaceDeps extends ServiceContext {
  internalSecret: string | undefined;
}

export function workspaceRoutes(app: FastifyInstance, deps: WorkspaceDeps): void {
  const db = deps.db.kysely as Kysely<IdentityTables>;

  /** The signed-in person (an API key has a workspace but no person behind it). */
  async function person(request: FastifyRequest): Promise<Identity> {
    const identity = await identityOf(request, deps.internalSecret);
    if (!identity) {
      throw new HttpProblem(401, 'unauthenticated', 'Sign in first', 'This needs a signed-in user.');
    }
    if (identity.kind !== 'user') {
      throw new HttpProblem(
        403,
        'people-only',
        'This is for people',
        'Workspaces are listed and started by signed-in users, not with API keys or machine clients.',
      );
    }
    return identity;
  }

  app.get(
    '/api/v1/workspaces',
    {
      schema: {
        tags: ['Workspaces'],
        summary: 'Your workspaces',
        description:
          'Every workspace you belong to, with your role there, in the order you joined. To act in another one, ask for a token naming it (`workspace=<id>` on a refresh grant).',
        security: SIGNED_IN,
        response: {
          200: jsonResponse('In the order you joined them.', Type.Array(Workspace)),
          ...problemResponses(401, PEOPLE_ONLY),
        },
      },
    },
    async (request) => {
      const identity = await person(request);
      return db
        .selectFrom('memberships')
        .innerJoin('workspaces', 'workspaces.id', 'memberships.workspace_id')
        .select(['workspaces.id', 'workspaces.name', 'memberships.role', 'workspaces.plan'])
        .where('memberships.user_id', '=', identity.subject)
        .orderBy('memberships.created_at')
        .orderBy('workspaces.id')
        .execute();
    },
  );

  app.post<{ Body: Static<typeof CreateBody> }>(
    '/api/v1/workspaces',
    {
      schema: {
        tags: ['Workspaces'],
        summary: 'Start a workspace',
        description: 'You are its owner, on the free plan.',
        body: CreateBody,
        security: SIGNED_IN,
        response: {
          201: jsonResponse('Started.', Workspace),
          ...problemResponses(400, 401, PEOPLE_ONLY),
        },
      },
    },
    async (request, reply) => {
      const identity = await person(request);
      const userId = identity.subject;
      const name = request.body.name.trim();
      const workspaceId = await db.transaction().execute(async (trx) => {
        // An access token outlives a deleted account by up to its 15 minutes.
        const account = await trx
          .selectFrom('users')
          .select('id')
          .where('id', '=', userId)
          .where('deleted_at', 'is', null)
          .executeTakeFirst();
        if (!account) {
          throw new HttpProblem(401, 'unauthenticated', 'Sign in first', 'This account no longer exists.');
        }
        return startWorkspace(trx, deps.outbox, { userId, name, at: new Date().toISOString() });
      });
      return reply.code(201).send({ id: workspaceId, name, role: 'owner', plan: 'free' });
    },
  );
}
