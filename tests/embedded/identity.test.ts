// Accounts and API keys through the gateway, in the embedded tier.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { authenticate } from '@canvass/identity';
import { type EmbeddedPlatform, startEmbeddedPlatform } from '@canvass/launcher';
import { IDENTITY_HEADER, signIdentity } from '@canvass/service-kit';
import { sql } from 'kysely';
import { type Api, injectApi } from '../support/api.ts';
import { testMail, tokenIn } from '../support/mail.ts';

const mail = testMail();
let platform: EmbeddedPlatform;
let api: Api;

before(async () => {
  platform = await startEmbeddedPlatform({
    dataDir: 'memory://',
    logLevel: 'silent',
    mail: mail.transport,
    apiKeyCacheMs: 100,
  });
  api = injectApi(platform.gateway);
});
after(() => platform.stop());

const identityDb = () => platform.host.database('identity').kysely;

test('sign-up answers the same for new and known addresses, and verifying the mailed link activates the account', async () => {
  const body = { email: 'Ada@Example.test', password: 'correct horse battery', name: 'Ada' };
  const first = await api('POST', '/api/v1/accounts', { body });
  const second = await api('POST', '/api/v1/accounts', { body: { ...body, password: 'another password!' } });
  assert.equal(first.status, 202);
  assert.deepEqual(second, { ...first, headers: second.headers }, 'no way to tell the two apart');
  const welcome = await mail.next('ada@example.test', /Confirm your email/);
  const warning = await mail.next('ada@example.test', /tried to sign up/);
  assert.doesNotMatch(warning.text, /token=/, 'the note to a known address carries no link to act on');

  assert.deepEqual(await authenticate(identityDb(), 'ada@example.test', 'correct horse battery'), {
    ok: false,
    reason: 'unverified',
  });
  const verified = await api('POST', '/api/v1/accounts/verify', { body: { token: tokenIn(welcome!.text) } });
  assert.equal(verified.status, 200);
  const again = await api('POST', '/api/v1/accounts/verify', { body: { token: tokenIn(welcome!.text) } });
  assert.equal(again.status, 400, 'a link works once');

  const ok = await authenticate(identityDb(), 'ADA@example.test', 'correct horse battery');
  assert.equal(ok.ok, true);
  const wrong = await authenticate(identityDb(), 'ada@example.test', 'wrong password');
  const unknown = await authenticate(identityDb(), 'nobody@example.test', 'wrong password');
  assert.deepEqual(wrong, unknown, 'a wrong password and an unknown address look the same');
});

test('a weak password or a malformed address is refused with the field named', async () => {
  const response = await api('POST', '/api/v1/accounts', {
    body: { email: 'not-an-email', password: 'short', name: 'X' },
  });
  assert.equal(response.status, 400);
  const fields = response.body.errors.map((e: { field: string }) => e.field).sort();
  assert.deepEqual(fields, ['/email', '/password']);
});

test('a name of only spaces is refused with 400 naming the field, not stored as an empty name', async () => {
  for (const name of ['   ', '\t\n', '\u00a0']) {
    const response = await api('POST', '/api/v1/accounts', {
      body: { email: 'blank@example.test', password: 'correct horse battery', name },
    });
    assert.equal(response.status, 400, `${JSON.stringify(name)}: ${JSON.stringify(response.body)}`);
    assert.match(response.headers['content-type'] ?? '', /application\/problem\+json/);
    assert.deepEqual(
      response.body.errors.map((e: { field: string }) => e.field),
      ['/name'],
    );
    assert.equal(response.body.errors[0].message, 'must not be blank');
  }
  const none = await identityDb()
    .selectFrom('users')
    .select('id')
    .where('email', '=', 'blank@example.test')
    .execute();
  assert.deepEqual(none, [], 'no account was made');
});

