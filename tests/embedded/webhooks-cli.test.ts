// What an operator relies on for webhooks, through the real `canvass` command line against the
// embedded tier and a real HTTP receiver: endpoints across workspaces (without secrets), the
// delivery log filtered by status, resend (the same webhook-id), replay (the right count, only
// failed ones), clear errors for unknown ids and bad input, and nothing without the operator token.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type EmbeddedPlatform, startEmbeddedPlatform } from '@canvass/launcher';
import { IDENTITY_HEADER, signIdentity } from '@canvass/service-kit';
import { sql } from 'kysely';
import { type Api, eventually, httpApi, injectApi } from '../support/api.ts';
import { canvass } from '../support/cli.ts';
import { onPlan } from '../support/entitlements.ts';
import { type Receiver, startReceiver } from '../support/webhook-receiver.ts';

const token = `test-operator-${crypto.randomUUID()}`;
let platform: EmbeddedPlatform;
let url: string;
let api: Api;
/** The operator API through the gateway, with the operator token. */
let operator: Api;
let sink: Receiver;
let down: Receiver;

before(async () => {
  platform = await startEmbeddedPlatform({
    dataDir: 'memory://',
    logLevel: process.env.LOG_LEVEL ?? 'silent',
    adminToken: token,
    notifications: { allowLoopback: true, retryScheduleMs: [40, 40] },
  });
  await platform.gateway.listen({ port: 0, host: '127.0.0.1' });
  const address = platform.gateway.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  api = injectApi(platform.gateway);
  const http = httpApi(url);
  operator = (method, path, init = {}) =>
    http(method, path, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });
  [sink, down] = await Promise.all([startReceiver(), startReceiver()]);
  down.answer = () => 500;
});
after(async () => {
  await platform.stop();
  await Promise.all([sink.close(), down.close()]);
});

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back.
type Call = (service: string, method: string, path: string, body?: unknown) => Promise<any>;

