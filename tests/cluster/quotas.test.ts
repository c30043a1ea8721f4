// Plans' quotas in the cluster tier (docs/billing.md): every service a process of its own, the
// in-repo payment provider too, billing's entitlements over NATS JetStream. A free workspace's
// 4th open poll is refused with the quota problem; a real upgrade (the saga, a charge at the
// provider, its webhook through the gateway) lifts it within seconds in polls, and the gateway's
// per-workspace rate limit follows for an API key it already verified; a workspace past its
// vote quota still takes votes, and billing writes the warning.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createPostgresDatabase, type Database } from '@canvass/database';
import { ALL_SCOPES, IDENTITY_HEADER, signIdentity } from '@canvass/service-kit';
import { sql } from 'kysely';
import { type Api, type ApiResponse, eventually, httpApi } from '../support/api.ts';
import { testDatabases } from '../support/cluster.ts';
import { type ClusterLauncher, startClusterLauncher } from '../support/cluster-launcher.ts';
import { peerRequest } from '../support/internal-tls.ts';

const SECRET = `quotas-test-${randomUUID()}`;
// Port offsets from the gateway's (tools/launcher/src/services.ts).
const OFFSETS = { polls: 1, identity: 3, billing: 21 } as const;
let launcher: ClusterLauncher;
let api: Api;
let identityDb: Database;
let billingDb: Database;

before(async () => {
  launcher = await startClusterLauncher({ CANVASS_INTERNAL_SECRET: SECRET });
  api = httpApi(launcher.url);
  const urls = await testDatabases(['identity', 'billing']);
  identityDb = createPostgresDatabase({ url: urls.identity!, schema: 'identity' });
  billingDb = createPostgresDatabase({ url: urls.billing!, schema: 'billing' });
});
after(async () => {
  await identityDb?.close();
  await billingDb?.close();
  await launcher?.stop();
});

/** A new account's workspace, and a way to act in it as its owner at a service, as the gateway does. */
async function owner() {
  const email = `quota-${randomUUID().slice(0, 8)}@example.test`;
  const made = await api('POST', '/api/v1/accounts', {
    body: { email, password: 'a long enough password', name: 'Quota' },
  });
  assert.equal(made.status, 202, JSON.stringify(made.body));
  const { userId, workspace } = await eventually(async () => {
    const rows = await sql<{ userId: string; workspace: string }>`
      select u.id as "userId", m.workspace_id as workspace from users u join memberships m on m.user_id = u.id
      where u.email = ${email}`.execute(identityDb.kysely);
    assert.ok(rows.rows[0]);
    return rows.rows[0];
  });
  const identity = await signIdentity(SECRET, {
    subject: userId,
    kind: 'user',
    workspace,
    role: 'owner',
    scopes: ALL_SCOPES,
  });
  const at = (service: keyof typeof OFFSETS, method: string, path: string, body?: unknown) =>
    peerRequest(`https://127.0.0.1:${launcher.port + OFFSETS[service]}${path}`, {
      peer: 'gateway',
      method,
      headers: { [IDENTITY_HEADER]: identity },
      body,
    });
  // Billing hears of the workspace from identity's events.
  await eventually(async () => {
    const known = await sql`select 1 from workspaces where workspace_id = ${workspace}`.execute(
      billingDb.kysely,
    );
    assert.equal(known.rows.length, 1);
  }, 20_000);
  return { workspace, at };
}

const openPoll = (question: string) => ({
  question,
  options: [{ label: 'Yes' }, { label: 'No' }],
  status: 'open',
});

function assertQuotaProblem(response: ApiResponse, quota: string) {
  assert.equal(response.status, 403, JSON.stringify(response.body));
  assert.match(response.headers['content-type'] ?? '', /^application\/problem\+json/);
  assert.equal(response.body.type, '/problems/quota-exceeded');
  assert.equal(response.body.quota, quota);
  assert.equal(response.body.upgrade.url, '/app/billing');
}

test('a free workspace’s 4th open poll is refused; a real upgrade lifts it within seconds, and the gateway’s tier follows for a key it already verified', async () => {
  const ann = await owner();
  const key = await ann.at('identity', 'POST', '/api/v1/api-keys', {
    name: 'quota test',
    scopes: ALL_SCOPES,
  });
  assert.equal(key.status, 201, JSON.stringify(key.body));
  const bearer = { authorization: `Bearer ${key.body.key}` };
  const listed = await api('GET', '/api/v1/polls', { headers: bearer });
  assert.equal(listed.status, 200);
  assert.match(listed.headers['ratelimit-policy'] ?? '', /"workspace-free"/);

  for (const question of ['One?', 'Two?', 'Three?']) {
    const created = await api('POST', '/api/v1/polls', { headers: bearer, body: openPoll(question) });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  }
  assertQuotaProblem(
    await api('POST', '/api/v1/polls', { headers: bearer, body: openPoll('Four?') }),
    'openPolls',
  );

  const started = await ann.at('billing', 'POST', '/api/v1/billing/upgrade', {
    plan: 'pro',
    paymentMethod: 'pm_card_visa',
  });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  const saga = await eventually(async () => {
    const found = await ann.at('billing', 'GET', `/api/v1/billing/changes/${started.body.id}`);
    assert.ok(found.body.outcome, `still at ${found.body.state}`);
    return found.body;
  }, 30_000);
  assert.equal(saga.outcome, 'completed', JSON.stringify(saga.steps));
  // Within seconds of the plan becoming active: each wait below gives up after 10 s.
  const fourth = await eventually(async () => {
    const created = await api('POST', '/api/v1/polls', { headers: bearer, body: openPoll('Four?') });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created;
  }, 10_000);
  assert.equal(fourth.body.status, 'open');
  await eventually(async () => {
    const again = await api('GET', '/api/v1/polls', { headers: bearer });
    assert.match(again.headers['ratelimit-policy'] ?? '', /"workspace-pro";q=/);
  }, 10_000);
});

test('votes past the month’s quota are taken, never refused, and the owners are warned', async () => {
  const bo = await owner();
  const poll = await bo.at('polls', 'POST', '/api/v1/polls', openPoll('Past the quota?'));
  assert.equal(poll.status, 201, JSON.stringify(poll.body));
  // This month's meter at the Free quota's last vote (5,000), as if the votes had come.
  const month = new Date().toISOString().slice(0, 7);
  await sql`insert into vote_usage (workspace_id, month, votes, warned_share) values (${bo.workspace}, ${month}, 4999, 0.8)
    on conflict (workspace_id, month) do update set votes = 4999, warned_share = 0.8`.execute(
    billingDb.kysely,
  );
  for (let i = 0; i < 3; i++) {
    const cast = await api('POST', `/api/v1/polls/${poll.body.id}/votes`, {
      headers: { 'voter-token': `past-${randomUUID()}` },
      body: { optionIds: [poll.body.options[0].id] },
    });
    assert.equal(cast.status, 201, JSON.stringify(cast.body));
  }
  const warned = await eventually(async () => {
    const rows = await sql<{
      event: unknown;
    }>`select event from outbox where type = 'billing.usage.vote_quota_reached.v1'
      and event::jsonb->>'workspace' = ${bo.workspace}`.execute(billingDb.kysely);
    assert.equal(rows.rows.length, 1);
    const event = rows.rows[0]!.event;
    return (typeof event === 'string' ? JSON.parse(event) : event) as {
      data: { share: number; votes: number };
    };
  }, 20_000);
  assert.equal(warned.data.share, 1);
  assert.ok(warned.data.votes >= 5000 && warned.data.votes <= 5002, String(warned.data.votes));
});
