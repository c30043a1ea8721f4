// The gateway's batching of a turn's POSTs, against a real HTTP service that records what it got.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { BATCH_MAX_REQUESTS, BATCH_ROUTE, type BatchBody, HttpProblem } from '@canvass/service-kit';
import { affinityOf, batchingUpstream, resourceOf } from './batching.ts';
import { resilientUpstream } from './resilience.ts';
import { bodyBuffer, httpUpstream } from './upstream.ts';

interface Service {
  url: string;
  /** What came: a batch's requests, or one request alone. */
  received: ({ batch: BatchBody['requests'] } | { alone: string })[];
  /** How the batch route answers: serve, 404 (an older release), fail (503), or garble answers. */
  batches: 'serve' | 'missing' | 'fail' | 'garbled';
}

const servers: Server[] = [];
after(() => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))));

const read = async (request: IncomingMessage) => (await bodyBuffer(request)).toString('utf8');

/** Answers a vote with 201 and its own body echoed; in a batch, says `alone` for bodies "alone". */
async function startService(): Promise<Service> {
  const service: Service = { url: '', received: [], batches: 'serve' };
  const server = createServer(async (request, response) => {
    const body = await read(request);
    if (request.url !== BATCH_ROUTE) {
      service.received.push({ alone: body });
      response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ alone: body }));
      return;
    }
    if (service.batches === 'missing') return response.writeHead(404).end('{}');
    if (service.batches === 'fail') {
      const problem = {
        status: 503,
        type: '/problems/service-closing',
        title: 'Service closing',
        detail: 'Not handled.',
        retryAfter: 1,
        instance: BATCH_ROUTE,
        requestId: 'the-batch',
      };
      return response
        .writeHead(503, { 'content-type': 'application/problem+json' })
        .end(JSON.stringify(problem));
    }
    const batch = (JSON.parse(body) as BatchBody).requests;
    service.received.push({ batch });
    const answers = batch.map((item, i) =>
      service.batches === 'garbled' && i > 0
        ? [null, { status: 201 }, 'text'][i % 3]
        : item.body === '"alone"'
          ? { alone: true }
          : {
              status: 201,
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ batched: item.body, voter: item.headers['voter-token'] }),
            },
    );
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ answers }));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  service.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return service;
}

async function setUp(options: { pauseMs?: number; gatherMs?: number; busyGapMs?: number } = {}) {
  const service = await startService();
  const upstream = batchingUpstream(
    resilientUpstream('polls', [httpUpstream('polls-1', service.url)]),
    options,
  );
  const vote = async (body: string | Buffer, voter = 'voter-1') => {
    const response = await upstream.forward({
      method: 'POST',
      url: '/api/v1/polls/p1/votes',
      headers: { 'content-type': 'application/json', 'voter-token': voter },
      body: Buffer.isBuffer(body) ? body : Buffer.from(body),
    });
    return { status: response.status, body: JSON.parse((await bodyBuffer(response.body)).toString('utf8')) };
  };
  return { service, upstream, vote };
}

test('the POSTs of one turn go as one batch, and each gets its own answer', async () => {
  const { service, vote } = await setUp();
  const answers = await Promise.all([vote('"a"', 'voter-a'), vote('"b"', 'voter-b'), vote('"c"', 'voter-c')]);
  assert.deepEqual(
    answers.map((answer) => answer.body),
    [
      { batched: '"a"', voter: 'voter-a' },
      { batched: '"b"', voter: 'voter-b' },
      { batched: '"c"', voter: 'voter-c' },
    ],
  );
  assert.equal(service.received.length, 1);
  assert.equal((service.received[0] as { batch: unknown[] }).batch.length, 3);
});

test('a POST alone in its turn goes as it is', async () => {
  const { service, vote } = await setUp();
  assert.deepEqual((await vote('"solo"')).body, { alone: '"solo"' });
  assert.deepEqual(service.received, [{ alone: '"solo"' }]);
});

test('while votes keep coming, a batch gathers the ones of the next turns too; a quiet route sends at once', async () => {
  const { service, vote } = await setUp({ gatherMs: 50, busyGapMs: 60_000 });
  // Quiet (nothing sent yet): the first vote goes at the end of its turn, alone.
  await vote('"first"');
  // Busy now: votes of three different turns go together.
  const later = (body: string, ms: number) =>
    new Promise<Awaited<ReturnType<typeof vote>>>((resolve) => setTimeout(() => resolve(vote(body)), ms));
  const answers = await Promise.all([vote('"a"'), later('"b"', 1), later('"c"', 5)]);
  assert.deepEqual(
    answers.map((answer) => answer.body.batched),
    ['"a"', '"b"', '"c"'],
  );
  assert.deepEqual(
    service.received.map((received) =>
      'batch' in received ? received.batch.map((item) => item.body) : received,
    ),
    [{ alone: '"first"' }, ['"a"', '"b"', '"c"']],
  );
});

