// Mutual TLS between the cluster tier's processes (docs/security.md, "Between services"): a
// service's own port serves only peers with a certificate from the internal CA, each route only
// the peers it names, and the forwarded identity only from a peer allowed to forward it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { signIdentity } from '@canvass/service-kit';
import { type Api, type ApiResponse, eventually, httpApi } from '../support/api.ts';
import { type ClusterLauncher, startClusterLauncher } from '../support/cluster-launcher.ts';
import { peerRequest } from '../support/internal-tls.ts';
import { createWatchedPoll } from '../support/live.ts';

const SECRET = `internal-tls-test-${randomUUID()}`;
let launcher: ClusterLauncher;
let api: Api;
// Port offsets from the gateway's: polls +1, analytics +2, identity +3, realtime +4.
const service = (offset: number, path: string) => `https://127.0.0.1:${launcher.port + offset}${path}`;

before(async () => {
  launcher = await startClusterLauncher({ CANVASS_INTERNAL_SECRET: SECRET });
  api = httpApi(launcher.url);
});
after(() => launcher.stop());

function assertRefused(response: ApiResponse, type: string) {
  assert.equal(response.status, 403, JSON.stringify(response.body));
  assert.match(response.headers['content-type'] ?? '', /application\/problem\+json/);
  assert.equal(response.body.type, `/problems/${type}`);
}

test('a direct call without a client certificate is refused; probes still reach /healthz and /readyz', async () => {
  for (const offset of [1, 2, 3, 4]) {
    assertRefused(await peerRequest(service(offset, '/openapi.json')), 'peer-certificate-required');
    assertRefused(await peerRequest(service(offset, '/metrics')), 'peer-certificate-required');
    assert.equal((await peerRequest(service(offset, '/healthz'))).status, 200);
    assert.equal((await peerRequest(service(offset, '/readyz'))).status, 200);
  }
  // Plain HTTP to an internal port gets no answer at all.
  await assert.rejects(fetch(`http://127.0.0.1:${launcher.port + 1}/healthz`));
});

test('a peer a route does not name gets 403 naming the peer; the peers it names get through', async () => {
  const poll = await createWatchedPoll(api);
  const polls = await peerRequest(service(1, `/api/v1/polls/${poll.id}`), { peer: 'realtime' });
  assertRefused(polls, 'peer-not-allowed');
  assert.equal(polls.body.peer, 'realtime');
  assert.match(polls.body.detail, /polls serves this route to gateway, not to realtime/);
  const results = `/api/v1/polls/${poll.id}/results`;
  assertRefused(await peerRequest(service(2, results), { peer: 'polls' }), 'peer-not-allowed');
  assert.equal((await peerRequest(service(2, results), { peer: 'realtime' })).status, 200);
  assert.equal((await peerRequest(service(1, `/api/v1/polls/${poll.id}`), { peer: 'gateway' })).status, 200);
  // /metrics serves any Canvass peer (a scraper with a certificate from the internal CA).
  assert.equal((await peerRequest(service(2, '/metrics'), { peer: 'polls' })).status, 200);
});

test('through the gateway a vote is acknowledged and counted', async () => {
  const poll = await createWatchedPoll(api);
  const vote = await api('POST', `/api/v1/polls/${poll.id}/votes`, {
    body: { optionIds: [poll.options[0]!.id] },
    headers: { 'voter-token': `voter-${randomUUID()}` },
  });
  assert.equal(vote.status, 201, JSON.stringify(vote.body));
  await eventually(async () => {
    const results = await api('GET', `/api/v1/polls/${poll.id}/results`);
    assert.equal(results.body.totalVotes, 1);
  }, 20_000);
});

test('a signed identity replayed by a peer that may not forward one is refused', async () => {
  const poll = await createWatchedPoll(api);
  const identity = await signIdentity(SECRET, {
    subject: randomUUID(),
    kind: 'user',
    workspace: randomUUID(),
    scopes: ['polls:read', 'polls:write'],
  });
  const headers = { 'x-canvass-identity': identity };
  const results = `/api/v1/polls/${poll.id}/results`;
  // Analytics' results route serves realtime, which forwards viewers' identities: the same
  // header, valid and signed, is taken from realtime and refused from analytics or polls.
  assert.equal((await peerRequest(service(2, results), { peer: 'realtime', headers })).status, 200);
  const replayed = await peerRequest(service(2, results), { peer: 'analytics', headers });
  assertRefused(replayed, 'identity-not-from-peer');
  assert.equal(replayed.body.peer, 'analytics');
  assertRefused(
    await peerRequest(service(1, '/api/v1/polls'), { peer: 'identity', method: 'POST', headers, body: {} }),
    'identity-not-from-peer',
  );
  // Without a client certificate the header is worth nothing either.
  assertRefused(await peerRequest(service(2, results), { headers }), 'peer-certificate-required');
});
