// Forged credentials, for checking that they are refused: access tokens made the ways JWT
// verifiers have been fooled (alg none, HS256 keyed with the public key, keys named by URL or
// embedded in the header, kid injection), a key server a forger controls, which must never be
// asked for anything, and redirect URIs that only look like the registered one (with the OAuth
// requests that try them). Each forged token comes with a check that it is well formed (it
// verifies with the key it was made with), so a refusal is the verifier's doing, not a typo's.
import {
  createHash,
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  sign,
} from 'node:crypto';
import { createServer } from 'node:http';
import { importJWK, jwtVerify } from 'jose';
import type { Person } from './fuzz-platform.ts';
import { followRedirects, startSignIn } from './sign-in.ts';

export const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function hs256(header: object, claims: object, secret: string | Buffer): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export function es256(header: object, claims: object, key: KeyObject): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

/** A P-256 key pair of the forger's own; its public half as a JWK named `attacker`. */
export function attackerKey() {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKey: pair.privateKey,
    jwk: { ...pair.publicKey.export({ format: 'jwk' }), kid: 'attacker', alg: 'ES256', use: 'sig' },
  };
}

/** Serves `keys` as a JWKS on a free port and counts the requests it gets. */
export async function startKeyServer(keys: object[]) {
  let fetched = 0;
  const server = createServer((_request, response) => {
    fetched += 1;
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/jwks.json`,
    fetched: () => fetched,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface Forgery {
  what: string;
  token: string;
  /** Throws unless the token verifies with the key the forger used. */
  wellFormed(): Promise<unknown>;
}

/**
 * Access tokens carrying `claims`, none signed by the provider's key: `published` is the
 * provider's public signing key (JWK, with its kid), `keyUrl` a key server the forger controls.
 */
export function forgedAccessTokens(options: {
  claims: object;
  published: JsonWebKey & { kid: string };
  attacker: ReturnType<typeof attackerKey>;
  keyUrl: string;
  internalSecret: string;
}): Forgery[] {
  const { claims, published, attacker, keyUrl, internalSecret } = options;
  const kid = published.kid;
  const publicKey = createPublicKey({ key: published, format: 'jwk' });
  const pem = String(publicKey.export({ type: 'spki', format: 'pem' }));
  const hmacKeys: [string, string | Buffer][] = [
    ['PEM', pem],
    ['PEM without its last newline', pem.trim()],
    ['DER', publicKey.export({ type: 'spki', format: 'der' })],
    ['JWK JSON', JSON.stringify(published)],
    ['x coordinate', String(published.x)],
    ['the internal secret', internalSecret],
  ];
  const foreignHeaders: [string, object][] = [
    ['jku naming a key server', { kid: 'attacker', jku: keyUrl }],
    ['x5u naming a key server', { kid: 'attacker', x5u: keyUrl }],
    ['an embedded jwk', { jwk: attacker.jwk }],
    ['an embedded jwk with the real kid', { kid, jwk: attacker.jwk }],
    ['the real kid, a foreign key', { kid }],
    ['kid path traversal', { kid: '../../../../../../dev/null' }],
    ['kid SQL injection', { kid: "x' OR '1'='1" }],
    ['kid naming a key server', { kid: keyUrl }],
    ['kid of 4096 characters', { kid: 'k'.repeat(4096) }],
  ];
  const unsigned = async () => undefined;
  return [
    ...['none', 'None', 'NONE', 'nOnE'].map((alg) => ({
      what: `alg ${alg}`,
      token: `${b64({ alg, typ: 'at+jwt', kid })}.${b64(claims)}.`,
      wellFormed: unsigned,
    })),
    ...hmacKeys.map(([form, secret]) => {
      const token = hs256({ alg: 'HS256', typ: 'at+jwt', kid }, claims, secret);
      return {
        what: `HS256 keyed with ${form}`,
        token,
        wellFormed: () => jwtVerify(token, typeof secret === 'string' ? Buffer.from(secret) : secret),
      };
    }),
    {
      what: 'kid /dev/null with an empty HS256 key',
      token: hs256({ alg: 'HS256', typ: 'at+jwt', kid: '/dev/null' }, claims, ''),
      wellFormed: unsigned,
    },
    ...foreignHeaders.map(([what, header]) => {
      const token = es256({ alg: 'ES256', typ: 'at+jwt', ...header }, claims, attacker.privateKey);
      return {
        what,
        token,
        wellFormed: async () => jwtVerify(token, await importJWK(attacker.jwk, 'ES256')),
      };
    }),
  ];
}

/** Redirect URIs that are not `registered` but look like it, or lead elsewhere (`base` is the issuer's origin). */
export function forgedRedirectUris(base: string, registered: string): string[] {
  const { host, port } = new URL(base);
  return [
    'https://evil.example/auth/callback',
    `${registered}/`,
    `${registered}x`,
    `${registered}?next=https://evil.example`,
    `${registered}#evil`,
    `${registered}/../../evil`,
    `${registered}%2F..%2Fevil`,
    `${base}.evil.example/auth/callback`,
    `http://${host}@evil.example/auth/callback`,
    `http://localhost:${port}/auth/callback`,
    `https://${host}/auth/callback`,
    '//evil.example/auth/callback',
    'javascript:alert(1)//auth/callback',
    'data:text/html,<script>alert(1)</script>',
  ];
}

/** A PKCE challenge (S256) for a verifier nobody needs: the requests it goes with never finish. */
export function pkceChallenge(): string {
  return createHash('sha256')
    .update(`held-${crypto.randomUUID()}-${crypto.randomUUID()}`)
    .digest('base64url');
}

/** The web app's authorization request, with `redirectUri`, not followed. */
export function authorizationRequest(
  base: string,
  redirectUri: string,
  challenge: string,
): Promise<Response> {
  const query = new URLSearchParams({
    client_id: 'canvass-web',
    response_type: 'code',
    scope: 'openid',
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'held',
    resource: `${base}/api`,
  });
  return fetch(`${base}/oidc/auth?${query}`, { redirect: 'manual' });
}

/** An authorization code for `person`, issued to the web app's registered callback. */
export async function signedInCode(
  base: string,
  person: Person,
): Promise<{ code: string; verifier: string }> {
  const started = await startSignIn(base, { email: person.email, password: person.password });
  const landed = await followRedirects(started.browser, started.response, base, started.redirectUri);
  if (!('callback' in landed)) throw new Error(`a page stopped the sign-in: ${landed.url}`);
  return { code: landed.callback.searchParams.get('code')!, verifier: started.verifier };
}

/** Exchanges a code at the token endpoint, naming `redirectUri`. */
export function codeExchange(
  base: string,
  redirectUri: string,
  { code, verifier }: { code: string; verifier: string },
): Promise<Response> {
  return fetch(`${base}/oidc/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: 'canvass-web',
      code,
      code_verifier: verifier,
      redirect_uri: redirectUri,
      resource: `${base}/api`,
    }),
  });
}