/** The answer, or 'late' if it has not come within 5 s (a route that gathered for a minute). */
const within5s = <T>(answer: Promise<T>) =>
  Promise.race([answer, new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 5_000))]);

test('a vote on a quiet route never waits to gather, the first nor one after a pause in the votes', async () => {
  const { service, vote } = await setUp({ gatherMs: 60_000, busyGapMs: 50 });
  assert.notEqual(await within5s(vote('"first"')), 'late');
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.notEqual(await within5s(vote('"after a pause"')), 'late');
  assert.deepEqual(service.received, [{ alone: '"first"' }, { alone: '"after a pause"' }]);
});

test('a full batch goes without waiting for the rest of the gathering', async () => {
  const { service, vote } = await setUp({ gatherMs: 60_000, busyGapMs: 60_000 });
  await vote('"first"');
  const answers = await within5s(
    Promise.all(Array.from({ length: BATCH_MAX_REQUESTS }, (_, i) => vote(`"${i}"`))),
  );
  assert.notEqual(answers, 'late');
  assert.deepEqual(
    service.received.map((received) => ('batch' in received ? received.batch.length : 'alone')),
    ['alone', BATCH_MAX_REQUESTS],
  );
});

test('while batches are refused, votes go alone at once instead of gathering', async () => {
  const { service, vote } = await setUp({ pauseMs: 60_000, gatherMs: 60_000, busyGapMs: 60_000 });
  service.batches = 'missing';
  await Promise.all([vote('"a"'), vote('"b"')]);
  const answer = await within5s(vote('"c"'));
  assert.notEqual(answer, 'late');
  assert.deepEqual(service.received.at(-1), { alone: '"c"' });
});

test('with no gathering, each turn goes by itself however busy the route', async () => {
  const { service, vote } = await setUp({ gatherMs: 0, busyGapMs: 60_000 });
  await vote('"first"');
  await Promise.all([vote('"a"'), new Promise((resolve) => setTimeout(() => resolve(vote('"b"')), 5))]);
  assert.deepEqual(service.received, [{ alone: '"first"' }, { alone: '"a"' }, { alone: '"b"' }]);
});

test('what the service sends back alone goes by itself, and the rest keep their batch answers', async () => {
  const { service, vote } = await setUp();
  const answers = await Promise.all([vote('"a"'), vote('"alone"'), vote('"c"')]);
  assert.deepEqual(
    answers.map((answer) => answer.body),
    [{ batched: '"a"', voter: 'voter-1' }, { alone: '"alone"' }, { batched: '"c"', voter: 'voter-1' }],
  );
  assert.deepEqual(service.received.slice(1), [{ alone: '"alone"' }]);
});

test('bodies that are not UTF-8 or too large are never batched', async () => {
  const { service, vote } = await setUp();
  const large = JSON.stringify('x'.repeat(20_000));
  await Promise.all([vote(Buffer.from([0x22, 0xff, 0x22])), vote(large), vote('"a"'), vote('"b"')]);
  const alone = service.received.filter((received) => 'alone' in received);
  assert.equal(alone.length, 2);
  const batch = service.received.find((received) => 'batch' in received) as { batch: { body?: string }[] };
  assert.deepEqual(
    batch.batch.map((item) => item.body),
    ['"a"', '"b"'],
  );
});

test('more than a batch holds in one turn goes in several batches', async () => {
  const { service, vote } = await setUp();
  const count = BATCH_MAX_REQUESTS + 3;
  const answers = await Promise.all(Array.from({ length: count }, (_, i) => vote(`"${i}"`)));
  assert.deepEqual(
    answers.map((answer) => answer.body.batched ?? answer.body.alone),
    Array.from({ length: count }, (_, i) => `"${i}"`),
  );
  assert.deepEqual(
    service.received.map((received) => ('batch' in received ? received.batch.length : 'alone')),
    [BATCH_MAX_REQUESTS, 3],
  );
});

