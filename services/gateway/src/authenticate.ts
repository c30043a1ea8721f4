// The gateway decides who is calling and tells the services in a form a client cannot forge:
// any `x-canvass-identity` a client sends is dropped; a presented API key is checked with the
// identity service (answers cached briefly, so a revoked key stops working within seconds) and
// replaced by a signed identity. OIDC access tokens join here with the provider.
import { IDENTITY_HEADER, type Identity, signIdentity } from '@canvass/service-kit';
import type { FastifyRequest } from 'fastify';
import type { Upstream } from './upstream.ts';

export interface Authenticator {
  /** Headers to forward: the client's, minus any identity it claimed, plus the verified one. */
  identityHeaders(request: FastifyRequest): Promise<Record<string, string>>;
}

interface Cached {
  identity: Identity | undefined;
  until: number;
}

export function createAuthenticator(options: {
  identityUpstream: Upstream | undefined;
  internalSecret: string | undefined;
  cacheMs?: number;
}): Authenticator {
  const cache = new Map<string, Cached>();
  const cacheMs = options.cacheMs ?? 5_000;

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
    const text = Buffer.isBuffer(response.body) ? response.body.toString() : await streamText(response.body);
    const answer = JSON.parse(text) as { valid: boolean; id?: string; workspace?: string; scopes?: string[] };
    const identity: Identity | undefined = answer.valid
      ? {
          subject: `api-key:${answer.id}`,
          kind: 'api-key',
          workspace: String(answer.workspace),
          scopes: answer.scopes ?? [],
        }
      : undefined;
    if (cache.size > 10_000) cache.clear();
    cache.set(key, { identity, until: Date.now() + cacheMs });
    return identity;
  }

  return {
    async identityHeaders(request): Promise<Record<string, string>> {
      const authorization = request.headers.authorization;
      const key = authorization?.startsWith('Bearer cvk_') ? authorization.slice(7) : undefined;
      const headers: Record<string, string> = {};
      if (!key || !options.internalSecret) return headers;
      const identity = await verifyApiKey(key);
      if (identity) headers[IDENTITY_HEADER] = await signIdentity(options.internalSecret, identity);
      return headers;
    },
  };
}

async function streamText(stream: AsyncIterable<Buffer | string>): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}
