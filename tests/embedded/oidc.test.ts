// Canvass's OAuth2/OIDC provider driven by a real OIDC client library (openid-client) over HTTP:
// discovery, authorization code + PKCE through the sign-in and consent pages, tokens, userinfo,
// refresh, revocation, client credentials; and the gateway's checks on access tokens.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { memoryMailer } from '@canvass/identity';
import { type EmbeddedPlatform, startEmbeddedPlatform } from '@canvass/launcher';
import { ALL_SCOPES } from '@canvass/service-kit';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { httpApi } from '../support/api.ts';
import { BrowserSession, locationOf } from '../support/browser-session.ts';
import { freePort } from '../support/cluster.ts';

const mailer = memoryMailer();
let platform: EmbeddedPlatform;
let base: string;

before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  platform = await startEmbeddedPlatform({
    dataDir: 'memory://',
    logLevel: 'silent',
    mailer,
    publicUrl: base,
  });
  await platform.gateway.listen({ port, host: '127.0.0.1' });
  const api = httpApi(base);
  await api('POST', '/api/v1/accounts', {
    body: { email: 'grace@example.test', password: 'a very long password', name: 'Grace' },
  });
  const token = /token=([\w-]+)/.exec(mailer.sent.at(-1)!.text)![1]!;
  await api('POST', '/api/v1/accounts/verify', { body: { token } });
});
after(() => platform.stop());

async function signIn(password = 'a very long password') {
  const config = await client.discovery(new URL(`${base}/oidc`), 'canvass-web', undefined, client.None(), {
    execute: [client.allowInsecureRequests],
  });
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: `${base}/auth/callback`,
    // The web app asks for every API scope; the gateway narrows them to the user's role.
    scope: `openid email profile offline_access ${ALL_SCOPES.join(' ')}`,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    prompt: 'consent',
    resource: `${base}/api`,
  });
  const browser = new BrowserSession();
  let response = await browser.request(authorizationUrl.toString());
  let next = locationOf(response, base);
  assert.match(next, /\/interaction\//);
  const loginPage = await browser.request(next);
  assert.match(await loginPage.text(), /<label for="email">E-mail<\/label>/);
  response = await browser.request(`${next}/login`, { form: { email: 'grace@example.test', password } });
  if (response.status !== 303) return { response, config };
  response = await browser.request(locationOf(response, base));
  next = locationOf(response, base);
  assert.match(await (await browser.request(next)).text(), /Allow Canvass/);
  response = await browser.request(`${next}/confirm`, { method: 'POST' });
  response = await browser.request(locationOf(response, base));
  const callback = new URL(locationOf(response, base));
  const tokens = await client.authorizationCodeGrant(
    config,
    callback,
    { pkceCodeVerifier: verifier, expectedState: state },
    { resource: `${base}/api` },
  );
  return { response, config, tokens };
}

test('authorization code + PKCE: discovery, sign-in, consent, tokens, userinfo, refresh, revocation', async () => {
  const { config, tokens } = await signIn();
  assert.ok(tokens, 'signed in');
  assert.equal(config.serverMetadata().issuer, `${base}/oidc`);
  assert.deepEqual(config.serverMetadata().code_challenge_methods_supported, ['S256']);
  const idClaims = tokens.claims()!;
  const access = decodeJwt(tokens.access_token);
  assert.equal(access.sub, idClaims.sub);
  assert.equal(access.aud, `${base}/api`);
  assert.equal(access.role, 'owner');
  assert.equal(typeof access.workspace, 'string');

  // The access token works at the gateway: an owner may manage API keys.
  const api = httpApi(base);
  const keys = await api('GET', '/api/v1/api-keys', {
    headers: { authorization: `Bearer ${tokens.access_token}` },
  });
  assert.equal(keys.status, 200, JSON.stringify(keys.body));

  // Refresh without a resource gives a token for userinfo.
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
  const info = await client.fetchUserInfo(config, refreshed.access_token, idClaims.sub);
  assert.equal(info.email, 'grace@example.test');

  await client.tokenRevocation(config, refreshed.refresh_token!);
  await assert.rejects(
    client.refreshTokenGrant(config, refreshed.refresh_token!),
    (error: { error?: string }) => {
      assert.equal(error.error, 'invalid_grant');
      return true;
    },
  );
});

test('tampered, expired, wrong-audience and alg none tokens are refused by the gateway', async () => {
  const { tokens } = await signIn();
  const api = httpApi(base);
  const [header, payload, signature] = tokens!.access_token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  const forge = (changes: object, head = header, sig = signature) =>
    `${head}.${Buffer.from(JSON.stringify({ ...claims, ...changes })).toString('base64url')}.${sig}`;
  const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url');
  for (const [what, token] of [
    ['tampered role', forge({ role: 'owner', workspace: 'someone-else' })],
    ['expired', forge({ exp: Math.floor(Date.now() / 1000) - 60 })],
    ['wrong audience', forge({ aud: 'https://elsewhere.example/api' })],
    ['alg none', forge({}, none, '')],
  ] as const) {
    const response = await api('GET', '/api/v1/api-keys', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.status, 401, what);
    assert.equal(response.body.type, '/problems/invalid-token', what);
  }
});

