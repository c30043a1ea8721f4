// What held up when the public API was reviewed against the OWASP API Security Top 10 (2023), kept
// held: another workspace's polls, keys and members are out of reach (API1, BOLA); forged access
// tokens are refused (API2: alg none, HS256 keyed with the public key, jku/jwk/x5u headers, kid
// injection); an internal identity header sent from outside counts for nothing (API2/API5); extra
// fields cannot assign a workspace, role or plan (API3, mass assignment); the OAuth provider
// redirects only to registered URIs; and each role reaches exactly its routes (API5). Every refusal
// is checked beside a control that shows the same request succeeding for whoever may make it, and
// refusals are checked for the data they must not carry, so each check fails if the guard goes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALL_SCOPES, IDENTITY_HEADER, signIdentity } from '@canvass/service-kit';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { eventually } from '../support/api.ts';
import {
  attackerKey,
  authorizationRequest,
  b64,
  codeExchange,
  forgedAccessTokens,
  forgedRedirectUris,
  hs256,
  pkceChallenge,
  signedInCode,
  startKeyServer,
} from '../support/fuzz-forgery.ts';
import { type Person, useSecurityPlatform } from '../support/fuzz-platform.ts';
import { machineWorkspace, refused, refusedOrIgnored } from '../support/fuzz-refusals.ts';
import { type TwoWorkspaces, twoWorkspaces } from '../support/fuzz-workspaces.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back.
type Json = any;

const security = useSecurityPlatform();
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let alice: Person; // owns workspace A
let bob: Person; // owns workspace B: what Alice must not reach
let aliceKey: string;
let bobKey: { id: string; key: string };
let bobPoll: { id: string; options: { id: string }[] };
let bobText: { id: string; voteId: string };

// Made by the first test that runs (root-level before hooks do not wait for each other, and this
// needs the platform's).
let made: Promise<TwoWorkspaces> | undefined;
const setUp = () => {
  made ??= twoWorkspaces(security()).then(
    (two) => ({ alice, bob, aliceKey, bobKey, bobPoll, bobText } = two),
  );
  return made;
};

