// Identity's part of the security review (issue 14), against the embedded tier with its gateway
// listening (the OIDC flows run over HTTP, as a browser and openid-client do): per-address limits
// follow the real client, credentials never carry more than their maker and go when their maker
// leaves, a new password ends every session, and discovery is built from the public URL alone.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type EmbeddedPlatform, startEmbeddedPlatform } from '@canvass/launcher';
import { CLIENT_ADDRESS_HEADER, clientAddressSigner } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { type Api, httpApi } from '../support/api.ts';
import { freePort } from '../support/cluster.ts';
import { testMail } from '../support/mail.ts';
import { signInToWebApp, signUpVerified, startSignIn } from '../support/sign-in.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back.
type Json = any;

const mail = testMail();
let platform: EmbeddedPlatform;
let base: string;
let api: Api;
const PASSWORD = 'a very long password';

before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  platform = await startEmbeddedPlatform({
    dataDir: 'memory://',
    logLevel: 'silent',
    mail: mail.transport,
    publicUrl: base,
    apiKeyCacheMs: 50,
  });
  await platform.gateway.listen({ port, host: '127.0.0.1' });
  api = httpApi(base);
});
after(() => platform.stop());

const identityApp = (): FastifyInstance =>
  platform.runtimes.find((runtime) => runtime.name === 'identity')!.app;
