// Canvass's OAuth2/OIDC provider driven by a real OIDC client library (openid-client) over HTTP,
// against either tier: discovery, authorization code + PKCE through the sign-in page (the web app
// is not asked for consent), tokens, userinfo, refresh, revocation, client credentials; the
// gateway's checks on access tokens.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import * as client from 'openid-client';
import { eventually, httpApi } from './api.ts';
import { signInToWebApp, signUpVerified } from './sign-in.ts';

export interface OidcPlatform {
  /** Where the gateway listens; also the public URL the platform was started with. */
  base: string;
  /** The token from the newest mail sent to this address. */
  mailedToken(email: string): Promise<string>;
  /** The operator token (for /admin/v1). */
  adminToken: string;
  /** Workspace id of a user's first membership, read from the identity database. */
  workspaceOf(email: string): Promise<string>;
}

export function oidcTests(platform: () => OidcPlatform): void {
  const base = () => platform().base;
  // Fresh addresses each run: the cluster tier's test databases outlive a run.
  const run = crypto.randomUUID().slice(0, 8);
  const GRACE = `grace-${run}@example.test`;
  const LINUS = `linus-${run}@example.test`;

  const signUp = (email: string, password: string, name: string) =>
    signUpVerified(platform(), email, password, name);
  const signIn = (password = 'a very long password', email = GRACE) =>
    signInToWebApp(base(), email, password);

  test('sign-up through the gateway', async () => {
    await signUp(GRACE, 'a very long password', 'Grace');
  });

  test('authorization code + PKCE: discovery, sign-in straight to the callback (no consent for the web app), tokens, userinfo, refresh, revocation', async () => {
    const { config, tokens } = await signIn();
    assert.ok(tokens, 'signed in');
    assert.equal(config.serverMetadata().issuer, `${base()}/oidc`);
    assert.deepEqual(config.serverMetadata().code_challenge_methods_supported, ['S256']);
    const idClaims = tokens.claims()!;
    const access = decodeJwt(tokens.access_token);
    assert.equal(access.sub, idClaims.sub);
    assert.equal(access.aud, `${base()}/api`);
    assert.equal(access.role, 'owner');
    assert.equal(typeof access.workspace, 'string');

    // The access token works at the gateway: an owner may manage API keys.
    const api = httpApi(base());
    const keys = await api('GET', '/api/v1/api-keys', {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(keys.status, 200, JSON.stringify(keys.body));

    // Refresh without a resource gives a token for userinfo.
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    const info = await client.fetchUserInfo(config, refreshed.access_token, idClaims.sub);
    assert.equal(info.email, GRACE);

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
    const api = httpApi(base());
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
      const response = await api('GET', '/api/v1/api-keys', {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(response.status, 401, what);
      assert.equal(response.body.type, '/problems/invalid-token', what);
    }
  });

  test('client credentials: a machine client gets a workspace-bound token with exactly its scopes', async () => {
    const { tokens } = await signIn();
    const api = httpApi(base());
    const owner = { authorization: `Bearer ${tokens!.access_token}` };
    const made = await api('POST', '/api/v1/oauth-clients', {
      headers: owner,
      body: { name: 'reporting', scopes: ['polls:read'] },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const machine = await client.discovery(
      new URL(`${base()}/oidc`),
      made.body.clientId,
      made.body.clientSecret,
      client.ClientSecretBasic(),
      {
        execute: [client.allowInsecureRequests],
      },
    );
    const granted = await client.clientCredentialsGrant(machine, {
      scope: 'polls:read api-keys:manage',
      resource: `${base()}/api`,
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
          new URL(`${base()}/oidc`),
          made.body.clientId,
          'not the secret',
          client.ClientSecretBasic(),
          {
            execute: [client.allowInsecureRequests],
          },
        ),
        { scope: 'polls:read', resource: `${base()}/api` },
      ),
      // 401 with a WWW-Authenticate challenge: client authentication failed.
      (error: { status?: number }) => error.status === 401,
    );
  });

  test("workspace isolation: nobody reads or changes another workspace's API keys", async () => {
    const api = httpApi(base());
    await signUp(LINUS, 'another long password', 'Linus');
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
    const linusWorkspace = await platform().workspaceOf(LINUS);
    assert.notEqual(linusWorkspace, decodeJwt(grace.tokens!.access_token).workspace);
    const ids = listed.body.map((key: { id: string }) => key.id);
    assert.ok(ids.length > 0);
    const linusOwn = await httpApi(base())('GET', '/api/v1/api-keys', {
      headers: {
        authorization: `Bearer ${(await signIn('another long password', LINUS)).tokens!.access_token}`,
      },
    });
    assert.equal(linusOwn.status, 200);
    for (const key of linusOwn.body) assert.ok(!ids.includes(key.id), 'workspaces never share keys');
    const revokeOther = await api('DELETE', `/api/v1/api-keys/${ids[0]}`, {
      headers: {
        authorization: `Bearer ${(await signIn('another long password', LINUS)).tokens!.access_token}`,
      },
    });
    assert.equal(revokeOther.status, 404, "another workspace's key cannot be revoked");
  });

  test('roles: each role may do exactly what it should, in the workspace its token names', async () => {
    const api = httpApi(base());
    const grace = (await signIn())!;
    const graceAuth = { authorization: `Bearer ${grace.tokens!.access_token}` };
    const graceWorkspace = String(decodeJwt(grace.tokens!.access_token).workspace);
    const linusId = String(
      decodeJwt((await signIn('another long password', LINUS)).tokens!.access_token).sub,
    );

    const invited = await api('POST', '/api/v1/invitations', {
      headers: graceAuth,
      body: { role: 'viewer', email: LINUS },
    });
    assert.equal(invited.status, 201, JSON.stringify(invited.body));
    const linus = (await signIn('another long password', LINUS))!;
    const accepted = await api('POST', '/api/v1/invitations/accept', {
      headers: { authorization: `Bearer ${linus.tokens!.access_token}` },
      body: { token: new URL(invited.body.link).searchParams.get('token') },
    });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));

    // Linus switches to Grace's workspace with a refresh grant naming it.
    // The web client is public, so each refresh rotates the refresh token: always use the newest.
    let refreshToken = linus.tokens!.refresh_token!;
    const tokenIn = async () => {
      const next = await client.refreshTokenGrant(linus.config, refreshToken, {
        workspace: graceWorkspace,
        resource: `${base()}/api`,
      });
      refreshToken = next.refresh_token ?? refreshToken;
      return next.access_token;
    };
    const as = async (token: string) => ({ authorization: `Bearer ${token}` });
    const viewer = await tokenIn();
    assert.equal(decodeJwt(viewer).role, 'viewer');
    assert.equal(decodeJwt(viewer).workspace, graceWorkspace);
    const can = async (token: string) => ({
      listMembers: (await api('GET', '/api/v1/members', { headers: await as(token) })).status,
      createKey: (
        await api('POST', '/api/v1/api-keys', {
          headers: await as(token),
          body: { name: 'k', scopes: ['polls:read'] },
        })
      ).status,
    });
    assert.deepEqual(await can(viewer), { listMembers: 403, createKey: 403 });

    assert.equal(
      (await api('PATCH', `/api/v1/members/${linusId}`, { headers: graceAuth, body: { role: 'editor' } }))
        .status,
      200,
    );
    assert.deepEqual(await can(await tokenIn()), { listMembers: 403, createKey: 403 });

    assert.equal(
      (await api('PATCH', `/api/v1/members/${linusId}`, { headers: graceAuth, body: { role: 'admin' } }))
        .status,
      200,
    );
    const admin = await tokenIn();
    assert.deepEqual(await can(admin), { listMembers: 200, createKey: 201 });
    const graceId = String(decodeJwt(grace.tokens!.access_token).sub);
    const promote = await api('PATCH', `/api/v1/members/${linusId}`, {
      headers: await as(admin),
      body: { role: 'owner' },
    });
    assert.equal(promote.status, 403, 'only an owner makes owners');
    const demoteOwner = await api('PATCH', `/api/v1/members/${graceId}`, {
      headers: await as(admin),
      body: { role: 'viewer' },
    });
    assert.equal(demoteOwner.status, 403, 'an admin cannot unmake an owner');
    const lastOwner = await api('PATCH', `/api/v1/members/${graceId}`, {
      headers: graceAuth,
      body: { role: 'admin' },
    });
    assert.equal(lastOwner.status, 409, 'a workspace keeps an owner');

    await assert.rejects(
      client.refreshTokenGrant(linus.config, refreshToken, {
        workspace: 'not-his-workspace',
        resource: `${base()}/api`,
      }),
      (error: { error?: string }) => error.error === 'invalid_request',
    );
    // Removed, he can no longer get a token for it.
    assert.equal((await api('DELETE', `/api/v1/members/${linusId}`, { headers: graceAuth })).status, 204);
    // (A refused request may also have used up the refresh token: either way, no token.)
    await assert.rejects(tokenIn(), (error: { error?: string }) =>
      ['invalid_request', 'invalid_grant'].includes(error.error ?? ''),
    );
  });

  test("a guest poll is claimed into the signed-in user's workspace with its manage token, once", async () => {
    const api = httpApi(base());
    const created = await api('POST', '/api/v1/polls', {
      body: { question: 'Claim me?', options: [{ label: 'A' }, { label: 'B' }] },
    });
    const { id, manageToken } = created.body;
    const grace = (await signIn())!;
    const auth = { authorization: `Bearer ${grace.tokens!.access_token}` };
    assert.equal((await api('POST', `/api/v1/polls/${id}/claim`, { body: { manageToken } })).status, 401);
    assert.equal(
      (
        await api('POST', `/api/v1/polls/${id}/claim`, {
          headers: auth,
          body: { manageToken: `${manageToken}x` },
        })
      ).status,
      404,
    );
    const claimed = await api('POST', `/api/v1/polls/${id}/claim`, { headers: auth, body: { manageToken } });
    assert.equal(claimed.status, 200, JSON.stringify(claimed.body));
    assert.equal(claimed.body.workspaceId, decodeJwt(grace.tokens!.access_token).workspace);
    assert.equal(
      (await api('POST', `/api/v1/polls/${id}/claim`, { headers: auth, body: { manageToken } })).status,
      404,
      'only once',
    );
  });

  test('a workspace poll for signed-in voters: one vote per user, organizer tools by role', async () => {
    const api = httpApi(base());
    const grace = (await signIn())!;
    const auth = { authorization: `Bearer ${grace.tokens!.access_token}` };
    const created = await api('POST', '/api/v1/polls', {
      headers: auth,
      body: {
        question: 'Team lunch?',
        options: [{ label: 'A' }, { label: 'B' }],
        settings: { voters: 'signed_in', resultsVisibility: 'hidden' },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.manageToken, undefined, 'a workspace poll needs no manage token');
    assert.equal(created.body.workspaceId, decodeJwt(grace.tokens!.access_token).workspace);
    const poll = created.body;
    const ballot = { optionIds: [poll.options[0].id] };
    const anonymous = await api('POST', `/api/v1/polls/${poll.id}/votes`, {
      body: ballot,
      headers: { 'voter-token': 'anonymous-device-1' },
    });
    assert.equal(anonymous.status, 401);
    const first = await api('POST', `/api/v1/polls/${poll.id}/votes`, { body: ballot, headers: auth });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    // Another device, same user: still one vote.
    const again = await api('POST', `/api/v1/polls/${poll.id}/votes`, {
      body: ballot,
      headers: { ...auth, 'voter-token': 'another-device-2' },
    });
    assert.equal(again.status, 409);
    // Hidden results: the workspace sees them, anonymous callers do not (once the results read
    // model has the poll: until then there are no results to refuse, 404).
    await eventually(async () =>
      assert.equal((await api('GET', `/api/v1/polls/${poll.id}/results`)).status, 403),
    );
    const results = await eventually(async () => {
      const response = await api('GET', `/api/v1/polls/${poll.id}/results`, { headers: auth });
      assert.equal(response.status, 200);
      assert.equal(response.body.totalVotes, 1);
      return response.body;
    });
    assert.equal(results.options[0].votes, 1);
    const closed = await api('POST', `/api/v1/polls/${poll.id}/close`, { headers: auth });
    assert.equal(closed.status, 200);
    assert.equal((await api('POST', `/api/v1/polls/${poll.id}/open`)).status, 401);
  });

  test('signing keys rotate with overlap: old and new tokens verify until the old key is retired', async () => {
    const api = httpApi(base());
    const admin = { authorization: `Bearer ${platform().adminToken}` };
    const before = (await signIn())!.tokens!.access_token;
    const rotated = await api('POST', '/admin/v1/identity/keys/rotate', { headers: admin, body: {} });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    const after = (await signIn())!.tokens!.access_token;
    assert.equal(decodeProtectedHeader(after).kid, rotated.body.signing);
    assert.notEqual(decodeProtectedHeader(before).kid, rotated.body.signing);
    for (const token of [before, after]) {
      const response = await api('GET', '/api/v1/api-keys', {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(response.status, 200, 'both keys are published');
    }
    const keys = (await api('GET', '/admin/v1/identity/keys', { headers: admin })).body;
    assert.equal(keys[0].state, 'signing');
    assert.ok(
      keys.some(
        (key: { kid: string; state: string }) =>
          key.kid === decodeProtectedHeader(before).kid && key.state === 'published',
      ),
    );
    const retired = await api('POST', '/admin/v1/identity/keys/retire', {
      headers: admin,
      body: { keepHours: 0 },
    });
    assert.ok(retired.body.retired.includes(decodeProtectedHeader(before).kid));
    const published = (await api('GET', '/oidc/jwks')).body.keys.map((key: { kid: string }) => key.kid);
    assert.deepEqual(published, [rotated.body.signing]);
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
}
