// Plans' quotas, enforced by each service from its own projection of billing's
// `billing.entitlements.changed.v1` (docs/architecture.md, "Entitlements"): open polls, members,
// API keys and webhook endpoints are refused with the `quota-exceeded` problem until an upgrade
// arrives; an older version arriving late changes nothing; the gateway's per-workspace rate limit
// follows the event even for a credential it verified before; votes are never refused.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PLANS, type PlanId, type Quotas } from '@canvass/contracts';
import { type EmbeddedPlatform, startEmbeddedPlatform } from '@canvass/launcher';
import { ALL_SCOPES, entitlementsChanged, IDENTITY_HEADER, signIdentity } from '@canvass/service-kit';
import { type Api, type ApiResponse, eventually, injectApi } from '../support/api.ts';
import { ownerApiKey } from '../support/api-keys.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back.
type Json = any;

/** The free tier's workspace limit here: low enough to reach in a test. */
const FREE_REQUESTS = 20;
let platform: EmbeddedPlatform;
let api: Api;

before(async () => {
  platform = await startEmbeddedPlatform({
    dataDir: 'memory://',
    logLevel: 'silent',
    // A verified key is trusted for a minute: its `plan` stays what it was when first verified.
    apiKeyCacheMs: 60_000,
    rateLimits: {
      perWorkspace: {
        free: { points: FREE_REQUESTS, windowSeconds: 60 },
        pro: { points: 30_000, windowSeconds: 60 },
        business: { points: 300_000, windowSeconds: 60 },
      },
    },
  });
  api = injectApi(platform.gateway);
});
after(() => platform.stop());

/** What billing would publish: the workspace's entitlements at `version`. */
async function entitle(workspaceId: string, version: number, plan: PlanId, quotas: Partial<Quotas> = {}) {
  await platform.bus.publish([
    entitlementsChanged({ workspaceId, plan, version, quotas: { ...PLANS[plan].quotas, ...quotas } }),
  ]);
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

function assertQuotaProblem(response: ApiResponse, quota: string, limit: number, plan = 'free') {
  assert.equal(response.status, 403, JSON.stringify(response.body));
  assert.match(response.headers['content-type'] ?? '', /^application\/problem\+json/);
  assert.equal(response.body.type, '/problems/quota-exceeded');
  assert.equal(response.body.quota, quota);
  assert.equal(response.body.limit, limit);
  assert.equal(response.body.plan, plan);
  assert.equal(response.body.upgrade.url, '/app/billing');
}

/** A signed-up owner and their workspace, acting straight at a service (as the gateway would forward). */
async function owner() {
  const { key, workspace, userId } = await ownerApiKey(platform, api, ALL_SCOPES);
  const identity = await signIdentity(platform.internalSecret, {
    subject: userId,
    kind: 'user',
    workspace,
    role: 'owner',
    scopes: ALL_SCOPES,
  });
  const app = (name: string) => platform.runtimes.find((runtime) => runtime.name === name)!.app;
  return {
    key,
    workspace,
    userId,
    async call(service: string, method: string, url: string, body?: unknown): Promise<ApiResponse> {
      const response = await app(service).inject({
        method: method as 'GET',
        url,
        headers: {
          [IDENTITY_HEADER]: identity,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      });
      return {
        status: response.statusCode,
        headers: Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, String(v)])),
        body: response.body ? JSON.parse(response.body) : undefined,
      };
    },
  };
}

const poll = (question: string, extra: Record<string, unknown> = {}) => ({
  question,
  options: [{ label: 'Yes' }, { label: 'No' }],
  ...extra,
});

