// The edge (issue 14, items 6, 8 and 11): request targets with dot-segments or encoded
// separators are refused before routing (at the gateway and in every service), operator routes
// check the token before reading a body, clients that trickle a request are cut off, credentials
// that do not hold are refused rather than taken as a guest, metrics and readiness details are the
// operator's, and secrets in URLs never reach the logs. Hostile targets go over a bare socket:
// inject() and fetch() would resolve `..` before the gateway saw it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { createGateway, injectUpstream } from '@canvass/gateway';
import { type EmbeddedPlatform, startEmbeddedPlatform } from '@canvass/launcher';
import { buildServiceApp, createLogger } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import { type Api, injectApi } from '../support/api.ts';
import { closedWithin, openRaw, rawGet, rawRequest } from '../support/raw-http.ts';

const PROBLEM = /^application\/problem\+json/;
const ADMIN_TOKEN = `edge-operator-${randomUUID()}`;
const operator = { authorization: `Bearer ${ADMIN_TOKEN}` };

let platform: EmbeddedPlatform;
let api: Api;
/** The gateway's port, and one service's (polls) own port as the cluster tier exposes it. */
let gatewayPort: number;
let pollsPort: number;
const portOf = (app: FastifyInstance) => (app.server.address() as AddressInfo).port;

before(async () => {
  platform = await startEmbeddedPlatform({
    dataDir: 'memory://',
    logLevel: 'silent',
    adminToken: ADMIN_TOKEN,
    rateLimits: { perVoter: { points: 2, windowSeconds: 60 } },
  });
  api = injectApi(platform.gateway);
  await platform.gateway.listen({ port: 0, host: '127.0.0.1' });
  gatewayPort = portOf(platform.gateway);
  const polls = platform.runtimes.find((runtime) => runtime.name === 'polls')!.app;
  await polls.listen({ port: 0, host: '127.0.0.1' });
  pollsPort = portOf(polls);
});
after(() => platform.stop());

