// How the limits reach Redis in the cluster tier (one script call per request, whatever the number
// of policies) and what they do when Redis cannot count: count in memory, never hold a request.
// Counting across real gateway processes is tests/cluster/gateway-limits.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { activeSpan, inSpan, startTracing } from '@canvass/telemetry';
import { createRateLimits, defaultLimits, networkOf } from './rate-limits.ts';

/** A stand-in node-redis client that counts like the script and records each call. */
function fakeRedis(options: { ready?: boolean; failWith?: string; silent?: boolean } = {}) {
  const counts = new Map<string, number>();
  const calls: { command: string; keys: string[] }[] = [];
  /** Whether each call ran inside a span (a request's trace). */
  const traced: boolean[] = [];
  let scriptLoaded = false;
  const run = (keys: string[]) =>
    keys.flatMap((key) => [counts.set(key, (counts.get(key) ?? 0) + 1).get(key)!, 9_000]);
  return {
    calls,
    traced,
    isReady: options.ready ?? true,
    async evalSha(_sha: string, { keys }: { keys: string[] }) {
      calls.push({ command: 'evalSha', keys });
      traced.push(activeSpan() !== undefined);
      if (options.failWith) throw new Error(options.failWith);
      if (options.silent) return new Promise(() => {});
      if (!scriptLoaded) throw new Error('NOSCRIPT No matching script.');
      return run(keys);
    },
    async eval(_script: string, { keys }: { keys: string[] }) {
      calls.push({ command: 'eval', keys });
      traced.push(activeSpan() !== undefined);
      scriptLoaded = true;
      return run(keys);
    },
  };
}

/** The headers a check sets. */
function replyRecorder() {
  const headers: Record<string, string> = {};
  const reply = {
    header(name: string, value: string) {
      headers[name] = value;
      return reply;
    },
  };
  return { headers, reply: reply as never };
}

const limits = { ...defaultLimits, perVoter: { points: 2, windowSeconds: 10 } };
const vote = (voter: string) => ({ ip: '203.0.113.7', identity: undefined, vote: { pollId: 'p1', voter } });

test('a vote counts its IP and its voter in one script call; EVAL only when Redis lacks the script', async () => {
  const redis = fakeRedis();
  const rateLimits = createRateLimits(limits, redis);
  const first = replyRecorder();
  await rateLimits.check(vote('v1'), first.reply);
  await rateLimits.check(vote('v1'), replyRecorder().reply);
  assert.deepEqual(redis.calls, [
    { command: 'evalSha', keys: ['canvass:gateway:ip:203.0.113.7', 'canvass:gateway:vote:p1:v1'] },
    { command: 'eval', keys: ['canvass:gateway:ip:203.0.113.7', 'canvass:gateway:vote:p1:v1'] },
    { command: 'evalSha', keys: ['canvass:gateway:ip:203.0.113.7', 'canvass:gateway:vote:p1:v1'] },
  ]);
  assert.equal(first.headers['ratelimit-policy'], '"ip";q=3000;w=60, "vote";q=2;w=10');
  assert.equal(first.headers.ratelimit, '"vote";r=1;t=9');
  await assert.rejects(rateLimits.check(vote('v1'), replyRecorder().reply), {
    status: 429,
    extensions: { retryAfter: 9, policy: 'vote' },
  });
});

