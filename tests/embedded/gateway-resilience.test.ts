// The gateway's resilience policies against a real HTTP upstream that fails on demand: a POST is
// never retried, a GET is (with backoff), the breaker opens after consecutive failures and answers
// 503 with Retry-After without calling the upstream, then closes once the upstream recovers; an
// instance that keeps failing is ejected while its healthy sibling serves; a long poll gets the
// wait it asked for.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createGateway, httpUpstream } from '@canvass/gateway';
import { createLogger } from '@canvass/service-kit';
import { type FakeUpstream, startFakeUpstream } from '../support/fake-upstream.ts';

const fakes: FakeUpstream[] = [];
after(async () => {
  for (const fake of fakes) await fake.close();
});

async function gatewayOver(count = 1, resilience = {}) {
  const instances = [];
  for (let i = 0; i < count; i++) {
    const fake = await startFakeUpstream();
    fakes.push(fake);
    instances.push(fake);
  }
  const upstreams = instances.map((fake, i) => httpUpstream(`polls-${i + 1}`, fake.url));
  const app = createGateway({
    logger: createLogger('gateway', 'silent'),
    tier: 'cluster',
    upstreams: {
      polls: upstreams,
      analytics: upstreams,
      identity: upstreams,
      notifications: upstreams,
      billing: upstreams,
    },
    resilience: { halfOpenAfterMs: 300, breakerFailures: 3, attempts: 3, ejectForMs: 60_000, ...resilience },
    adminToken: 'gateway-test-operator-token',
  });
  await app.ready();
  return { app, fakes: instances };
}

const get = (app: Awaited<ReturnType<typeof gatewayOver>>['app'], url = '/api/v1/polls/p1') =>
  app.inject({ method: 'GET', url });

test('a POST is never retried, whether the upstream answers 503 or drops the connection', async () => {
  const {
    app,
    fakes: [fake],
  } = await gatewayOver();
  fake!.mode = 'unavailable';
  const answered = await app.inject({ method: 'POST', url: '/api/v1/polls', payload: { question: 'Q?' } });
  assert.equal(answered.statusCode, 503, 'the upstream’s own answer is passed on');
  assert.equal(fake!.hits.filter((hit) => hit.method === 'POST').length, 1);
  fake!.mode = 'reset';
  const dropped = await app.inject({ method: 'POST', url: '/api/v1/polls', payload: { question: 'Q?' } });
  assert.equal(dropped.statusCode, 502);
  assert.match(String(dropped.headers['content-type']), /^application\/problem\+json/);
  assert.equal(fake!.hits.filter((hit) => hit.method === 'POST').length, 2, 'one attempt per POST');
  await app.close();
});

test('a GET is retried with backoff until the upstream answers', async () => {
  const {
    app,
    fakes: [fake],
  } = await gatewayOver();
  fake!.failNext = 2;
  const response = await get(app);
  assert.equal(response.statusCode, 200);
  assert.equal(fake!.hits.length, 3, 'two failures, then the answer');
  await app.close();
});

test('the breaker opens after consecutive failures, answers 503 at once, and closes after recovery', async () => {
  const {
    app,
    fakes: [fake],
  } = await gatewayOver();
  fake!.mode = 'unavailable';
  for (let i = 0; i < 3; i++) assert.equal((await get(app)).statusCode, 503);
  const hitsWhenOpened = fake!.hits.length;
  const refused = await get(app);
  assert.equal(refused.statusCode, 503);
  assert.equal(refused.json().type, '/problems/upstream-unavailable');
  assert.equal(refused.headers['retry-after'], '1');
  assert.equal(fake!.hits.length, hitsWhenOpened, 'an open breaker does not call the upstream');
  const services = await app.inject({
    method: 'GET',
    url: '/admin/v1/services',
    headers: { authorization: 'Bearer gateway-test-operator-token' },
  });
  assert.equal(services.json().health.polls.breaker, 'open');

  fake!.mode = 'ok';
  await new Promise((resolve) => setTimeout(resolve, 350));
  assert.equal((await get(app)).statusCode, 200, 'the half-open trial succeeds');
  assert.equal((await get(app)).statusCode, 200);
  const closed = await app.inject({
    method: 'GET',
    url: '/admin/v1/services',
    headers: { authorization: 'Bearer gateway-test-operator-token' },
  });
  assert.equal(closed.json().health.polls.breaker, 'closed');
  await app.close();
});

test('an instance that keeps failing is ejected while its sibling serves every request', async () => {
  const {
    app,
    fakes: [bad, good],
  } = await gatewayOver(2, { breakerFailures: 100 });
  bad!.mode = 'reset';
  for (let i = 0; i < 20; i++) assert.equal((await get(app)).statusCode, 200, `request ${i}`);
  const badHits = bad!.hits.length;
  assert.ok(badHits <= 3, `the failing instance was ejected after a few failures (${badHits})`);
  for (let i = 0; i < 10; i++) await get(app);
  assert.equal(bad!.hits.length, badHits, 'no more traffic while ejected');
  assert.ok(good!.hits.length >= 30);
  await app.close();
});

test('a long poll may take the wait it asked for on top of the usual timeout; other calls may not', async () => {
  const {
    app,
    fakes: [fake],
  } = await gatewayOver(1, { timeoutMs: 200, attempts: 1, breakerFailures: 100 });
  fake!.delayMs = 600;
  // The bell's long poll asked to wait a second: 200 ms + 1 s is room enough.
  const polled = await get(app, '/api/v1/inbox/unread?known=0&wait=1');
  assert.equal(polled.statusCode, 200, polled.body);
  // Without a wait, or on another route, the usual 200 ms holds.
  assert.equal((await get(app, '/api/v1/inbox/unread?known=0')).statusCode, 504);
  assert.equal((await get(app, '/api/v1/inbox?wait=1')).statusCode, 504);
  await app.close();
});