test("API1 BOLA: another workspace's polls, results, answers, keys and members are out of reach", async () => {
  await setUp();
  const { api } = security();
  // Control: Bob reaches all of it.
  const asBob = bearer(bob.token);
  assert.ok(
    (await api('GET', '/api/v1/polls', { headers: asBob })).body.polls.some((p: Json) => p.id === bobPoll.id),
  );
  assert.equal(
    (await api('GET', `/api/v1/polls/${bobPoll.id}`, { headers: asBob })).body.accessCode,
    'bobs-code-42',
  );
  assert.equal((await api('GET', `/api/v1/polls/${bobPoll.id}/history`, { headers: asBob })).status, 200);
  assert.equal((await api('GET', `/api/v1/polls/${bobPoll.id}/export`, { headers: asBob })).status, 200);
  await eventually(async () =>
    assert.equal((await api('GET', `/api/v1/polls/${bobPoll.id}/results`, { headers: asBob })).status, 200),
  );
  assert.equal((await api('GET', `/api/v1/polls/${bobText.id}/answers`, { headers: asBob })).status, 200);

  for (const [who, headers] of [
    ['alice (token)', bearer(alice.token)],
    ['alice (API key)', bearer(aliceKey)],
  ] as const) {
    const polls = await api('GET', '/api/v1/polls', { headers });
    assert.equal(polls.status, 200);
    assert.ok(!polls.body.polls.some((p: Json) => p.id === bobPoll.id), `${who}: not in the list`);
    const read = await api('GET', `/api/v1/polls/${bobPoll.id}`, { headers });
    assert.equal(read.status, 200, 'what a voter needs is public');
    assert.equal(read.body.accessCode, undefined, `${who}: no access code`);
    const changes: [string, string, object?][] = [
      ['PATCH', `/api/v1/polls/${bobPoll.id}`, { question: 'Taken over' }],
      ['POST', `/api/v1/polls/${bobPoll.id}/close`],
      ['GET', `/api/v1/polls/${bobPoll.id}/history`],
      ['GET', `/api/v1/polls/${bobPoll.id}/export?format=json`],
      ['GET', `/api/v1/polls/${bobText.id}/answers`],
      ['POST', `/api/v1/polls/${bobText.id}/answers/${bobText.voteId}`, { decision: 'rejected' }],
      ['GET', `/api/v1/polls/${bobPoll.id}/results`],
      ['DELETE', `/api/v1/api-keys/${bobKey.id}`],
      ['PATCH', `/api/v1/members/${bob.userId}`, { role: 'viewer' }],
      ['DELETE', `/api/v1/members/${bob.userId}`],
    ];
    for (const [method, url, body] of changes) {
      const response = await api(method, url, { headers, ...(body ? { body } : {}) });
      refused(response, [403, 404], `${who}: ${method} ${url}`);
    }
    const keys = await api('GET', '/api/v1/api-keys', { headers });
    assert.equal(keys.status, 200);
    assert.ok(!keys.body.some((key: Json) => key.id === bobKey.id), `${who}: not Bob's keys`);
    const members = await api('GET', '/api/v1/members', { headers });
    assert.equal(members.status, 200);
    assert.ok(!members.body.some((member: Json) => member.userId === bob.userId), `${who}: not Bob`);
  }

  // Nothing of Bob's changed.
  const after = await api('GET', `/api/v1/polls/${bobPoll.id}`, { headers: asBob });
  assert.equal(after.body.question, "Bob's secret poll?");
  assert.equal(after.body.status, 'open');
  const keys = await api('GET', '/api/v1/api-keys', { headers: bearer(bobKey.key) });
  assert.equal(keys.status, 200, "Bob's key still works");
  assert.equal(keys.body.find((key: Json) => key.id === bobKey.id).revokedAt, null);
  const members = await api('GET', '/api/v1/members', { headers: asBob });
  assert.deepEqual(
    members.body.map((member: Json) => [member.userId, member.role]),
    [[bob.userId, 'owner']],
  );
  const pending = await api('GET', `/api/v1/polls/${bobText.id}/answers`, { headers: asBob });
  assert.deepEqual(
    pending.body.answers.map((answer: Json) => answer.voteId),
    [bobText.voteId],
    'still waiting for Bob',
  );
  // And no token for Bob's workspace can be had by Alice.
  await assert.rejects(alice.tokenFor(bob.home), (error: { error?: string }) =>
    ['invalid_request', 'invalid_grant'].includes(error.error ?? ''),
  );
});

test('API2 token forgery: alg none, HS256 keyed with the public key, jku/jwk/x5u headers and kid injection are refused', async () => {
  await setUp();
  const { api, platform } = security();
  const kid = decodeProtectedHeader(alice.token).kid;
  const published = ((await api('GET', '/oidc/jwks')).body.keys as Json[]).find((key) => key.kid === kid);
  assert.ok(published, 'the signing key is published');
  const attacker = attackerKey();
  const keyServer = await startKeyServer([attacker.jwk]);
  // What a forger wants: to be Bob, owner of workspace B.
  const claims = {
    ...decodeJwt(alice.token),
    sub: bob.userId,
    workspace: bob.home,
    role: 'owner',
    exp: Math.floor(Date.now() / 1000) + 600,
  };
  const forgeries = forgedAccessTokens({
    claims,
    published,
    attacker,
    keyUrl: keyServer.url,
    internalSecret: platform.internalSecret,
  });
  try {
    // Control: the real token is let in, so the refusals below are the forgeries' doing.
    assert.equal((await api('GET', '/api/v1/api-keys', { headers: bearer(alice.token) })).status, 200);
    for (const { what, token, wellFormed } of forgeries) {
      await wellFormed();
      for (const route of ['/api/v1/api-keys', '/api/v1/members']) {
        const response = await api('GET', route, { headers: bearer(token) });
        refused(response, [401], `${what}: ${route}`);
        assert.equal(response.body.type, '/problems/invalid-token', what);
      }
    }
    assert.equal(keyServer.fetched(), 0, 'no key was fetched from a URL a token named');
  } finally {
    await keyServer.close();
  }
});