test('with two replicas, a turn goes in one batch per replica, and a poll’s votes always to the same one', async () => {
  const replicas = [await startService(), await startService()];
  const upstream = batchingUpstream(
    resilientUpstream(
      'polls',
      replicas.map((replica, i) => httpUpstream(`polls-${i + 1}`, replica.url)),
    ),
    { affinity: { instances: 2, keyOf: resourceOf } },
  );
  const polls = Array.from({ length: 12 }, (_, i) => `poll-${i}`);
  const vote = (poll: string, round: number) =>
    upstream.forward({
      method: 'POST',
      url: `/api/v1/polls/${poll}/votes`,
      headers: { 'content-type': 'application/json', 'voter-token': `voter-${round}` },
      body: Buffer.from(`"${poll}"`),
    });
  for (const round of [1, 2]) {
    const answers = await Promise.all(polls.map((poll) => vote(poll, round)));
    for (const answer of answers) assert.equal(answer.status, 201);
  }
  const spread = polls.map((poll) => affinityOf(poll, 2));
  assert.ok(spread.includes(0) && spread.includes(1), 'the polls fall to both replicas');
  for (const [index, replica] of replicas.entries()) {
    assert.equal(replica.received.length, 2, `replica ${index + 1}: one batch per turn`);
    for (const received of replica.received) {
      assert.ok('batch' in received);
      assert.deepEqual(
        received.batch.map((request) => request.url).sort(),
        polls
          .filter((poll) => affinityOf(poll, 2) === index)
          .map((poll) => `/api/v1/polls/${poll}/votes`)
          .sort(),
      );
    }
  }
  assert.equal(resourceOf('/api/v1/polls/abc/votes'), 'abc');
  assert.equal(resourceOf('/api/v1/events/e1/questions/q1/upvotes'), 'e1');
  assert.equal(resourceOf('/healthz'), undefined);
});

test('a service without the batch route (an older release) gets each request alone, and batches are tried again later', async () => {
  const { service, vote } = await setUp({ pauseMs: 300 });
  service.batches = 'missing';
  const first = await Promise.all([vote('"a"'), vote('"b"')]);
  assert.deepEqual(
    first.map((answer) => answer.body),
    [{ alone: '"a"' }, { alone: '"b"' }],
  );
  // Within the pause, no batch is even tried: the service sees only the requests.
  service.batches = 'serve';
  await Promise.all([vote('"c"'), vote('"d"')]);
  assert.deepEqual(service.received, [
    { alone: '"a"' },
    { alone: '"b"' },
    { alone: '"c"' },
    { alone: '"d"' },
  ]);
  await new Promise((resolve) => setTimeout(resolve, 350));
  const later = await Promise.all([vote('"e"'), vote('"f"')]);
  assert.deepEqual(
    later.map((answer) => answer.body.batched),
    ['"e"', '"f"'],
  );
});

test('a batch the service fails is failed for each of its requests as their own problem, none sent again', async () => {
  const { service, vote } = await setUp();
  service.batches = 'fail';
  const failures = await Promise.allSettled([vote('"a"'), vote('"b"')]);
  for (const failure of failures) {
    assert.equal(failure.status, 'rejected');
    const problem = (failure as PromiseRejectedResult).reason;
    assert.ok(problem instanceof HttpProblem);
    // What the service said, without the batch's own instance and request id.
    assert.deepEqual(
      [problem.status, problem.type, problem.title, problem.extensions],
      [503, 'service-closing', 'Service closing', { retryAfter: 1 }],
    );
  }
  assert.equal(service.received.length, 0, 'a POST that may have been handled is not sent again');
});

test('answers that cannot be read fail their own requests with 502; the readable ones stand', async () => {
  const { service, vote } = await setUp();
  service.batches = 'garbled';
  const outcomes = await Promise.allSettled([vote('"a"'), vote('"b"'), vote('"c"'), vote('"d"')]);
  assert.equal(outcomes[0]!.status, 'fulfilled');
  for (const outcome of outcomes.slice(1)) {
    assert.equal(outcome.status, 'rejected');
    assert.equal(((outcome as PromiseRejectedResult).reason as HttpProblem).status, 502);
  }
});

test('what polls would send back alone is not batched: a query string, another content type, no body', async () => {
  const { service, upstream } = await setUp();
  const post = (url: string, headers: Record<string, string>, body?: string) =>
    upstream.forward({
      method: 'POST',
      url,
      headers,
      ...(body === undefined ? {} : { body: Buffer.from(body) }),
    });
  await Promise.all([
    post('/api/v1/polls/p1/votes?x=1', { 'content-type': 'application/json' }, '"q"'),
    post('/api/v1/polls/p1/votes', { 'content-type': 'text/plain' }, '"t"'),
    post('/api/v1/polls/p1/votes', { 'content-type': 'application/json' }),
  ]);
  assert.equal(service.received.length, 3);
  assert.ok(service.received.every((received) => 'alone' in received));
});