test('a free workspace gets 3 open polls: the 4th is refused with the quota problem; after an upgrade it opens, and a late older version does not step back', async () => {
  const ada = await owner();
  const create = (question: string, extra?: Record<string, unknown>) =>
    api('POST', '/api/v1/polls', { headers: bearer(ada.key), body: poll(question, extra) });
  const open: string[] = [];
  for (const question of ['One?', 'Two?', 'Three?']) {
    const created = await create(question);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    open.push(created.body.id);
  }

  const fourth = await create('Four?');
  assertQuotaProblem(fourth, 'openPolls', 3);
  assert.equal(fourth.body.title, 'Your plan allows 3 open polls');
  assert.match(
    fourth.body.detail,
    /^Close one of your open polls, or create this one as a draft, or upgrade to Pro for 50 open polls\.$/,
  );
  assert.deepEqual(fourth.body.upgrade.plans, ['pro', 'business']);

  // A draft is not open; opening it is refused the same way.
  const draft = await create('Draft?', { status: 'draft' });
  assert.equal(draft.status, 201);
  assertQuotaProblem(
    await api('POST', `/api/v1/polls/${draft.body.id}/open`, { headers: bearer(ada.key) }),
    'openPolls',
    3,
  );
  // Guest polls have no workspace and no quota.
  assert.equal((await api('POST', '/api/v1/polls', { body: poll('Guest?') })).status, 201);
  // Closing one frees its place.
  assert.equal(
    (await api('POST', `/api/v1/polls/${open[0]}/close`, { headers: bearer(ada.key) })).status,
    200,
  );
  const reopened = await api('POST', `/api/v1/polls/${draft.body.id}/open`, { headers: bearer(ada.key) });
  assert.equal(reopened.status, 200, JSON.stringify(reopened.body));
  assert.equal(reopened.body.status, 'open');
  assertQuotaProblem(await create('Four again?'), 'openPolls', 3);

  await entitle(ada.workspace, 2, 'pro');
  const upgraded = await create('Four, on Pro?');
  assert.equal(upgraded.status, 201, JSON.stringify(upgraded.body));
  // Version 1 (free) arrives after version 2: it is older, so nothing changes.
  await entitle(ada.workspace, 1, 'free');
  assert.equal((await create('Five, still on Pro?')).status, 201);
  // The same version again changes nothing either.
  await entitle(ada.workspace, 2, 'pro', { openPolls: 5 });
  assert.equal((await create('Six, still on Pro?')).status, 201);

  // A downgrade closes nothing; it only stops more from opening.
  await entitle(ada.workspace, 3, 'free');
  assertQuotaProblem(await create('Seven?'), 'openPolls', 3);
  const listed = await api('GET', '/api/v1/polls?status=open', { headers: bearer(ada.key) });
  assert.equal(listed.body.polls.length, 6, 'the open polls stay open');
});

test('a scheduled poll whose time comes with no room left becomes a draft again, and its history says so', async () => {
  const bea = await owner();
  for (const question of ['A?', 'B?', 'C?'])
    assert.equal((await bea.call('polls', 'POST', '/api/v1/polls', poll(question))).status, 201);
  const scheduled = await bea.call(
    'polls',
    'POST',
    '/api/v1/polls',
    poll('Later?', { opensAt: new Date(Date.now() + 1_000).toISOString() }),
  );
  assert.equal(scheduled.status, 201, JSON.stringify(scheduled.body));
  assert.equal(scheduled.body.status, 'scheduled');
  const after = await eventually(async () => {
    const read = await bea.call('polls', 'GET', `/api/v1/polls/${scheduled.body.id}`);
    assert.equal(read.body.status, 'draft');
    return read.body;
  });
  assert.equal(after.opensAt, null);
  const history = await bea.call('polls', 'GET', `/api/v1/polls/${scheduled.body.id}/history`);
  const last = history.body.entries.at(-1);
  assert.equal(last.type, 'polls.poll.updated.v1');
  assert.deepEqual(
    { by: last.data.by, status: last.data.status, changes: last.data.changes },
    { by: 'schedule', status: 'draft', changes: { opensAt: null } },
  );
});

test('members: members and pending invitations stay within the plan; an upgrade makes room, and identity’s plan follows it', async () => {
  const cy = await owner();
  // The owner is one member of 3: two invitations fill the free plan.
  for (const email of ['one@example.test', 'two@example.test']) {
    const invited = await cy.call('identity', 'POST', '/api/v1/invitations', { role: 'editor', email });
    assert.equal(invited.status, 201, JSON.stringify(invited.body));
  }
  const third = await cy.call('identity', 'POST', '/api/v1/invitations', { role: 'viewer' });
  assertQuotaProblem(third, 'members', 3);
  assert.equal(third.body.title, 'Your plan allows 3 members');
  assert.match(third.body.detail, /Pending invitations \(2\).*upgrade to Pro for 10 members\.$/);

  await entitle(cy.workspace, 1, 'pro');
  assert.equal((await cy.call('identity', 'POST', '/api/v1/invitations', { role: 'viewer' })).status, 201);
  // The workspace's plan (the tokens' `plan` claim, API-key verification) follows the event.
  const workspaces = await cy.call('identity', 'GET', '/api/v1/workspaces');
  assert.equal(workspaces.body.find((w: Json) => w.id === cy.workspace).plan, 'pro');
});