const mailedToken = (email: string) => mail.token(email);
const newEmail = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}@example.test`;
const signUp = (email: string, name: string) => signUpVerified({ base, mailedToken }, email, PASSWORD, name);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function assertProblem(response: { status: number; headers: Record<string, unknown> }, status: number) {
  assert.equal(response.status, status);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
}

test('identity limits each client by its own address: one client spending its sign-in and reset limits leaves another alone, and a direct caller cannot choose its address', async () => {
  const gateway = platform.gateway;
  const [first, second] = ['203.0.113.10', '203.0.113.20'];

  // Password-reset requests (20 an hour per address), through the gateway from two clients.
  const resetFrom = (remoteAddress: string) =>
    gateway.inject({
      method: 'POST',
      url: '/api/v1/account/password-reset',
      remoteAddress,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email: newEmail('nobody') }),
    });
  for (let i = 0; i < 20; i++) assert.equal((await resetFrom(first)).statusCode, 202);
  const spent = await resetFrom(first);
  assertProblem({ status: spent.statusCode, headers: spent.headers }, 429);
  assert.ok(Number(spent.headers['retry-after']) > 0);
  assert.equal((await resetFrom(second)).statusCode, 202, 'another client may still ask for a reset');

  // Sign-in (30 a minute per address), on one sign-in page, through the gateway from two clients.
  const started = await startSignIn(base, { email: newEmail('nobody'), password: 'not the password' });
  assert.equal(started.response.status, 401);
  const loginPath = new URL(started.response.url).pathname;
  const cookie = [...started.browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  const signInFrom = (remoteAddress: string) =>
    gateway.inject({
      method: 'POST',
      url: loginPath,
      remoteAddress,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      // A new e-mail each time: only the per-client limit can step in, not the per-account one.
      payload: new URLSearchParams({ email: newEmail('nobody'), password: 'not the password' }).toString(),
    });
  let attempts = 0;
  let answer = await signInFrom(first);
  while (answer.statusCode === 401 && attempts < 40) {
    attempts++;
    answer = await signInFrom(first);
  }
  assert.equal(answer.statusCode, 429, 'the first client is slowed down');
  assert.equal(attempts, 30, 'after its own 30 attempts, not anyone else’s');
  assert.equal((await signInFrom(second)).statusCode, 401, 'the second client may still try');

  // Straight to identity, not through the gateway: x-forwarded-for and an unsigned (or wrongly
  // signed) client address are ignored, so every attempt counts against the caller's own peer.
  const forger = clientAddressSigner('not the internal secret, but just as long');
  const direct = (remoteAddress: string, i: number) =>
    identityApp().inject({
      method: 'POST',
      url: '/api/v1/account/password-reset',
      remoteAddress,
      headers: {
        'content-type': 'application/json',
        'x-forwarded-for': `198.18.0.${i}`,
        [CLIENT_ADDRESS_HEADER]:
          i % 2 ? forger(`198.18.1.${i}`) : `198.18.2.${i};9999999999;${'A'.repeat(43)}`,
      },
      payload: JSON.stringify({ email: newEmail('nobody') }),
    });
  for (let i = 0; i < 20; i++) assert.equal((await direct('198.51.100.7', i)).statusCode, 202);
  const forged = await direct('198.51.100.7', 20);
  assertProblem({ status: forged.statusCode, headers: forged.headers }, 429);
  assert.equal((await direct('198.51.100.8', 0)).statusCode, 202, 'another peer has its own limit');
});

test('credentials never carry more than their maker; machine clients are listed, rotated and revoked, and leave with their maker', async () => {
  const adaEmail = newEmail('ada');
  const bobEmail = newEmail('bob');
  await signUp(adaEmail, 'Ada');
  await signUp(bobEmail, 'Bob');
  const ada = await signInToWebApp(base, adaEmail, PASSWORD);
  const adaToken = ada.tokens!.access_token;
  const workspace = String(decodeJwt(adaToken).workspace);

  // Bob joins Ada's workspace as an admin and switches to it.
  const invited = await api('POST', '/api/v1/invitations', {
    headers: bearer(adaToken),
    body: { role: 'admin' },
  });
  assert.equal(invited.status, 201, JSON.stringify(invited.body));
  const bob = await signInToWebApp(base, bobEmail, PASSWORD);
  const bobId = String(decodeJwt(bob.tokens!.access_token).sub);
  const joined = await api('POST', '/api/v1/invitations/accept', {
    headers: bearer(bob.tokens!.access_token),
    body: { token: new URL(invited.body.link).searchParams.get('token') },
  });
  assert.equal(joined.status, 200, JSON.stringify(joined.body));
  const switched = await client.refreshTokenGrant(bob.config, bob.tokens!.refresh_token!, {
    workspace,
    resource: `${base}/api`,
  });
  const bobToken = switched.access_token;
  assert.equal(decodeJwt(bobToken).role, 'admin');

  const createKey = (token: string, scopes: string[]) =>
    api('POST', '/api/v1/api-keys', { headers: bearer(token), body: { name: 'k', scopes } });
  const createClient = (token: string, scopes: string[]) =>
    api('POST', '/api/v1/oauth-clients', { headers: bearer(token), body: { name: 'c', scopes } });

  // An admin cannot mint an owner's scope, in a key or a machine client.
  for (const refused of [
    await createKey(bobToken, ['workspace:manage']),
    await createClient(bobToken, ['polls:read', 'workspace:manage']),
  ]) {
    assertProblem(refused, 403);
    assert.equal(refused.body.type, '/problems/scope-beyond-caller');
    assert.deepEqual(refused.body.scopes, ['workspace:manage']);
  }
  // A narrow key makes nothing wider than itself.
  const narrow = await createKey(bobToken, ['api-keys:manage', 'polls:read']);
  assert.equal(narrow.status, 201, JSON.stringify(narrow.body));
  assertProblem(await createKey(narrow.body.key, ['polls:write']), 403);
  assertProblem(await createClient(narrow.body.key, ['polls:write']), 403);
  const keyOfKey = await createKey(narrow.body.key, ['polls:read']);
  assert.equal(keyOfKey.status, 201);
  const clientOfKey = await createClient(narrow.body.key, ['polls:read']);
  assert.equal(clientOfKey.status, 201);
  const bobClient = await createClient(bobToken, ['polls:read', 'polls:write']);
  assert.equal(bobClient.status, 201);
  const adaClient = await createClient(adaToken, ['polls:read', 'workspace:manage']);
  assert.equal(adaClient.status, 201);

  // Listed (never with secrets), each answering to a person: a key's key answers to Bob too.
  const keys = await api('GET', '/api/v1/api-keys', { headers: bearer(adaToken) });
  const keyCreators = Object.fromEntries(keys.body.map((key: Json) => [key.id, key.createdBy]));
  assert.equal(keyCreators[keyOfKey.body.id], bobId);
  const listed = await api('GET', '/api/v1/oauth-clients', { headers: bearer(bobToken) });
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  const byId = new Map<string, Json>(listed.body.map((c: Json) => [c.clientId, c]));
  assert.deepEqual(
    [clientOfKey, bobClient, adaClient].map((made) => byId.get(made.body.clientId)?.heldBy),
    [bobId, bobId, String(decodeJwt(adaToken).sub)],
  );
  for (const shown of listed.body) assert.equal(shown.clientSecret, undefined);
  assertProblem(await api('GET', '/api/v1/oauth-clients'), 401);

  const machine = async (clientId: string, secret: string) =>
    client.clientCredentialsGrant(
      await client.discovery(new URL(`${base}/oidc`), clientId, secret, client.ClientSecretBasic(), {
        execute: [client.allowInsecureRequests],
      }),
      { scope: 'polls:read', resource: `${base}/api` },
    );
  const refusedClient = (error: { status?: number; error?: string }) =>
    error.status === 401 || error.error === 'invalid_client';

  // Rotation: the old secret stops at once, the new one works; nobody learns a wider client's secret.
  const { clientId, clientSecret } = bobClient.body;
  assert.ok((await machine(clientId, clientSecret)).access_token);
  const rotated = await api('POST', `/api/v1/oauth-clients/${clientId}/secret`, {
    headers: bearer(bobToken),
  });
  assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
  assert.notEqual(rotated.body.clientSecret, clientSecret);
  await assert.rejects(machine(clientId, clientSecret), refusedClient);
  assert.ok((await machine(clientId, rotated.body.clientSecret)).access_token);
  const wider = await api('POST', `/api/v1/oauth-clients/${adaClient.body.clientId}/secret`, {
    headers: bearer(bobToken),
  });
  assertProblem(wider, 403);

  // Revocation: no more tokens; listed as revoked; a second revocation finds nothing.
  const revoked = await api('DELETE', `/api/v1/oauth-clients/${clientOfKey.body.clientId}`, {
    headers: bearer(bobToken),
  });
  assert.equal(revoked.status, 204);
  await assert.rejects(machine(clientOfKey.body.clientId, clientOfKey.body.clientSecret), refusedClient);
  const again = await api('DELETE', `/api/v1/oauth-clients/${clientOfKey.body.clientId}`, {
    headers: bearer(bobToken),
  });
  assertProblem(again, 404);
  assertProblem(
    await api('DELETE', `/api/v1/oauth-clients/${'x'.repeat(65)}`, { headers: bearer(bobToken) }),
    400,
  );
  const afterRevoke = await api('GET', '/api/v1/oauth-clients', { headers: bearer(adaToken) });
  assert.ok(afterRevoke.body.find((c: Json) => c.clientId === clientOfKey.body.clientId).revokedAt);

  // Bob leaves the workspace: what he answers for goes with him; Ada's client keeps working.
  assert.equal((await api('GET', '/api/v1/polls', { headers: bearer(narrow.body.key) })).status, 200);
  assert.equal((await api('DELETE', `/api/v1/members/${bobId}`, { headers: bearer(adaToken) })).status, 204);
  await pause(100);
  for (const key of [narrow.body.key, keyOfKey.body.key]) {
    assertProblem(await api('GET', '/api/v1/polls', { headers: bearer(key) }), 401);
  }
  await assert.rejects(machine(clientId, rotated.body.clientSecret), refusedClient);
  assert.ok((await machine(adaClient.body.clientId, adaClient.body.clientSecret)).access_token);
  const remaining = await api('GET', '/api/v1/oauth-clients', { headers: bearer(adaToken) });
  assert.deepEqual(
    remaining.body.filter((c: Json) => !c.revokedAt).map((c: Json) => c.clientId),
    [adaClient.body.clientId],
  );
});

test('a password change or reset ends every session: refresh tokens issued before stop working', async () => {
  const email = newEmail('carol');
  await signUp(email, 'Carol');
  const laptop = await signInToWebApp(base, email, PASSWORD);
  const phone = await signInToWebApp(base, email, PASSWORD);
  const refused = (error: { error?: string }) => error.error === 'invalid_grant';

  const changed = await api('POST', '/api/v1/account/password', {
    headers: bearer(laptop.tokens!.access_token),
    body: { currentPassword: PASSWORD, newPassword: 'a second long password' },
  });
  assert.equal(changed.status, 204, JSON.stringify(changed.body));
  for (const session of [laptop, phone]) {
    await assert.rejects(client.refreshTokenGrant(session.config, session.tokens!.refresh_token!), refused);
  }

  const fresh = await signInToWebApp(base, email, 'a second long password');
  assert.ok(fresh.tokens);
  assert.equal((await api('POST', '/api/v1/account/password-reset', { body: { email } })).status, 202);
  const reset = await api('POST', '/api/v1/account/password-reset/confirm', {
    body: { token: await mailedToken(email), newPassword: 'a third long password' },
  });
  assert.equal(reset.status, 204, JSON.stringify(reset.body));
  await assert.rejects(client.refreshTokenGrant(fresh.config, fresh.tokens.refresh_token!), refused);
  const afterReset = await signInToWebApp(base, email, 'a third long password');
  assert.ok(afterReset.tokens, 'the new password signs in');
});

test('OIDC discovery names only the public URL, whatever Host or X-Forwarded-* a caller sends', async () => {
  const hostile = {
    host: 'attacker.example',
    'x-forwarded-host': 'attacker.example',
    'x-forwarded-proto': 'https',
  };
  const urlsIn = (document: Record<string, unknown>) =>
    Object.values(document).filter(
      (value): value is string => typeof value === 'string' && /^https?:/.test(value),
    );
  for (const app of [platform.gateway, identityApp()]) {
    const answer = await app.inject({
      method: 'GET',
      url: '/oidc/.well-known/openid-configuration',
      headers: hostile,
    });
    assert.equal(answer.statusCode, 200);
    const document = answer.json();
    assert.equal(document.issuer, `${base}/oidc`);
    const urls = urlsIn(document);
    assert.ok(urls.length > 5, 'endpoints are listed');
    for (const url of urls) assert.ok(url.startsWith(`${base}/oidc`), `${url} is under the public URL`);
  }
  // The way to the sign-in page stays on the public URL too.
  const authorize = await platform.gateway.inject({
    method: 'GET',
    url: `/oidc/auth?client_id=canvass-web&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(`${base}/auth/callback`)}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`,
    headers: hostile,
  });
  assert.ok(authorize.statusCode >= 300 && authorize.statusCode < 400, String(authorize.statusCode));
  assert.doesNotMatch(String(authorize.headers.location), /attacker\.example/);
});
