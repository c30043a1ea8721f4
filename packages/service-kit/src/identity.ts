// Who is calling, as the gateway verified it. The gateway checks the client's credentials (API
// key now; OIDC access tokens when the provider lands) and forwards the result as a short-lived
// HS256 token in `x-canvass-identity`, signed with CANVASS_INTERNAL_SECRET, which clients do not
// have: a service trusts that header and nothing else, and takes the workspace only from it.
import type { FastifyRequest } from 'fastify';
import { jwtVerify, SignJWT } from 'jose';
import { HttpProblem } from './problem.ts';
import type { Role } from './roles.ts';

export const IDENTITY_HEADER = 'x-canvass-identity';

export interface Identity {
  /** A user id, or `api-key:<id>` for an API key. */
  subject: string;
  kind: 'user' | 'api-key';
  workspace: string;
  scopes: readonly string[];
  role?: Role;
  /** The workspace's plan (free, pro, …): the gateway's per-workspace rate limits follow it. */
  plan?: string;
}

export { ALL_SCOPES, type Role, roleScopes } from './roles.ts';

const encoder = new TextEncoder();

export async function signIdentity(secret: string, identity: Identity, ttlSeconds = 60): Promise<string> {
  return new SignJWT({
    kind: identity.kind,
    ws: identity.workspace,
    scp: identity.scopes,
    ...(identity.role ? { role: identity.role } : {}),
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(identity.subject)
    .setIssuer('canvass-gateway')
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(encoder.encode(secret));
}

/** The caller's verified identity, or undefined for an anonymous request. */
export async function identityOf(
  request: Pick<FastifyRequest, 'headers'>,
  secret: string | undefined,
): Promise<Identity | undefined> {
  const header = request.headers[IDENTITY_HEADER];
  if (typeof header !== 'string' || !secret) return undefined;
  try {
    const { payload } = await jwtVerify(header, encoder.encode(secret), {
      issuer: 'canvass-gateway',
      algorithms: ['HS256'],
    });
    return {
      subject: String(payload.sub),
      kind: payload.kind === 'api-key' ? 'api-key' : 'user',
      workspace: String(payload.ws),
      scopes: Array.isArray(payload.scp) ? payload.scp.map(String) : [],
      ...(typeof payload.role === 'string' ? { role: payload.role as Role } : {}),
    };
  } catch {
    throw new HttpProblem(
      401,
      'invalid-identity',
      'Not signed in',
      'The forwarded identity could not be verified.',
    );
  }
}

/** Throws 401 without an identity and 403 when it lacks the scope. */
export function requireScope(identity: Identity | undefined, scope: string): Identity {
  if (!identity)
    throw new HttpProblem(
      401,
      'unauthenticated',
      'Sign in first',
      'This needs a signed-in user or an API key.',
    );
  if (!identity.scopes.includes(scope)) {
    throw new HttpProblem(
      403,
      'forbidden',
      'Not allowed',
      `This needs the ${scope} permission in this workspace.`,
    );
  }
  return identity;
}