test('API keys: active keys stay within the plan; revoking one makes room; API-key verification reports the new plan', async () => {
  const dee = await owner(); // owner() made one key already
  const make = () =>
    dee.call('identity', 'POST', '/api/v1/api-keys', { name: 'robot', scopes: ['polls:read'] });
  const second = await make();
  assert.equal(second.status, 201, JSON.stringify(second.body));
  const third = await make();
  assertQuotaProblem(third, 'apiKeys', 2);
  assert.match(third.body.detail, /^Revoke a key you no longer use, or upgrade to Pro for 10 API keys\.$/);
  assert.equal((await dee.call('identity', 'DELETE', `/api/v1/api-keys/${second.body.id}`)).status, 204);
  assert.equal((await make()).status, 201, 'a revoked key frees its place');
  assertQuotaProblem(await make(), 'apiKeys', 2);

  await entitle(dee.workspace, 1, 'business');
  const made = await make();
  assert.equal(made.status, 201);
  const identity = platform.runtimes.find((runtime) => runtime.name === 'identity')!.app;
  const verified = await identity.inject({
    method: 'POST',
    url: '/internal/v1/api-keys/verify',
    headers: { 'x-canvass-internal': platform.internalSecret },
    payload: { key: made.body.key },
  });
  assert.equal(verified.json().plan, 'business');
});

test('webhook endpoints: the free plan allows one; an upgrade allows more', async () => {
  const eli = await owner();
  const add = (n: number) =>
    eli.call('notifications', 'POST', '/api/v1/webhooks', {
      url: `https://hooks.example.test/canvass/${n}`,
      eventTypes: ['poll.created'],
    });
  assert.equal((await add(1)).status, 201);
  const second = await add(2);
  assertQuotaProblem(second, 'webhookEndpoints', 1);
  assert.equal(second.body.title, 'Your plan allows 1 webhook endpoint');
  assert.deepEqual(second.body.upgrade.plans, ['pro', 'business']);
  await entitle(eli.workspace, 4, 'pro');
  assert.equal((await add(2)).status, 201);
});

test('the gateway’s per-workspace limit follows the event, even for an API key it verified (and cached) on the old plan', async () => {
  const fay = await owner();
  const list = () => api('GET', '/api/v1/polls', { headers: bearer(fay.key) });
  for (let i = 0; i < FREE_REQUESTS; i++) assert.equal((await list()).status, 200);
  const refused = await list();
  assert.equal(refused.status, 429);
  assert.equal(refused.body.policy, 'workspace-free');

  await entitle(fay.workspace, 2, 'pro');
  const upgraded = await list();
  assert.equal(upgraded.status, 200, JSON.stringify(upgraded.body));
  assert.match(upgraded.headers['ratelimit-policy'] ?? '', /"workspace-pro";q=30000;w=60/);
  // An older version arriving late does not step the tier back.
  await entitle(fay.workspace, 1, 'free');
  const still = await list();
  assert.equal(still.status, 200);
  assert.match(still.headers['ratelimit-policy'] ?? '', /"workspace-pro"/);
});

test('votes are never refused for the vote quota: a workspace far past it still takes votes', async () => {
  const gus = await owner();
  await entitle(gus.workspace, 1, 'free', { votesPerMonth: 0 });
  const created = await api('POST', '/api/v1/polls', {
    headers: bearer(gus.key),
    body: poll('Still voting?'),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  for (const voter of ['v1', 'v2', 'v3']) {
    const cast = await api('POST', `/api/v1/polls/${created.body.id}/votes`, {
      body: { optionIds: [created.body.options[0].id] },
      headers: { 'voter-token': `${voter}-${crypto.randomUUID()}` },
    });
    assert.equal(cast.status, 201, JSON.stringify(cast.body));
  }
  await eventually(async () => {
    const results = await api('GET', `/api/v1/polls/${created.body.id}/results`);
    assert.equal(results.body.totalVotes, 3);
  });
});