test('API2/API5 an internal identity header sent from outside the gateway counts for nothing', async () => {
  await setUp();
  const { api, platform } = security();
  const asBobOwner = {
    subject: bob.userId,
    kind: 'user' as const,
    workspace: bob.home,
    role: 'owner' as const,
    scopes: ALL_SCOPES,
  };
  const genuine = await signIdentity(platform.internalSecret, asBobOwner);
  // Control: the header is potent where it is meant to arrive (a service, behind the gateway).
  const identityApp = platform.runtimes.find((runtime) => runtime.name === 'identity')!.app;
  const direct = await identityApp.inject({
    method: 'GET',
    url: '/api/v1/api-keys',
    headers: { [IDENTITY_HEADER]: genuine },
  });
  assert.equal(direct.statusCode, 200);
  assert.ok(direct.json().some((key: Json) => key.id === bobKey.id));
  const analyticsApp = platform.runtimes.find((runtime) => runtime.name === 'analytics')!.app;
  await eventually(async () => {
    const results = await analyticsApp.inject({
      method: 'GET',
      url: `/api/v1/polls/${bobPoll.id}/results`,
      headers: { [IDENTITY_HEADER]: genuine },
    });
    assert.equal(results.statusCode, 200);
  });

  const forged = [
    ['signed with the real secret', genuine],
    ['signed with "secret"', await signIdentity('secret', asBobOwner)],
    ['signed with "changeme"', await signIdentity('changeme', asBobOwner)],
    [
      'signed with an empty key',
      hs256({ alg: 'HS256' }, { sub: bob.userId, ws: bob.home, scp: ALL_SCOPES, iss: 'canvass-gateway' }, ''),
    ],
    [
      'alg none',
      `${b64({ alg: 'none' })}.${b64({ sub: bob.userId, ws: bob.home, scp: ALL_SCOPES, iss: 'canvass-gateway' })}.`,
    ],
  ] as const;
  const narrowKey = await api('POST', '/api/v1/api-keys', {
    headers: bearer(alice.token),
    body: { name: 'reader', scopes: ['polls:read'] },
  });
  assert.equal(narrowKey.status, 201);
  for (const [what, header] of forged) {
    for (const [route, anonymous] of [
      ['/api/v1/api-keys', 401],
      ['/api/v1/members', 401],
    ] as const) {
      refused(
        await api('GET', route, { headers: { [IDENTITY_HEADER]: header } }),
        [anonymous],
        `${what}: ${route}`,
      );
      // Beside real credentials, the caller's own identity stands: a reader may not list keys.
      refused(
        await api('GET', route, { headers: { [IDENTITY_HEADER]: header, ...bearer(narrowKey.body.key) } }),
        [403],
        `${what} with a reader key: ${route}`,
      );
    }
    refused(
      await api('GET', `/api/v1/polls/${bobPoll.id}/results`, { headers: { [IDENTITY_HEADER]: header } }),
      [403],
      `${what}: hidden results`,
    );
    refused(
      await api('GET', `/api/v1/polls/${bobPoll.id}/history`, { headers: { [IDENTITY_HEADER]: header } }),
      [401],
      `${what}: history`,
    );
    const page = await api('GET', `/api/v1/polls/${bobPoll.id}/page`, {
      headers: { [IDENTITY_HEADER]: header },
    });
    assert.equal(page.status, 200);
    assert.equal(page.body.results, null, `${what}: the page shows no results`);
    assert.equal(page.body.resultsUnavailable?.status, 403, `${what}: the page says why`);
    assert.equal(page.body.poll.accessCode, undefined, `${what}: no access code on the page`);
    // Creating a poll with the header makes a guest poll, not one in Bob's workspace.
    const created = await api('POST', '/api/v1/polls', {
      headers: { [IDENTITY_HEADER]: header },
      body: { question: `Forged (${what})?`, options: [{ label: 'A' }, { label: 'B' }] },
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.workspaceId ?? null, null, what);
    assert.ok(created.body.manageToken, `${what}: a guest poll`);
  }
  const bobs = await api('GET', '/api/v1/polls?limit=100', { headers: bearer(bob.token) });
  assert.ok(!bobs.body.polls.some((poll: Json) => String(poll.question).startsWith('Forged')));
  // The internal key check is not reachable through the gateway, whatever headers come with it.
  const verify = await api('POST', '/internal/v1/api-keys/verify', {
    headers: { 'x-canvass-internal': platform.internalSecret },
    body: { key: bobKey.key },
  });
  refused(verify, [404], 'the internal route');
  assert.equal(verify.body.valid, undefined);
});

test('API3 mass assignment: extra fields cannot pick a workspace, an owner, a role, a plan or an id', async () => {
  await setUp();
  const { api, base, platform } = security();
  const asAlice = bearer(alice.token);
  const identityDb = platform.host.database('identity').kysely;
  const options = [{ label: 'A' }, { label: 'B' }];
  for (const [field, value] of [
    ['workspaceId', bob.home],
    ['workspace', bob.home],
    ['ownerId', bob.userId],
    ['id', 'chosen-by-the-client'],
    ['manageTokenHash', 'x'],
    ['createdAt', '2000-01-01T00:00:00.000Z'],
  ] as const) {
    const created = await api('POST', '/api/v1/polls', {
      headers: asAlice,
      body: { question: `Mass ${field}?`, options, [field]: value },
    });
    await refusedOrIgnored(created, `a poll with ${field}`, (poll) => {
      assert.equal(poll.workspaceId, alice.home);
      assert.notEqual(poll.id, 'chosen-by-the-client');
    });
    const guest = await api('POST', '/api/v1/polls', {
      body: { question: `Mass ${field}?`, options, [field]: value },
    });
    await refusedOrIgnored(guest, `a guest poll with ${field}`, (poll) => {
      assert.equal(poll.workspaceId ?? null, null);
      assert.ok(poll.manageToken);
    });
  }
  const own = await api('POST', '/api/v1/polls', { headers: asAlice, body: { question: 'Mine?', options } });
  assert.equal(own.status, 201);
  const edited = await api('PATCH', `/api/v1/polls/${own.body.id}`, {
    headers: asAlice,
    body: { question: 'Moved?', workspaceId: bob.home },
  });
  await refusedOrIgnored(edited, 'an edit with workspaceId', (poll) =>
    assert.equal(poll.workspaceId, alice.home),
  );
  const bobsPolls = await api('GET', '/api/v1/polls?limit=100', { headers: bearer(bob.token) });
  assert.deepEqual(
    bobsPolls.body.polls.map((poll: Json) => poll.id),
    [bobText.id, bobPoll.id],
    "Bob's workspace has only Bob's polls",
  );

  for (const [field, value] of [
    ['workspaceId', bob.home],
    ['workspace', bob.home],
    ['workspace_id', bob.home],
    ['createdBy', bob.userId],
  ] as const) {
    const key = await api('POST', '/api/v1/api-keys', {
      headers: asAlice,
      body: { name: `mass ${field}`, scopes: ['polls:read'], [field]: value },
    });
    await refusedOrIgnored(key, `an API key with ${field}`, async (made) => {
      const polls = await api('GET', '/api/v1/polls', { headers: bearer(made.key) });
      assert.ok(polls.body.polls.every((poll: Json) => poll.workspaceId === alice.home));
    });
    const machine = await api('POST', '/api/v1/oauth-clients', {
      headers: asAlice,
      body: { name: `mass ${field}`, scopes: ['polls:read'], [field]: value },
    });
    await refusedOrIgnored(machine, `a machine client with ${field}`, async (made) =>
      assert.equal(await machineWorkspace(base, made.clientId, made.clientSecret), alice.home),
    );
  }
  const bobsKeys = await api('GET', '/api/v1/api-keys', { headers: bearer(bob.token) });
  assert.deepEqual(
    bobsKeys.body.map((key: Json) => key.id),
    [bobKey.id],
  );

  const email = `mallory-${crypto.randomUUID().slice(0, 8)}@example.test`;
  const signUp = await api('POST', '/api/v1/accounts', {
    body: {
      email,
      password: 'a long enough password',
      name: 'Mallory',
      role: 'owner',
      workspaceId: bob.home,
      emailVerified: true,
    },
  });
  await refusedOrIgnored(signUp, 'a sign-up with role, workspace and verified flag', () => undefined);
  const mallory = await identityDb
    .selectFrom('users')
    .leftJoin('memberships', 'memberships.user_id', 'users.id')
    .select(['users.email_verified_at', 'memberships.workspace_id', 'memberships.role'])
    .where('users.email', '=', email)
    .execute();
  for (const row of mallory) {
    assert.equal(row.email_verified_at, null, 'not verified by asking');
    assert.notEqual(row.workspace_id, bob.home, "not in Bob's workspace");
  }

  for (const [field, value] of [
    ['plan', 'enterprise'],
    ['role', 'viewer'],
    ['ownerId', bob.userId],
    ['id', bob.home],
  ] as const) {
    const started = await api('POST', '/api/v1/workspaces', {
      headers: asAlice,
      body: { name: `Mass ${field}`, [field]: value },
    });
    await refusedOrIgnored(started, `a workspace with ${field}`, (workspace) => {
      assert.equal(workspace.plan, 'free');
      assert.equal(workspace.role, 'owner');
      assert.notEqual(workspace.id, bob.home);
    });
  }
  const bobsWorkspaces = await api('GET', '/api/v1/workspaces', { headers: bearer(bob.token) });
  assert.deepEqual(
    bobsWorkspaces.body.map((workspace: Json) => [workspace.id, workspace.role, workspace.plan]),
    // Business is what billing gave it (twoWorkspaces); 'enterprise' above was refused or ignored.
    [[bob.home, 'owner', 'business']],
  );

  const invitation = await api('POST', '/api/v1/invitations', {
    headers: asAlice,
    body: { role: 'viewer', workspaceId: bob.home },
  });
  await refusedOrIgnored(invitation, 'an invitation with workspaceId', async (made) => {
    const row = await identityDb
      .selectFrom('invitations')
      .select('workspace_id')
      .where('id', '=', made.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.workspace_id, alice.home);
  });
  const vote = await api('POST', `/api/v1/polls/${own.body.id}/votes`, {
    headers: { 'voter-token': `mass-${crypto.randomUUID()}` },
    body: { optionIds: [own.body.options[0].id], receiptId: 'chosen-by-the-client', voterHash: 'x' },
  });
  await refusedOrIgnored(vote, 'a vote with receiptId', (made) =>
    assert.notEqual(made.receiptId, 'chosen-by-the-client'),
  );
});

test('OAuth: the provider sends codes only to the registered callback, and a code works only there', async () => {
  await setUp();
  const { base } = security();
  const challenge = pkceChallenge();
  const authorize = (redirectUri: string) => authorizationRequest(base, redirectUri, challenge);
  const registered = `${base}/auth/callback`;
  // Control: the registered callback starts a sign-in.
  const control = await authorize(registered);
  assert.ok(control.status >= 300 && control.status < 400, `${control.status}`);
  assert.match(control.headers.get('location') ?? '', /\/interaction\//);
  for (const redirectUri of forgedRedirectUris(base, registered)) {
    const response = await authorize(redirectUri);
    const page = await response.text();
    assert.equal(response.headers.get('location'), null, `no redirect to ${redirectUri}`);
    assert.equal(response.status, 400, redirectUri);
    assert.doesNotMatch(
      page,
      /(href|action|url)=["']?(https?:|javascript:|data:|\/\/)[^"']*evil/i,
      redirectUri,
    );
  }
  const logout = await fetch(
    `${base}/oidc/session/end?${new URLSearchParams({ client_id: 'canvass-web', post_logout_redirect_uri: 'https://evil.example/' })}`,
    { redirect: 'manual' },
  );
  assert.equal(logout.headers.get('location'), null, 'no redirect after sign-out to an unregistered URI');
  assert.equal(logout.status, 400);

  // A code is bound to the redirect URI it was issued for.
  const dave = await security().person('Dave');
  const codeFor = () => signedInCode(base, dave);
  const exchange = (redirectUri: string, code: { code: string; verifier: string }) =>
    codeExchange(base, redirectUri, code);
  const stolen = await exchange('https://evil.example/auth/callback', await codeFor());
  const stolenBody = (await stolen.json()) as Json;
  assert.equal(stolen.status, 400);
  assert.equal(stolenBody.error, 'invalid_grant');
  assert.equal(stolenBody.access_token, undefined);
  // Control: a code exchanged at the registered callback gets tokens.
  const good = await exchange(registered, await codeFor());
  assert.equal(good.status, 200);
  assert.equal(decodeJwt(((await good.json()) as Json).access_token).sub, dave.userId);
});

type Role = 'viewer' | 'editor' | 'admin' | 'owner';
const ROLES: readonly Role[] = ['viewer', 'editor', 'admin', 'owner'];

test('API5 roles: viewer, editor, admin and owner each reach exactly their routes; a key exactly its scopes', async () => {
  await setUp();
  const { api } = security();
  const asAlice = bearer(alice.token);
  const carol = await security().person('Carol');
  const invited = await api('POST', '/api/v1/invitations', { headers: asAlice, body: { role: 'viewer' } });
  assert.equal(invited.status, 201);
  const joined = await api('POST', '/api/v1/invitations/accept', {
    headers: bearer(carol.token),
    body: { token: new URL(invited.body.link).searchParams.get('token') },
  });
  assert.equal(joined.status, 200);
  const tokens = { owner: alice.token } as Record<Role, string>;
  for (const role of ['viewer', 'editor', 'admin'] as const) {
    if (role !== 'viewer') {
      const changed = await api('PATCH', `/api/v1/members/${carol.userId}`, {
        headers: asAlice,
        body: { role },
      });
      assert.equal(changed.status, 200);
    }
    tokens[role] = await carol.tokenFor(alice.home);
  }
  for (const role of ROLES) assert.equal(decodeJwt(tokens[role]).role, role);

  const poll = await api('POST', '/api/v1/polls', {
    headers: asAlice,
    body: {
      question: 'Roles?',
      options: [{ label: 'A' }, { label: 'B' }],
      settings: { resultsVisibility: 'hidden' },
    },
  });
  assert.equal(poll.status, 201);
  await api('POST', `/api/v1/polls/${poll.body.id}/votes`, {
    headers: { 'voter-token': `roles-${crypto.randomUUID()}` },
    body: { optionIds: [poll.body.options[0].id] },
  });
  await eventually(async () =>
    assert.equal(
      (await api('GET', `/api/v1/polls/${poll.body.id}/results`, { headers: asAlice })).status,
      200,
    ),
  );

  // What each role gets, in the order viewer, editor, admin, owner.
  const edit = { question: 'Roles, edited?' };
  const newPoll = { question: 'By role?', options: [{ label: 'A' }, { label: 'B' }] };
  const credential = { name: 'k', scopes: ['polls:read'] };
  const matrix: [string, string, object | undefined, string][] = [
    ['list members', 'GET /api/v1/members', undefined, '403 403 200 200'],
    ['list API keys', 'GET /api/v1/api-keys', undefined, '403 403 200 200'],
    ['create an API key', 'POST /api/v1/api-keys', credential, '403 403 201 201'],
    ['register a machine client', 'POST /api/v1/oauth-clients', credential, '403 403 201 201'],
    ['invite a viewer', 'POST /api/v1/invitations', { role: 'viewer' }, '403 403 201 201'],
    ['invite an owner', 'POST /api/v1/invitations', { role: 'owner' }, '403 403 403 201'],
    ['demote the owner', `PATCH /api/v1/members/${alice.userId}`, { role: 'viewer' }, '403 403 403 409'],
    ['remove the owner', `DELETE /api/v1/members/${alice.userId}`, undefined, '403 403 403 409'],
    ['list polls', 'GET /api/v1/polls', undefined, '200 200 200 200'],
    ['create a poll', 'POST /api/v1/polls', newPoll, '403 201 201 201'],
    ['edit a poll', 'PATCH /api/v1/polls/POLL', edit, '403 200 200 200'],
    ['read its history', 'GET /api/v1/polls/POLL/history', undefined, '403 200 200 200'],
    ['export its votes', 'GET /api/v1/polls/POLL/export?format=json', undefined, '403 200 200 200'],
    ['see its hidden results', 'GET /api/v1/polls/POLL/results', undefined, '200 200 200 200'],
  ];
  for (const [what, route, body, statuses] of matrix) {
    const [method, url] = route.replace('POLL', poll.body.id).split(' ') as [string, string];
    for (const [i, role] of ROLES.entries()) {
      const expected = Number(statuses.split(' ')[i]);
      const response = await api(method, url, { headers: bearer(tokens[role]), ...(body ? { body } : {}) });
      if (expected < 300)
        assert.equal(response.status, expected, `${role}: ${what}: ${JSON.stringify(response.body)}`);
      else refused(response, [expected], `${role}: ${what}`);
    }
  }
  const members = await api('GET', '/api/v1/members', { headers: asAlice });
  assert.deepEqual(
    members.body.map((member: Json) => [member.userId, member.role]),
    [
      [alice.userId, 'owner'],
      [carol.userId, 'admin'],
    ],
    'nobody was demoted or removed on the way',
  );

  // An API key does what its scopes say, whoever made it.
  const keyWith = async (scopes: readonly string[]) => {
    const made = await api('POST', '/api/v1/api-keys', {
      headers: asAlice,
      body: { name: 'scoped', scopes },
    });
    assert.equal(made.status, 201);
    return bearer(made.body.key);
  };
  const reader = await keyWith(['polls:read']);
  assert.equal((await api('GET', '/api/v1/polls', { headers: reader })).status, 200);
  refused(
    await api('POST', '/api/v1/polls', {
      headers: reader,
      body: { question: 'Key?', options: [{ label: 'A' }, { label: 'B' }] },
    }),
    [403],
    'a reader key creates no poll',
  );
  refused(await api('GET', '/api/v1/api-keys', { headers: reader }), [403], 'a reader key lists no keys');
  refused(await api('GET', '/api/v1/members', { headers: reader }), [403], 'a reader key lists no members');
  refused(
    await api('GET', `/api/v1/polls/${poll.body.id}/results`, { headers: reader }),
    [403],
    'a reader key sees no hidden results',
  );
  refused(
    await api('GET', '/api/v1/workspaces', { headers: await keyWith(ALL_SCOPES) }),
    [403],
    'workspaces are for people',
  );
  assert.equal(
    (await api('GET', `/api/v1/polls/${poll.body.id}/results`, { headers: await keyWith(['results:read']) }))
      .status,
    200,
  );

  // Removed, Carol gets no new token for the workspace.
  assert.equal((await api('DELETE', `/api/v1/members/${carol.userId}`, { headers: asAlice })).status, 204);
  await assert.rejects(carol.tokenFor(alice.home), (error: { error?: string }) =>
    ['invalid_request', 'invalid_grant'].includes(error.error ?? ''),
  );
});