test('client credentials: a machine client gets a workspace-bound token with exactly its scopes', async () => {
  const { tokens } = await signIn();
  const api = httpApi(base);
  const owner = { authorization: `Bearer ${tokens!.access_token}` };
  const made = await api('POST', '/api/v1/oauth-clients', {
    headers: owner,
    body: { name: 'reporting', scopes: ['polls:read'] },
  });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const machine = await client.discovery(
    new URL(`${base}/oidc`),
    made.body.clientId,
    made.body.clientSecret,
    client.ClientSecretBasic(),
    {
      execute: [client.allowInsecureRequests],
    },
  );
  const granted = await client.clientCredentialsGrant(machine, {
    scope: 'polls:read api-keys:manage',
    resource: `${base}/api`,
  });
  const claims = decodeJwt(granted.access_token);
  assert.equal(claims.scope, 'polls:read', 'scopes it was not registered with are not granted');
  assert.equal(claims.workspace, decodeJwt(tokens!.access_token).workspace);
  const denied = await api('GET', '/api/v1/api-keys', {
    headers: { authorization: `Bearer ${granted.access_token}` },
  });
  assert.equal(denied.status, 403);
  await assert.rejects(
    client.clientCredentialsGrant(
      await client.discovery(
        new URL(`${base}/oidc`),
        made.body.clientId,
        'not the secret',
        client.ClientSecretBasic(),
        {
          execute: [client.allowInsecureRequests],
        },
      ),
      { scope: 'polls:read', resource: `${base}/api` },
    ),
    // 401 with a WWW-Authenticate challenge: client authentication failed.
    (error: { status?: number }) => error.status === 401,
  );
});

test("workspace isolation: nobody reads or changes another workspace's API keys", async () => {
  const api = httpApi(base);
  await api('POST', '/api/v1/accounts', {
    body: { email: 'linus@example.test', password: 'another long password', name: 'Linus' },
  });
  const token = /token=([\w-]+)/.exec(
    mailer.sent.filter((m) => m.to === 'linus@example.test').at(-1)!.text,
  )![1]!;
  await api('POST', '/api/v1/accounts/verify', { body: { token } });
  const grace = await signIn();
  const graceAuth = { authorization: `Bearer ${grace.tokens!.access_token}` };
  const graceKey = await api('POST', '/api/v1/api-keys', {
    headers: graceAuth,
    body: { name: 'grace key', scopes: ['api-keys:manage'] },
  });
  assert.equal(graceKey.status, 201);
  const linusKey = await api('POST', '/api/v1/api-keys', {
    headers: { 'x-canvass-identity': 'forged' },
    body: { name: 'nope', scopes: ['api-keys:manage'] },
  });
  assert.equal(linusKey.status, 401, 'no credentials, no keys');
  // Grace's key sees only Grace's workspace, and cannot revoke what is not there.
  const listed = await api('GET', '/api/v1/api-keys', {
    headers: { authorization: `Bearer ${graceKey.body.key}` },
  });
  assert.ok(listed.body.every((key: { id: string }) => key.id !== 'x'));
  const linusDb = await platform.host
    .database('identity')
    .kysely.selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select('memberships.workspace_id')
    .where('users.email', '=', 'linus@example.test')
    .executeTakeFirstOrThrow();
  assert.notEqual(linusDb.workspace_id, decodeJwt(grace.tokens!.access_token).workspace);
  const ids = listed.body.map((key: { id: string }) => key.id);
  const linusKeys = await platform.host
    .database('identity')
    .kysely.selectFrom('api_keys')
    .select('id')
    .where('workspace_id', '=', linusDb.workspace_id)
    .execute();
  for (const key of linusKeys) assert.ok(!ids.includes(key.id));
});

// Last: it trips the per-account limiter for the rest of the minute.
test('a wrong password gets the same answer as an unknown account, and brute force is slowed', async () => {
  const first = await signIn('wrong password 1');
  assert.equal(first.response.status, 401);
  const text = await first.response.text();
  assert.match(text, /do not match an account/);
  let limited = false;
  for (let i = 0; i < 6 && !limited; i++) {
    const attempt = await signIn(`wrong password ${i + 2}`);
    limited = attempt.response.status === 429;
    if (limited) assert.ok(Number(attempt.response.headers.get('retry-after')) > 0);
  }
  assert.ok(limited, 'the limiter stepped in');
});
