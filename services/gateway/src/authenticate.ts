// The gateway decides who is calling and tells the services in a form a client cannot forge:
// any `x-canvass-identity` a client sends is dropped; a presented API key is checked with the
// identity service (answers cached briefly, so a revoked key stops working within seconds) and
// replaced by a signed identity. OIDC access tokens join here with the provider.

import type { IncomingHttpHeaders } from 'node:http';
import {
  HttpProblem,
  IDENTITY_HEADER,
  type Identity,
  type Role,
  roleScopes,
  signIdentity,
} from '@canvass/service-kit';
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose';
import { bodyBuffer, type Upstream } from './upstream.ts';

export interface Caller {
  identity: Identity | undefined;
  /** Headers to forward: the signed identity, when there is one. */
  headers: Record<string, string>;
}

export interface Authenticator {
  /** Who is calling (verified), and the headers that tell the services. */
  identify(request: { headers: IncomingHttpHeaders }): Promise<Caller>;
  /**
   * The verified identity header to forward (the client's own is never forwarded). Takes any
   * request with headers: a raw upgrade request has no FastifyRequest.
   */
  identityHeaders(request: { headers: IncomingHttpHeaders }): Promise<Record<string, string>>;
}

/** What identity issues: `cvk_<16 letters or digits>_<43 base64url characters>`. */
const API_KEY_SHAPE = /^cvk_[A-Za-z0-9]{16}_[\w-]{43}$/;

interface Cached {
  identity: Identity | undefined;
  until: number;
}

export function createAuthenticator(options: {
  identityUpstream: Upstream | undefined;
  internalSecret: string | undefined;
  /** Where clients reach Canvass: the issuer is `<publicUrl>/oidc`, the API audience `<publicUrl>/api`. */
  publicUrl: string;
  cacheMs?: number;
}): Authenticator {
  const cache = new Map<string, Cached>();
  const cacheMs = options.cacheMs ?? 5_000;
  let jwks: { keys: ReturnType<typeof createLocalJWKSet>; fetchedAt: number } | undefined;
  const unknownKids = new Set<string>();

  async function fetchJwks(): Promise<ReturnType<typeof createLocalJWKSet>> {
    if (!options.identityUpstream) throw new Error('no identity upstream');
    const response = await options.identityUpstream.forward({
      method: 'GET',
      url: '/oidc/jwks',
      headers: {},
    });
    const text = (await bodyBuffer(response.body)).toString();
    jwks = { keys: createLocalJWKSet(JSON.parse(text) as JSONWebKeySet), fetchedAt: Date.now() };
    return jwks.keys;
  }

  async function verifyAccessToken(token: string): Promise<Identity> {
    const verify = async (keys: ReturnType<typeof createLocalJWKSet>) =>
      jwtVerify(token, keys, {
        issuer: `${options.publicUrl}/oidc`,
        audience: `${options.publicUrl}/api`,
        algorithms: ['ES256'],
        typ: 'at+jwt',
      });
    let result: Awaited<ReturnType<typeof verify>>;
    try {
      // Keys are cached for 5 minutes; a token signed by a key we have not seen (rotation) refetches once.
      const keys = jwks && Date.now() - jwks.fetchedAt < 300_000 ? jwks.keys : await fetchJwks();
      try {
        result = await verify(keys);
      } catch (error) {
        // A key we have not met (a rotation): fetch the published keys again, once per key id.
        const kid = decodeProtectedHeader(token).kid ?? '';
        if ((error as { code?: string }).code !== 'ERR_JWKS_NO_MATCHING_KEY' || unknownKids.has(kid))
          throw error;
        if (unknownKids.size > 1_000) unknownKids.clear();
        unknownKids.add(kid);
        result = await verify(await fetchJwks());
      }
    } catch (error) {
      throw new HttpProblem(401, 'invalid-token', 'The access token is not valid', (error as Error).message);
    }
    const claims = result.payload;
    const granted = String(claims.scope ?? '')
      .split(' ')
      .filter(Boolean);
    const role =
      typeof claims.role === 'string' && claims.role in roleScopes ? (claims.role as Role) : undefined;
    if (typeof claims.workspace !== 'string') {
      throw new HttpProblem(403, 'no-workspace', 'No workspace', 'This token is not bound to a workspace.');
    }
    const isUser = claims.sub !== claims.client_id;
    return {
      subject: String(claims.sub),
      kind: isUser ? 'user' : 'api-key',
      workspace: claims.workspace,
      ...(typeof claims.plan === 'string' ? { plan: claims.plan } : {}),
      // A person may do what both the token and their role allow.
      scopes: role ? granted.filter((scope) => roleScopes[role].includes(scope)) : isUser ? [] : granted,
      ...(role ? { role } : {}),
    };
  }

  async function verifyApiKey(key: string): Promise<Identity | undefined> {
    const hit = cache.get(key);
    if (hit && hit.until > Date.now()) return hit.identity;
    if (!options.identityUpstream || !options.internalSecret) return undefined;
    const response = await options.identityUpstream.forward({
      method: 'POST',
      url: '/internal/v1/api-keys/verify',
      headers: { 'content-type': 'application/json', 'x-canvass-internal': options.internalSecret },
      body: Buffer.from(JSON.stringify({ key })),
    });
    const text = (await bodyBuffer(response.body)).toString();
    const answer = JSON.parse(text) as {
      valid: boolean;
      id?: string;
      workspace?: string;
      scopes?: string[];
      plan?: string;
    };
    const identity: Identity | undefined = answer.valid
      ? {
          subject: `api-key:${answer.id}`,
          kind: 'api-key',
          workspace: String(answer.workspace),
          scopes: answer.scopes ?? [],
          ...(answer.plan ? { plan: answer.plan } : {}),
        }
      : undefined;
    if (cache.size > 10_000) cache.clear();
    cache.set(key, { identity, until: Date.now() + cacheMs });
    return identity;
  }

  async function identify(request: { headers: IncomingHttpHeaders }): Promise<Caller> {
    const authorization = request.headers.authorization;
    if (!authorization || !options.internalSecret) return { identity: undefined, headers: {} };
    // Credentials that were sent but do not hold are refused, never taken as no credentials: a
    // client that meant to act as someone must not quietly act as a guest. One problem type
    // (invalid-token) for every such case, as for access tokens, so clients handle one.
    const bearer = authorization.startsWith('Bearer ') ? authorization.slice(7).trim() : '';
    if (!bearer) {
      throw new HttpProblem(
        401,
        'invalid-token',
        'The credentials are not valid',
        'Send Authorization: Bearer <access token or API key>, or no Authorization header.',
      );
    }
    const identity = bearer.startsWith('cvk_') ? await checkApiKey(bearer) : await verifyAccessToken(bearer);
    return { identity, headers: { [IDENTITY_HEADER]: await signIdentity(options.internalSecret, identity) } };
  }

  /** An API key's identity; 401 when it is malformed (identity is not asked), unknown or revoked. */
  async function checkApiKey(key: string): Promise<Identity> {
    const identity = API_KEY_SHAPE.test(key) ? await verifyApiKey(key) : undefined;
    if (identity) return identity;
    throw new HttpProblem(
      401,
      'invalid-token',
      'The API key is not valid',
      API_KEY_SHAPE.test(key)
        ? 'The API key is unknown or revoked.'
        : 'This is not the shape of a Canvass API key.',
    );
  }

  return {
    identify,
    async identityHeaders(request) {
      return (await identify(request)).headers;
    },
  };
}