test('requests counted in one turn share one script call, each with its own counts', async () => {
  const redis = fakeRedis();
  const rateLimits = createRateLimits({ ...limits, perVoter: { points: 1, windowSeconds: 10 } }, redis);
  await rateLimits.check(vote('warm-up'), replyRecorder().reply); // loads the script
  redis.calls.length = 0;
  const recorded = [replyRecorder(), replyRecorder(), replyRecorder()];
  // Two voters, one of them twice: the second of those is refused, the others pass.
  const outcomes = await Promise.allSettled(
    [vote('same'), vote('same'), vote('other')].map((facts, i) =>
      rateLimits.check(facts, recorded[i]!.reply),
    ),
  );
  assert.deepEqual(
    outcomes.map((outcome) => outcome.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  assert.equal(redis.calls.length, 1, 'one script call for the three requests');
  assert.deepEqual(redis.calls[0]!.keys, [
    'canvass:gateway:ip:203.0.113.7',
    'canvass:gateway:vote:p1:same',
    'canvass:gateway:ip:203.0.113.7',
    'canvass:gateway:vote:p1:same',
    'canvass:gateway:ip:203.0.113.7',
    'canvass:gateway:vote:p1:other',
  ]);
  // Each request learns its own place in the IP's window: the warm-up was the first.
  assert.equal(recorded[0]!.headers.ratelimit, '"vote";r=0;t=9');
  assert.equal(recorded[2]!.headers['ratelimit-policy'], '"ip";q=3000;w=60, "vote";q=1;w=10');
});

test('while the Redis connection is down, limits count in memory without waiting for it', async () => {
  const redis = fakeRedis({ ready: false });
  const rateLimits = createRateLimits(limits, redis);
  await rateLimits.check(vote('v2'), replyRecorder().reply);
  await rateLimits.check(vote('v2'), replyRecorder().reply);
  await assert.rejects(rateLimits.check(vote('v2'), replyRecorder().reply), { status: 429 });
  assert.deepEqual(redis.calls, [], 'Redis was not asked');
});

test('a connection that drops before the call of its turn goes out: those requests count in memory', async () => {
  const redis = fakeRedis();
  const rateLimits = createRateLimits(limits, redis);
  const recorded = replyRecorder();
  const pending = rateLimits.check(vote('v4'), recorded.reply);
  redis.isReady = false;
  await pending;
  assert.deepEqual(redis.calls, [], 'nothing was sent to a Redis that is not connected');
  assert.equal(recorded.headers.ratelimit, '"vote";r=1;t=10');
});

test('when a Redis call fails, that request is counted in memory instead', async () => {
  const redis = fakeRedis({ failWith: 'READONLY You cannot write against a read only replica.' });
  const rateLimits = createRateLimits(limits, redis);
  const recorded = replyRecorder();
  await rateLimits.check(vote('v3'), recorded.reply);
  assert.equal(recorded.headers.ratelimit, '"vote";r=1;t=10');
  assert.equal(redis.calls.length, 1);
});

test('a Redis that does not answer: after the call’s timeout, that turn’s requests count in memory', async () => {
  const redis = fakeRedis({ silent: true });
  const rateLimits = createRateLimits(limits, redis, { redisTimeoutMs: 50 });
  const recorded = replyRecorder();
  const started = performance.now();
  await rateLimits.check(vote('v4'), recorded.reply);
  assert.equal(recorded.headers.ratelimit, '"vote";r=1;t=10');
  assert.ok(performance.now() - started >= 45, 'the call was given its time');
  assert.equal(redis.calls.length, 1);
});

test('the turn’s call carries no node-redis timeout of its own (a timer that would fire after every answer)', async () => {
  const given: { timeout: number }[] = [];
  const redis = fakeRedis();
  const client = {
    ...redis,
    withCommandOptions(options: { timeout: number }) {
      given.push(options);
      return redis;
    },
  };
  const rateLimits = createRateLimits(limits, client);
  await rateLimits.check(vote('v5'), replyRecorder().reply);
  assert.deepEqual(given, [{ timeout: 0 }]);
  assert.ok(redis.calls.length >= 1, 'counted through the client without the timeout');
});

test('votes are also counted per address per poll, minute and hour, in the same call; passed on, never refused here', async () => {
  const redis = fakeRedis();
  const rateLimits = createRateLimits(limits, redis);
  const facts = (voter: string) => ({
    ...vote(voter),
    pollAddress: { pollId: 'p1', family: 'votes' as const },
  });
  const recorded = replyRecorder();
  assert.equal(await rateLimits.check(facts('a'), recorded.reply), '60=1/9,3600=1/9');
  assert.equal(await rateLimits.check(facts('b'), replyRecorder().reply), '60=2/9,3600=2/9');
  assert.deepEqual(redis.calls.at(-1), {
    command: 'evalSha',
    keys: [
      'canvass:gateway:ip:203.0.113.7',
      'canvass:gateway:vote:p1:b',
      'canvass:gateway:vote-address-60:p1:203.0.113.7',
      'canvass:gateway:vote-address-3600:p1:203.0.113.7',
    ],
  });
  assert.equal(
    recorded.headers['ratelimit-policy'],
    '"ip";q=3000;w=60, "vote";q=2;w=10',
    'counts are no policy of the gateway’s',
  );

  // In memory (the embedded tier) alike.
  const inMemory = createRateLimits(limits);
  for (let i = 1; i <= 3; i++) {
    const counts = await inMemory.check(facts(`m${i}`), replyRecorder().reply);
    assert.match(String(counts), new RegExp(`^60=${i}/\\d+,3600=${i}/\\d+$`));
  }
  assert.equal(await inMemory.check(vote('m9'), replyRecorder().reply), undefined, 'nothing to pass on');
});

test('an address is an IPv4 address or an IPv6 /64', () => {
  assert.equal(networkOf('203.0.113.7'), '203.0.113.7');
  assert.equal(networkOf('::ffff:203.0.113.7'), '203.0.113.7');
  assert.equal(networkOf('2001:db8:1:2::a'), '2001:db8:1:2::/64');
  assert.equal(networkOf('2001:0db8:0001:0002:ffff:0:0:b'), '2001:db8:1:2::/64');
  assert.equal(networkOf('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(networkOf('::1'), '0:0:0:0::/64');
  assert.equal(networkOf('fe80::1%eth0'), 'fe80:0:0:0::/64');
});

test("the script call of a turn belongs to no request's trace", async (t) => {
  const tracing = startTracing('gateway-test', { CANVASS_TRACING: 'on', OTEL_TRACES_SAMPLER_ARG: '1' });
  assert.ok(tracing);
  t.after(() => tracing.shutdown());
  const redis = fakeRedis();
  const rateLimits = createRateLimits(limits, redis);
  await inSpan('request', {}, async () => {
    assert.ok(activeSpan(), 'the request has its span');
    await Promise.all([
      rateLimits.check(vote('v1'), replyRecorder().reply),
      rateLimits.check(vote('v2'), replyRecorder().reply),
    ]);
  });
  assert.ok(redis.calls.length > 0);
  assert.deepEqual(
    redis.traced,
    redis.calls.map(() => false),
    'counted outside the request span',
  );
});
