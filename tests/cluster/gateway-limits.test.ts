// Rate limits hold across two gateway processes sharing Redis: requests alternate between two
// gateways (each with its own Redis connection, as two processes have), and the limit counts
// them together. Each run uses fresh client addresses and voter tokens: Redis outlives a run.
import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createGateway, createRateLimits, defaultLimits, httpUpstream } from '@canvass/gateway';
import { createLogger } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import { createClient } from 'redis';
import { type FakeUpstream, startFakeUpstream } from '../support/fake-upstream.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
let fake: FakeUpstream;
const gateways: FastifyInstance[] = [];
const clients: { quit(): Promise<unknown> }[] = [];

before(async () => {
  fake = await startFakeUpstream();
  for (let i = 0; i < 2; i++) {
    const redis = await createClient({ url: REDIS_URL }).connect();
    clients.push(redis);
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
      rateLimits: createRateLimits(
        {
          ...defaultLimits,
          perIp: { points: 10, windowSeconds: 60 },
          perVoter: { points: 3, windowSeconds: 60 },
        },
        redis,
      ),
    });
    await app.ready();
    gateways.push(app);
  }
});
after(async () => {
  for (const app of gateways) await app.close();
  for (const client of clients) await client.quit();
  await fake.close();
});

const address = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

test('the per-IP limit counts requests to both gateways together', async () => {
  const ip = address();
  const remaining: string[] = [];
  for (let i = 0; i < 10; i++) {
    const response = await gateways[i % 2]!.inject({
      method: 'GET',
      url: '/api/v1/polls/p',
      remoteAddress: ip,
    });
    assert.equal(response.statusCode, 200, `request ${i + 1} of 10 is allowed`);
    assert.match(String(response.headers['ratelimit-policy']), /"ip";q=10;w=60/);
    remaining.push(String(response.headers.ratelimit));
  }
  assert.match(remaining[0]!, /^"ip";r=9;t=\d+$/);
  assert.match(remaining[9]!, /^"ip";r=0;t=\d+$/);
  const refused = await gateways[0]!.inject({ method: 'GET', url: '/api/v1/polls/p', remoteAddress: ip });
  assert.equal(refused.statusCode, 429);
  assert.match(String(refused.headers['content-type']), /^application\/problem\+json/);
  assert.equal(refused.json().type, '/problems/too-many-requests');
  assert.ok(Number(refused.headers['retry-after']) >= 1);
  const other = await gateways[1]!.inject({
    method: 'GET',
    url: '/api/v1/polls/p',
    remoteAddress: address(),
  });
  assert.equal(other.statusCode, 200, 'another client is not affected');
});

test('the per-voter limit on votes holds across both gateways; other voters and polls go on', async () => {
  const voter = `voter-${randomUUID()}`;
  const vote = (gateway: number, pollId: string, token = voter) =>
    gateways[gateway]!.inject({
      method: 'POST',
      url: `/api/v1/polls/${pollId}/votes`,
      headers: { 'voter-token': token, 'content-type': 'application/json' },
      payload: '{}',
      remoteAddress: address(),
    });
  for (let i = 0; i < 3; i++) assert.equal((await vote(i % 2, 'poll-a')).statusCode, 201);
  const refused = await vote(1, 'poll-a');
  assert.equal(refused.statusCode, 429);
  assert.match(refused.json().detail, /voting too often/);
  assert.equal((await vote(0, 'poll-b')).statusCode, 201, 'another poll');
  assert.equal((await vote(0, 'poll-a', `voter-${randomUUID()}`)).statusCode, 201, 'another voter');
  assert.equal(fake.hits.filter((hit) => hit.url === '/api/v1/polls/poll-a/votes').length >= 4, true);
});

test('per-workspace limits follow the plan', async () => {
  const limits = createRateLimits({
    ...defaultLimits,
    perWorkspace: { free: { points: 2, windowSeconds: 60 }, pro: { points: 4, windowSeconds: 60 } },
  });
  // The limits only set headers on the reply.
  const reply = () => ({ header() {} });
  const caller = (plan: string, workspace: string) => ({
    ip: address(),
    identity: { subject: 'u', kind: 'user' as const, workspace, scopes: [], plan },
  });
  const free = `ws-${randomUUID()}`;
  const pro = `ws-${randomUUID()}`;
  for (let i = 0; i < 2; i++) await limits.check(caller('free', free), reply() as never);
  await assert.rejects(limits.check(caller('free', free), reply() as never), { status: 429 });
  for (let i = 0; i < 4; i++) await limits.check(caller('pro', pro), reply() as never);
  await assert.rejects(limits.check(caller('pro', pro), reply() as never), { status: 429 });
});

test('a window runs from its first point: later points keep its expiry, and a key found without one gets it', async () => {
  const redis = clients[0] as unknown as {
    pTTL(key: string): Promise<number>;
    set(key: string, value: string): Promise<unknown>;
    get(key: string): Promise<string | null>;
  };
  const ip = address();
  const key = `canvass:gateway:ip:${ip}`;
  const request = () => gateways[0]!.inject({ method: 'GET', url: '/api/v1/polls/p', remoteAddress: ip });
  assert.equal((await request()).statusCode, 200);
  const first = await redis.pTTL(key);
  assert.ok(first > 59_000 && first <= 60_000, `the first point starts a 60 s window (${first} ms left)`);
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  const second = await request();
  assert.equal(await redis.get(key), '2');
  const left = await redis.pTTL(key);
  assert.ok(left <= first - 1_000, `a later point leaves the window where it was (${left} ms left)`);
  assert.match(String(second.headers.ratelimit), /^"ip";r=8;t=(59|58)$/);

  // A key with no expiry (written by anything else) gets the window instead of living for good.
  const stray = address();
  await redis.set(`canvass:gateway:ip:${stray}`, '4');
  const counted = await gateways[1]!.inject({ method: 'GET', url: '/api/v1/polls/p', remoteAddress: stray });
  assert.match(String(counted.headers.ratelimit), /^"ip";r=5;t=60$/);
  const given = await redis.pTTL(`canvass:gateway:ip:${stray}`);
  assert.ok(given > 59_000 && given <= 60_000, `the stray key got the window (${given} ms left)`);
});