async function openPoll() {
  const created = await api('POST', '/api/v1/polls', {
    body: { question: 'Edge?', options: [{ label: 'A' }, { label: 'B' }] },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body as { id: string; options: { id: string }[] };
}

function rawPost(target: string, body: string, headers: Record<string, string> = {}): string {
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return (
    `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`
  );
}

test('item 6: dot-segment and encoded-separator paths are refused before routing, at the gateway and in every service', async () => {
  const poll = await openPoll();
  const voter = { 'voter-token': `edge-voter-${randomUUID()}` };
  const ballot = JSON.stringify({ optionIds: [poll.options[0]!.id] });
  // The per-voter limit (2 here) holds on the route as written…
  const statuses: number[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    statuses.push(
      (await rawRequest(gatewayPort, rawPost(`/api/v1/polls/${poll.id}/votes`, ballot, voter))).status,
    );
  }
  assert.equal(statuses.at(-1), 429, `statuses: ${statuses}`);
  // …and a path that resolves to it does not get around it.
  for (const target of [`/api/v1/polls/x/../${poll.id}/votes`, `/api/v1/polls/x/%2e%2e/${poll.id}/votes`]) {
    const answer = await rawRequest(gatewayPort, rawPost(target, ballot, voter));
    assert.equal(answer.status, 400, `${target}: ${answer.status} ${answer.body}`);
    assert.match(answer.headers['content-type'] ?? '', PROBLEM);
    assert.equal(JSON.parse(answer.body).type, '/problems/invalid-path');
  }

  // Nothing behind the gateway is reachable by climbing out of a routed prefix.
  const climbs = [
    '/api/v1/polls/../../../metrics',
    '/api/v1/polls/x/../../../../openapi.json',
    '/api/v1/polls/%2e%2e/%2E%2E/%2e%2e/metrics',
    '/api/v1/polls/.%2e/.%2e/.%2e/metrics',
    '/api/v1/polls/x/..%2f..%2f..%2f..%2fmetrics',
    '/api/v1/polls/x/..%5c..%5c..%5c..%5cmetrics',
    '/api/v1/polls/x\\..\\..\\..\\..\\metrics',
    '/api/v1/accounts/../../../internal/v1/api-keys/verify',
  ];
  for (const target of climbs) {
    const answer = await rawRequest(gatewayPort, rawGet(target));
    assert.equal(answer.status, 400, `${target}: ${answer.status} ${answer.body.slice(0, 200)}`);
    assert.match(answer.headers['content-type'] ?? '', PROBLEM, target);
    assert.doesNotMatch(answer.body, /http_requests_total|"openapi"/, target);
  }
  // Each service refuses them too (the cluster tier's services listen on ports of their own).
  for (const target of ['/api/v1/polls/../../../metrics', '/api/v1/polls/%2e%2e/%2e%2e/%2e%2e/metrics']) {
    const answer = await rawRequest(pollsPort, rawGet(target));
    assert.equal(answer.status, 400, `polls ${target}: ${answer.status}`);
    assert.match(answer.headers['content-type'] ?? '', PROBLEM);
  }
  // Dots inside a segment are ordinary characters.
  const discovery = await rawRequest(gatewayPort, rawGet('/oidc/.well-known/openid-configuration'));
  assert.equal(discovery.status, 200);
});

test('item 8: operator routes refuse a request without the token before reading its body', async () => {
  // 32 MB announced, a few bytes sent: the answer must not wait for the rest.
  const head = (target: string) =>
    `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${32 * 1024 * 1024}\r\nAuthorization: Bearer not-the-token\r\n\r\n{"events":[`;
  for (const [port, target] of [
    [gatewayPort, '/admin/v1/polls/dead-letters/1/replay'],
    [pollsPort, '/admin/v1/dead-letters/1/replay'],
  ] as const) {
    const connection = await openRaw(port, head(target));
    try {
      const answer = await connection.answer(2_000);
      assert.equal(answer.status, 401, `${target}: ${answer.status}`);
      assert.match(answer.headers['content-type'] ?? '', PROBLEM);
    } finally {
      connection.socket.destroy();
    }
  }
});

test('item 8: a request trickled a byte at a time is cut off with 408, at the gateway and in a service', async () => {
  const timeouts = { requestMs: 800, headersMs: 800 };
  const gateway = createGateway({
    logger: createLogger('gateway', 'silent'),
    tier: 'embedded',
    upstreams: Object.fromEntries(
      platform.runtimes.map((runtime) => [runtime.name, injectUpstream(runtime.name, runtime.app)]),
    ),
    internalSecret: platform.internalSecret,
    timeouts,
  });
  const service = buildServiceApp({ name: 'sample', logger: createLogger('sample', 'silent'), timeouts });
  service.post('/things', async () => ({ ok: true }));
  try {
    for (const [app, target] of [
      [gateway, '/api/v1/polls'],
      [service, '/things'],
    ] as const) {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const port = portOf(app);
      const slowBody = await openRaw(
        port,
        `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`,
      );
      const slowHeaders = await openRaw(port, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
      const drip = setInterval(() => {
        if (!slowBody.socket.destroyed) slowBody.socket.write(' ');
        if (!slowHeaders.socket.destroyed) slowHeaders.socket.write('X');
      }, 100);
      try {
        for (const connection of [slowBody, slowHeaders]) {
          const answer = await connection.answer(4_000);
          assert.equal(answer.status, 408, `${target}: ${answer.status} ${answer.body}`);
          assert.match(answer.headers['content-type'] ?? '', PROBLEM);
          await closedWithin(connection, 1_000);
        }
      } finally {
        clearInterval(drip);
        slowBody.socket.destroy();
        slowHeaders.socket.destroy();
      }
    }
  } finally {
    await gateway.close();
    await service.close();
  }
  // Without options, every server gets bounded timeouts (node's and fastify's defaults wait for ever).
  for (const server of [
    platform.gateway.server,
    buildServiceApp({ name: 'd', logger: createLogger('d', 'silent') }).server,
  ]) {
    assert.equal(server.requestTimeout, 30_000);
    assert.equal(server.headersTimeout, 10_000);
    assert.equal(server.timeout, 60_000);
  }
});

test('item 11: an API key that does not hold is refused (401), never taken as a guest', async () => {
  const poll = { question: 'Guest?', options: [{ label: 'A' }, { label: 'B' }] };
  for (const authorization of [
    'Bearer cvk_short',
    `Bearer cvk_${'a'.repeat(500)}`,
    `Bearer cvk_${'A'.repeat(16)}_${'b'.repeat(43)}`,
    'Basic Zm9vOmJhcg==',
  ]) {
    const response = await api('POST', '/api/v1/polls', { body: poll, headers: { authorization } });
    assert.equal(response.status, 401, `${authorization}: ${response.status}`);
    assert.match(response.headers['content-type'] ?? '', PROBLEM);
    assert.equal(response.body.type, '/problems/invalid-token');
  }
  // Without credentials a guest poll is still welcome.
  assert.equal((await api('POST', '/api/v1/polls', { body: poll })).status, 201);
});

test('item 11: metrics and readiness details through the gateway are the operator’s', async () => {
  const metrics = await api('GET', '/metrics');
  assert.equal(metrics.status, 401);
  assert.match(metrics.headers['content-type'] ?? '', PROBLEM);
  assert.doesNotMatch(JSON.stringify(metrics.body), /http_requests_total/);
  const operatorMetrics = await api('GET', '/metrics', { headers: operator });
  assert.equal(operatorMetrics.status, 200);
  assert.match(String(operatorMetrics.body), /http_requests_total\{service="gateway"/);

  // Probes still learn whether it is ready; only the operator learns what it checked.
  const ready = await api('GET', '/readyz');
  assert.equal(ready.status, 200);
  assert.deepEqual(ready.body, { status: 'ready' });
  const detailed = await api('GET', '/readyz', { headers: operator });
  assert.equal(detailed.status, 200);
  assert.equal(detailed.body.checks.polls, 'ok');
  assert.equal((await api('GET', '/healthz')).status, 200);
});

test('item 11: manage tokens and receipts in URLs never reach the logs', async () => {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const app = buildServiceApp({ name: 'logged', logger: createLogger('logged', 'info', destination) });
  app.get('/api/v1/polls/:pollId/live', async () => ({ ok: true }));
  app.get('/api/v1/receipts/:receiptId', async () => ({ ok: true }));
  await app.inject('/api/v1/polls/p1/live?since=4&manageToken=s3cret-manage&receipt=s3cret-receipt');
  await app.inject('/api/v1/receipts/s3cret-receipt-id?x=1');
  await app.close();
  const logged = lines.join('');
  assert.match(logged, /since=4/, 'the request is logged');
  assert.match(logged, /manageToken=\[redacted\]/);
  assert.doesNotMatch(logged, /s3cret/);
});