/** Acts as a workspace owner straight at a service (the gateway drops forged identities). */
async function actingAs(workspace: string, userId: string): Promise<Call> {
  const identity = await signIdentity(platform.internalSecret, {
    subject: userId,
    kind: 'user',
    workspace,
    role: 'owner',
    scopes: ['polls:read', 'polls:write', 'webhooks:manage'],
  });
  return async (service, method, path, body) => {
    const app = platform.runtimes.find((runtime) => runtime.name === service)!.app;
    const response = await app.inject({
      method: method as 'GET',
      url: path,
      headers: {
        [IDENTITY_HEADER]: identity,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
    assert.ok(response.statusCode < 300, `${method} ${path}: ${response.statusCode} ${response.body}`);
    return response.body ? JSON.parse(response.body) : undefined;
  };
}

/** Signs someone up (identity tells polls and notifications of them) and acts as them. */
async function owner(name: string): Promise<{ workspace: string; call: Call }> {
  const email = `${name}-${crypto.randomUUID().slice(0, 8)}@example.test`;
  const created = await api('POST', '/api/v1/accounts', {
    body: { email, password: 'a long enough password', name },
  });
  assert.equal(created.status, 202);
  const row = await eventually(async () => {
    const found = await sql<{ userId: string; workspace: string }>`
      select u.id as "userId", m.workspace_id as workspace from users u join memberships m on m.user_id = u.id
      where u.email = ${email}`.execute(platform.host.database('identity').kysely);
    assert.ok(found.rows[0]);
    return found.rows[0];
  });
  // Several webhook endpoints per workspace: more than Free allows.
  await onPlan(platform, row.workspace, 'pro');
  return { workspace: row.workspace, call: await actingAs(row.workspace, row.userId) };
}

const cli = (...args: string[]) => canvass(url, token, ...args);

interface Delivery {
  id: string;
  endpointId: string;
  workspaceId: string;
  messageId: string;
  eventType: string;
  status: string;
  attempts: number;
  lastAttempt: { status: number | null } | null;
}

async function deliveries(query: string): Promise<Delivery[]> {
  const page = await operator('GET', `/admin/v1/notifications/webhooks/deliveries${query}`);
  assert.equal(page.status, 200, JSON.stringify(page.body));
  return page.body.deliveries;
}

test('operators list endpoints and deliveries across workspaces, resend and replay them with the CLI', async () => {
  const ada = await owner('ada');
  const live = await ada.call('notifications', 'POST', '/api/v1/webhooks', {
    url: sink.url,
    eventTypes: ['poll.created', 'poll.opened'],
  });
  const failing = await ada.call('notifications', 'POST', '/api/v1/webhooks', {
    url: down.url,
    eventTypes: ['poll.created'],
  });
  const other = await (await actingAs('ws-other', 'someone-else'))(
    'notifications',
    'POST',
    '/api/v1/webhooks',
    {
      url: sink.url,
      eventTypes: ['vote.cast'],
    },
  );

  // Endpoints: every workspace's, or one workspace's; never a secret.
  const all = await cli('webhooks', 'endpoints', '--json');
  assert.equal(all.status, 0, all.stderr);
  assert.doesNotMatch(all.stdout, /whsec_|"(previous_)?secret"/);
  const listed = JSON.parse(all.stdout).endpoints as { id: string; workspaceId: string }[];
  assert.deepEqual(
    listed.map((endpoint) => [endpoint.id, endpoint.workspaceId]),
    [
      [live.id, ada.workspace],
      [failing.id, ada.workspace],
      [other.id, 'ws-other'],
    ],
  );
  const one = await cli('webhooks', 'endpoints', '--workspace', 'ws-other');
  assert.equal(one.status, 0, one.stderr);
  assert.match(one.stdout, new RegExp(`^${other.id}\\s+ws-other\\s+on\\s`, 'm'));
  assert.doesNotMatch(one.stdout, new RegExp(live.id));

  const since = new Date().toISOString();
  const poll = await ada.call('polls', 'POST', '/api/v1/polls', {
    question: 'Operated webhooks?',
    type: 'single_choice',
    status: 'draft',
    options: [{ label: 'Yes' }, { label: 'No' }],
  });
  await ada.call('polls', 'POST', `/api/v1/polls/${poll.id}/open`);
  await sink.waitFor(2);
  // The failing endpoint's one delivery runs out of retries (three attempts) and is switched off.
  const [failed] = await eventually(async () => {
    const found = await deliveries('?status=failed');
    assert.equal(found.length, 1);
    return found;
  });
  assert.equal(down.received.length, 3);
  const succeeded = await eventually(async () => {
    const found = await deliveries(`?endpoint=${live.id}&status=succeeded`);
    assert.equal(found.length, 2);
    return found;
  });

  // The log as a table, filtered by status: failed ones show the last HTTP status.
  const table = await cli('webhooks', 'deliveries', '--status', 'failed');
  assert.equal(table.status, 0, table.stderr);
  const [header, row, ...rest] = table.stdout.trim().split('\n');
  assert.match(header!, /^TIME\s+DELIVERY\s+ENDPOINT\s+EVENT\s+STATUS\s+ATTEMPTS\s+LAST$/);
  assert.match(
    row!,
    new RegExp(`${failed!.id}\\s+${failing.id}\\s+poll\\.created\\s+failed\\s+3\\s+HTTP 500$`),
  );
  assert.deepEqual(rest, []);
  const json = await cli('webhooks', 'deliveries', '--endpoint', live.id, '--status', 'succeeded', '--json');
  assert.equal(json.status, 0, json.stderr);
  const page = JSON.parse(json.stdout) as { deliveries: Delivery[]; nextCursor: string | null };
  assert.deepEqual(
    page.deliveries.map((delivery) => [delivery.id, delivery.workspaceId, delivery.lastAttempt?.status]),
    succeeded.map((delivery) => [delivery.id, ada.workspace, 204]),
  );
  // Paging: one at a time, newest first, the cursor leads on.
  const first = await cli('webhooks', 'deliveries', '--endpoint', live.id, '--limit', '1');
  const cursor = /--cursor (\S+)/.exec(first.stdout)?.[1];
  assert.ok(cursor, first.stdout);
  const second = await cli(
    'webhooks',
    'deliveries',
    '--endpoint',
    live.id,
    '--limit',
    '1',
    '--cursor',
    cursor,
    '--json',
  );
  assert.equal(JSON.parse(second.stdout).deliveries[0].id, succeeded[1]!.id);

  // Resend: the receiver gets the same message again, with the same webhook-id.
  const resent = await cli('webhooks', 'resend', succeeded[0]!.id);
  assert.equal(resent.status, 0, resent.stderr);
  assert.match(resent.stdout, new RegExp(`webhook-id ${succeeded[0]!.messageId}`));
  const [, , repeat] = await sink.waitFor(3);
  assert.equal(repeat!.headers['webhook-id'], succeeded[0]!.messageId);

  // Replay: every message since then that the endpoint subscribes to; none of them failed there.
  const replayed = await cli('webhooks', 'replay', live.id, '--since', since, '--json');
  assert.equal(replayed.status, 0, replayed.stderr);
  assert.equal(JSON.parse(replayed.stdout).queued, 2);
  await sink.waitFor(5);
  const onlyFailed = await cli('webhooks', 'replay', live.id, '--since', '1h', '--only-failed');
  assert.equal(onlyFailed.status, 0, onlyFailed.stderr);
  assert.match(onlyFailed.stdout, /Nothing to replay/);

  // A switched-off endpoint is not replayed to until it is switched back on; then only the failed one.
  const refused = await cli('webhooks', 'replay', failing.id, '--since', '1h', '--only-failed');
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /409: The endpoint is switched off/);
  down.answer = () => 204;
  await ada.call('notifications', 'PATCH', `/api/v1/webhooks/${failing.id}`, { enabled: true });
  const retried = await cli('webhooks', 'replay', failing.id, '--since', '1h', '--only-failed');
  assert.equal(retried.status, 0, retried.stderr);
  assert.match(retried.stdout, /^Queued 1 failed message since .* for ep_/);
  const [, , , again] = await down.waitFor(4);
  assert.equal(again!.headers['webhook-id'], failed!.messageId);
});

test('unknown ids and bad input are clear errors with a non-zero exit', async () => {
  const unknown = await cli('webhooks', 'resend', 'dlv_nosuchdelivery');
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /404: Delivery not found: There is no webhook delivery dlv_nosuchdelivery\./);
  const noEndpoint = await cli('webhooks', 'replay', 'ep_nosuchendpoint', '--since', '2h');
  assert.equal(noEndpoint.status, 1);
  assert.match(noEndpoint.stderr, /There is no webhook endpoint ep_nosuchendpoint\./);
  const filtered = await cli('webhooks', 'deliveries', '--endpoint', 'ep_nosuchendpoint');
  assert.equal(filtered.status, 1);
  assert.match(filtered.stderr, /404/);

  for (const args of [
    ['webhooks', 'deliveries', '--status', 'lost'],
    ['webhooks', 'deliveries', '--limit', '0'],
    ['webhooks', 'replay', 'ep_x'],
    ['webhooks', 'replay', 'ep_x', '--since', 'yesterday'],
    ['webhooks', 'resend'],
    ['webhooks', 'reroute'],
  ]) {
    const result = await cli(...args);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /^canvass: \S/, args.join(' '));
  }
  const help = await cli('webhooks', '--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /replay <endpointId> --since <time> \[--only-failed\]/);

  // The routes check their input too (400 problem+json), whatever the client.
  for (const [method, path, body] of [
    ['GET', '/admin/v1/notifications/webhooks/deliveries?status=lost', undefined],
    ['GET', '/admin/v1/notifications/webhooks/deliveries?limit=100000', undefined],
    ['GET', '/admin/v1/notifications/webhooks/deliveries?cursor=bm9wZQ', undefined],
    ['POST', '/admin/v1/notifications/webhooks/ep_x/replay', { since: 'yesterday' }],
    ['POST', '/admin/v1/notifications/webhooks/ep_x/replay', { since: new Date().toISOString(), extra: 1 }],
  ] as const) {
    const response = await operator(method, path, body === undefined ? {} : { body });
    assert.equal(response.status, 400, `${method} ${path}`);
    assert.match(response.headers['content-type']!, /^application\/problem\+json/);
  }
});

test('without the operator token the webhook operator routes answer 401, and the CLI says so', async () => {
  const anonymous = httpApi(url);
  for (const [method, path] of [
    ['GET', '/admin/v1/notifications/webhooks/endpoints'],
    ['GET', '/admin/v1/notifications/webhooks/deliveries'],
    ['POST', '/admin/v1/notifications/webhook-deliveries/dlv_x/resend'],
    ['POST', '/admin/v1/notifications/webhooks/ep_x/replay'],
  ] as const) {
    const response = await anonymous(
      method,
      path,
      method === 'POST' ? { body: { since: new Date().toISOString() } } : {},
    );
    assert.equal(response.status, 401, `${method} ${path}`);
    assert.match(response.headers['content-type']!, /^application\/problem\+json/);
  }
  // Past the gateway, at the service itself, a signed-in workspace owner is no operator either.
  const identity = await signIdentity(platform.internalSecret, {
    subject: 'an-owner',
    kind: 'user',
    workspace: 'ws-owner',
    role: 'owner',
    scopes: ['webhooks:manage'],
  });
  const notifications = platform.runtimes.find((runtime) => runtime.name === 'notifications')!.app;
  const direct = await notifications.inject({
    method: 'GET',
    url: '/admin/v1/webhooks/endpoints',
    headers: { [IDENTITY_HEADER]: identity },
  });
  assert.equal(direct.statusCode, 401);

  const refused = await canvass(url, 'not-the-operator-token', 'webhooks', 'deliveries');
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /401: Operator token required.*check CANVASS_ADMIN_TOKEN/);
  assert.equal(refused.stdout, '');
});