test('API keys: shown once, scopes enforced, a forged identity ignored, revocation honoured within seconds', async () => {
  // Bootstrap: until the OIDC provider lands, the first key is made as the workspace owner would.
  const owner = await identityDb()
    .selectFrom('memberships')
    .select(['workspace_id', 'user_id'])
    .where('role', '=', 'owner')
    .executeTakeFirstOrThrow();
  const identityApp = platform.runtimes.find((runtime) => runtime.name === 'identity')!.app;

  // A client cannot claim an identity itself: the gateway drops the header.
  const forged = await api('GET', '/api/v1/api-keys', {
    headers: { [IDENTITY_HEADER]: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.forged' },
  });
  assert.equal(forged.status, 401);

  const made = await identityApp.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    headers: {
      [IDENTITY_HEADER]: await signIdentity(platform.internalSecret, {
        subject: owner.user_id,
        kind: 'user',
        workspace: owner.workspace_id,
        role: 'owner',
        // A key gets at most its maker's scopes.
        scopes: ['api-keys:manage', 'polls:read'],
      }),
    },
    payload: { name: 'CI', scopes: ['api-keys:manage', 'polls:read'] },
  });
  assert.equal(made.statusCode, 201, made.body);
  const { key, id } = made.json();
  assert.match(key, /^cvk_[A-Za-z0-9]{16}_[\w-]{43}$/);

  const listed = await api('GET', '/api/v1/api-keys', { headers: { authorization: `Bearer ${key}` } });
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  assert.equal(listed.body[0].id, id);
  assert.equal(listed.body[0].key, undefined, 'the key itself is never shown again');
  assert.ok(listed.body[0].lastUsedAt);

  const reader = await api('POST', '/api/v1/api-keys', {
    headers: { authorization: `Bearer ${key}` },
    body: { name: 'read only', scopes: ['polls:read'] },
  });
  assert.equal(reader.status, 201);
  const denied = await api('GET', '/api/v1/api-keys', {
    headers: { authorization: `Bearer ${reader.body.key}` },
  });
  assert.equal(denied.status, 403, 'a key without api-keys:manage cannot list keys');

  const bogus = await api('GET', '/api/v1/api-keys', {
    headers: { authorization: `Bearer ${key.slice(0, -2)}xx` },
  });
  assert.equal(bogus.status, 401);

  const revoked = await api('DELETE', `/api/v1/api-keys/${id}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  assert.equal(revoked.status, 204);
  await new Promise((resolve) => setTimeout(resolve, 150));
  const after = await api('GET', '/api/v1/api-keys', { headers: { authorization: `Bearer ${key}` } });
  assert.equal(after.status, 401, 'a revoked key stops working once the short cache expires');
});

test('password change, reset by mail, and account deletion (refused while sole owner of a shared workspace)', async () => {
  const db = identityDb();
  const identityApp = platform.runtimes.find((runtime) => runtime.name === 'identity')!.app;
  const signUp = async (email: string) => {
    await api('POST', '/api/v1/accounts', { body: { email, password: 'first password!', name: email } });
    await api('POST', '/api/v1/accounts/verify', {
      body: { token: await mail.token(email, /Confirm your email/) },
    });
    return db
      .selectFrom('users')
      .innerJoin('memberships', 'memberships.user_id', 'users.id')
      .select(['users.id', 'memberships.workspace_id'])
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
  };
  const as = async (user: { id: string; workspace_id: string }) => ({
    [IDENTITY_HEADER]: await signIdentity(platform.internalSecret, {
      subject: user.id,
      kind: 'user',
      workspace: user.workspace_id,
      role: 'owner',
      scopes: [],
    }),
  });
  const carol = await signUp('carol@example.test');

  const wrong = await identityApp.inject({
    method: 'POST',
    url: '/api/v1/account/password',
    headers: await as(carol),
    payload: { currentPassword: 'nope', newPassword: 'second password!' },
  });
  assert.equal(wrong.statusCode, 403);
  const changed = await identityApp.inject({
    method: 'POST',
    url: '/api/v1/account/password',
    headers: await as(carol),
    payload: { currentPassword: 'first password!', newPassword: 'second password!' },
  });
  assert.equal(changed.statusCode, 204);
  assert.equal((await authenticate(db, 'carol@example.test', 'second password!')).ok, true);

  const known = await api('POST', '/api/v1/account/password-reset', {
    body: { email: 'carol@example.test' },
  });
  const unknown = await api('POST', '/api/v1/account/password-reset', {
    body: { email: 'nobody-here@example.test' },
  });
  assert.equal(known.status, 202);
  assert.deepEqual(known.body, unknown.body);
  const resetMail = await mail.next('carol@example.test', /Reset your/);
  assert.match(resetMail.subject, /Reset/);
  const reset = await api('POST', '/api/v1/account/password-reset/confirm', {
    body: { token: tokenIn(resetMail.text), newPassword: 'third password!!' },
  });
  assert.equal(reset.status, 204);
  assert.equal((await authenticate(db, 'carol@example.test', 'third password!!')).ok, true);
  assert.equal((await authenticate(db, 'carol@example.test', 'second password!')).ok, false);

  // Dave joins Carol's workspace; Carol, its only owner, cannot leave it ownerless.
  const dave = await signUp('dave@example.test');
  await db
    .insertInto('memberships')
    .values({ workspace_id: carol.workspace_id, user_id: dave.id, role: 'editor' })
    .execute();
  const refused = await identityApp.inject({
    method: 'DELETE',
    url: '/api/v1/account',
    headers: await as(carol),
    payload: { password: 'third password!!' },
  });
  assert.equal(refused.statusCode, 409);
  assert.equal(refused.json().type, '/problems/sole-owner');

  // Dave's own workspace has only him: deleting his account deletes it too.
  const deleted = await identityApp.inject({
    method: 'DELETE',
    url: '/api/v1/account',
    headers: await as(dave),
    payload: { password: 'first password!' },
  });
  assert.equal(deleted.statusCode, 204);
  assert.equal(
    await db.selectFrom('workspaces').select('id').where('id', '=', dave.workspace_id).executeTakeFirst(),
    undefined,
  );
  assert.ok(
    await db.selectFrom('workspaces').select('id').where('id', '=', carol.workspace_id).executeTakeFirst(),
    'shared workspace stays',
  );
  assert.equal((await authenticate(db, 'dave@example.test', 'first password!')).ok, false);
  const again = await api('POST', '/api/v1/accounts', {
    body: { email: 'dave@example.test', password: 'a new beginning!', name: 'Dave' },
  });
  assert.equal(again.status, 202);
  await mail.next('dave@example.test', /Confirm your email/);
});

test('starting a workspace makes the caller its owner and publishes both events through the outbox', async () => {
  const db = identityDb();
  const identityApp = platform.runtimes.find((runtime) => runtime.name === 'identity')!.app;
  await api('POST', '/api/v1/accounts', {
    body: { email: 'erin@example.test', password: 'first password!', name: 'Erin' },
  });
  const erin = await db
    .selectFrom('users')
    .innerJoin('memberships', 'memberships.user_id', 'users.id')
    .select(['users.id', 'memberships.workspace_id'])
    .where('email', '=', 'erin@example.test')
    .executeTakeFirstOrThrow();
  const as = async (kind: 'user' | 'api-key') => ({
    [IDENTITY_HEADER]: await signIdentity(platform.internalSecret, {
      subject: kind === 'user' ? erin.id : 'api-key:k1',
      kind,
      workspace: erin.workspace_id,
      role: 'owner',
      scopes: [],
    }),
  });
  const started = await identityApp.inject({
    method: 'POST',
    url: '/api/v1/workspaces',
    headers: await as('user'),
    payload: { name: 'Erin Two' },
  });
  assert.equal(started.statusCode, 201, started.body);
  const workspace = started.json();
  assert.deepEqual(workspace, { id: workspace.id, name: 'Erin Two', role: 'owner', plan: 'free' });

  // Written with the workspace, in its transaction: there by the time the answer is.
  const events = (
    await sql<{ type: string; event: { data: Record<string, unknown> } }>`
      select type, event from outbox where event->>'subject' = ${workspace.id} order by seq`.execute(db)
  ).rows;
  assert.deepEqual(
    events.map((row) => [row.type, row.event.data.workspaceId]),
    [
      ['identity.workspace.created.v1', workspace.id],
      ['identity.member.changed.v1', workspace.id],
    ],
  );
  assert.equal(events[0]!.event.data.ownerId, erin.id);
  assert.equal(events[1]!.event.data.role, 'owner');

  const listed = await identityApp.inject({
    method: 'GET',
    url: '/api/v1/workspaces',
    headers: await as('user'),
  });
  assert.deepEqual(
    listed.json().map((w: { id: string; role: string }) => [w.id, w.role]),
    [
      [erin.workspace_id, 'owner'],
      [workspace.id, 'owner'],
    ],
  );
  for (const method of ['GET', 'POST'] as const) {
    const refused = await identityApp.inject({
      method,
      url: '/api/v1/workspaces',
      headers: await as('api-key'),
      ...(method === 'POST' ? { payload: { name: 'Robots' } } : {}),
    });
    assert.equal(refused.statusCode, 403);
    assert.match(refused.json().detail, /signed-in users, not with API keys/);
  }
});
