// The gateway's edge: results caching with request collapsing and event invalidation, the
// voting page's aggregated first paint, CORS, trace context, security headers, compression and
// body limits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { ResultsUpdatedV1 } from '@canvass/contracts';
import { createEvent, createInProcessBus } from '@canvass/eventing';
import { createGateway, httpUpstream } from '@canvass/gateway';
import { createLogger } from '@canvass/service-kit';
import { eventually } from '../support/api.ts';
import { useEmbeddedPlatform } from '../support/embedded.ts';
import { startFakeUpstream } from '../support/fake-upstream.ts';

const embedded = useEmbeddedPlatform();

test('concurrent anonymous results reads cost one upstream call; an update event drops the entry', async () => {
  const fake = await startFakeUpstream();
  const bus = createInProcessBus();
  const upstream = httpUpstream('fake', fake.url);
  const app = createGateway({
    logger: createLogger('gateway', 'silent'),
    tier: 'cluster',
    upstreams: {
      polls: upstream,
      analytics: upstream,
      identity: upstream,
      notifications: upstream,
      billing: upstream,
    },
    resultsUpdates: bus,
    resultsCacheMs: 60_000,
  });
  await app.ready();
  const read = () => app.inject({ method: 'GET', url: '/api/v1/polls/cached/results' });
  const first = await Promise.all(Array.from({ length: 20 }, read));
  assert.ok(first.every((response) => response.statusCode === 200));
  assert.equal(fake.hits.length, 1, 'twenty concurrent reads, one upstream call');
  const again = await read();
  assert.equal(again.headers['x-cache'], 'hit');
  assert.equal(fake.hits.length, 1);
  // With credentials the answer depends on the caller: never cached.
  await app.inject({
    method: 'GET',
    url: '/api/v1/polls/cached/results',
    headers: { 'vote-receipt': 'r.x' },
  });
  assert.equal(fake.hits.length, 2);
  await bus.publish([
    createEvent(ResultsUpdatedV1, {
      source: '/test',
      data: { pollId: 'cached', sequence: 2, status: 'open', visibility: 'live', public: true, results: {} },
    }),
  ]);
  const fresh = await read();
  assert.equal(fresh.headers['x-cache'], 'miss');
  assert.equal(fake.hits.length, 3);
  await app.close();
  await fake.close();
});

test('a vote shows in the cached results at once (the update event invalidates)', async () => {
  const api = embedded.api();
  const poll = (
    await api('POST', '/api/v1/polls', {
      body: { question: 'Cached?', options: [{ label: 'A' }, { label: 'B' }] },
    })
  ).body;
  await eventually(async () =>
    assert.equal((await api('GET', `/api/v1/polls/${poll.id}/results`)).status, 200),
  );
  assert.equal((await api('GET', `/api/v1/polls/${poll.id}/results`)).headers['x-cache'], 'hit');
  await api('POST', `/api/v1/polls/${poll.id}/votes`, {
    body: { optionIds: [poll.options[0].id] },
    headers: { 'voter-token': 'cache-voter-1' },
  });
  await eventually(
    async () => assert.equal((await api('GET', `/api/v1/polls/${poll.id}/results`)).body.totalVotes, 1),
    900,
  );
});

test('the voting page gets the poll and its results in one call, or why the results are hidden', async () => {
  const api = embedded.api();
  const poll = (
    await api('POST', '/api/v1/polls', {
      body: { question: 'Page?', options: [{ label: 'A' }, { label: 'B' }] },
    })
  ).body;
  const page = await eventually(async () => {
    const response = await api('GET', `/api/v1/polls/${poll.id}/page`);
    assert.equal(response.status, 200);
    assert.ok(response.body.results, 'results counted');
    return response.body;
  });
  assert.equal(page.poll.question, 'Page?');
  assert.equal(page.results.totalVotes, 0);
  assert.equal(page.resultsUnavailable, null);

  const hidden = (
    await api('POST', '/api/v1/polls', {
      body: {
        question: 'Hidden page?',
        options: [{ label: 'A' }, { label: 'B' }],
        settings: { resultsVisibility: 'hidden' },
      },
    })
  ).body;
  const hiddenPage = await eventually(async () => {
    const response = await api('GET', `/api/v1/polls/${hidden.id}/page`);
    assert.equal(response.body.resultsUnavailable?.status, 403);
    return response.body;
  });
  assert.equal(hiddenPage.results, null);
  assert.match(hiddenPage.resultsUnavailable.type, /results-hidden$/);
  const organizer = await api('GET', `/api/v1/polls/${hidden.id}/page`, {
    headers: { 'manage-token': hidden.manageToken },
  });
  assert.equal(organizer.body.results.totalVotes, 0, 'the organizer sees them');
  const missing = await api('GET', '/api/v1/polls/nope/page');
  assert.equal(missing.status, 404);
  assert.match(missing.headers['content-type'] ?? '', /^application\/problem\+json/);
});

test('edge hygiene: CORS, trace context, security headers, compression, body limits', async () => {
  const gateway = embedded.platform().gateway;
  const preflight = await gateway.inject({
    method: 'OPTIONS',
    url: '/api/v1/polls/x/votes',
    headers: { origin: 'https://blog.example', 'access-control-request-method': 'POST' },
  });
  assert.equal(preflight.statusCode, 204);
  assert.equal(preflight.headers['access-control-allow-origin'], '*');
  assert.match(String(preflight.headers['access-control-allow-headers']), /voter-token/);

  const traced = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  const read = await gateway.inject({
    method: 'GET',
    url: '/api/v1/polls/nope',
    headers: { traceparent: traced },
  });
  assert.equal(read.headers.traceparent, traced, 'a client’s trace continues');
  assert.equal(read.headers['access-control-allow-origin'], '*');
  assert.equal(read.headers['x-content-type-options'], 'nosniff');
  assert.match(String(read.headers['content-security-policy']), /default-src 'none'/);
  const untraced = await gateway.inject({ method: 'GET', url: '/api/v1/polls/nope' });
  assert.match(String(untraced.headers.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/, 'one is started');

  const poll = (
    await embedded.api()('POST', '/api/v1/polls', {
      body: {
        question: 'Compressed?',
        options: Array.from({ length: 30 }, (_, i) => ({ label: `Option number ${i}` })),
      },
    })
  ).body;
  const zipped = await gateway.inject({
    method: 'GET',
    url: `/api/v1/polls/${poll.id}`,
    headers: { 'accept-encoding': 'gzip' },
  });
  assert.equal(zipped.headers['content-encoding'], 'gzip');
  assert.equal(JSON.parse(gunzipSync(zipped.rawPayload).toString()).question, 'Compressed?');
  const plain = await gateway.inject({ method: 'GET', url: `/api/v1/polls/${poll.id}` });
  assert.equal(plain.headers['content-encoding'], undefined);

  const huge = await gateway.inject({
    method: 'POST',
    url: '/api/v1/polls',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ question: 'x'.repeat(300 * 1024) }),
  });
  assert.equal(huge.statusCode, 413);
  assert.match(String(huge.headers['content-type']), /^application\/problem\+json/);
});
