// The resilience policy's promises to a client: what it retries and what it never sends twice,
// that the answer a client finally gets is the service's own, whole, and how it bounds the wait.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import type { HttpProblem } from '@canvass/service-kit';
import { UpstreamNotReachedError } from './errors.ts';
import { resilientUpstream } from './resilience.ts';
import { bodyBuffer, type ForwardResponse, httpUpstream, type Upstream } from './upstream.ts';

/** A stand-in instance that answers from a script and counts its calls. */
function scripted(name: string, answer: (call: number) => Promise<ForwardResponse> | ForwardResponse) {
  let calls = 0;
  const upstream: Upstream = { name, forward: async () => answer(++calls) };
  return { upstream, calls: () => calls };
}

/** A problem answer whose body streams, as a long or chunked answer comes from undici. */
const streamedProblem = (status: number, detail: string): ForwardResponse => ({
  status,
  headers: { 'content-type': 'application/problem+json' },
  body: Readable.from([Buffer.from(`{"status":${status},`), Buffer.from(`"detail":"${detail}"}`)]),
});

const get = { method: 'GET', url: '/api/v1/polls/p1', headers: {} };
const post = { method: 'POST', url: '/api/v1/polls/p1/votes', headers: {}, body: Buffer.from('{}') };

async function listen(handler: (request: IncomingMessage, response: ServerResponse) => void, port = 0) {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A port nothing listens on: connections to it are refused. */
async function deadPort(): Promise<number> {
  const { server, port } = await listen(() => {});
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Counts the requests it receives per method and answers 201 with what it was sent. */
async function liveService(port = 0) {
  const received: string[] = [];
  const { server, port: bound } = await listen((request, response) => {
    received.push(request.method ?? '');
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () =>
      response.writeHead(201, { 'content-type': 'application/json' }).end(Buffer.concat(chunks)),
    );
  }, port);
  return { server, port: bound, received };
}

const close = (server: Server) => {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
};

test('a GET that keeps failing is tried `attempts` times; the last answer reaches the client whole', async () => {
  const failing = scripted('polls-1', () => streamedProblem(503, 'restarting'));
  const polls = resilientUpstream('polls', [failing.upstream], { attempts: 3, breakerFailures: 100 });
  const answer = await polls.forward(get);
  assert.equal(answer.status, 503);
  assert.deepEqual(JSON.parse((await bodyBuffer(answer.body)).toString()), {
    status: 503,
    detail: 'restarting',
  });
  assert.equal(failing.calls(), 3, 'three attempts in all, not four');
});

test('failed answers that are retried are read to their end, freeing their connections', async () => {
  const bodies: Readable[] = [];
  const flaky = scripted('polls-1', (call) => {
    if (call === 3) return { status: 200, headers: {}, body: Buffer.from('{}') };
    const answer = streamedProblem(502, `attempt ${call}`);
    bodies.push(answer.body as Readable);
    return answer;
  });
  const polls = resilientUpstream('polls', [flaky.upstream], { attempts: 3 });
  assert.equal((await polls.forward(get)).status, 200);
  assert.equal(bodies.length, 2);
  assert.ok(bodies.every((body) => body.readableEnded));
});

test('a POST is tried once when the service answered, even with a failure status', async () => {
  const failing = scripted('polls-1', () => streamedProblem(503, 'busy'));
  const polls = resilientUpstream('polls', [failing.upstream, failing.upstream]);
  const answer = await polls.forward(post);
  assert.equal(answer.status, 503);
  assert.match((await bodyBuffer(answer.body)).toString(), /busy/);
  assert.equal(failing.calls(), 1);
});

test('a POST answered "not handled, closing" goes to another instance, and that instance is ejected', async () => {
  const closing = scripted('polls-1', () => ({
    ...streamedProblem(503, 'closing'),
    headers: { 'content-type': 'application/problem+json', 'canvass-unprocessed': 'closing' },
  }));
  const live = scripted('polls-2', () => ({ status: 201, headers: {}, body: Buffer.from('{}') }));
  const polls = resilientUpstream('polls', [closing.upstream, live.upstream]);
  for (let i = 0; i < 4; i++) assert.equal((await polls.forward(post)).status, 201);
  assert.equal(closing.calls(), 1, 'tried once, then ejected');
  assert.equal(live.calls(), 4);
});

test('a POST whose connection is refused goes to another instance and succeeds', async () => {
  const live = await liveService();
  const polls = resilientUpstream('polls', [
    httpUpstream('polls-1', `http://127.0.0.1:${await deadPort()}`),
    httpUpstream('polls-2', `http://127.0.0.1:${live.port}`),
  ]);
  try {
    for (let i = 0; i < 4; i++) {
      const answer = await polls.forward({ ...post, body: Buffer.from(`{"vote":${i}}`) });
      assert.equal(answer.status, 201, `vote ${i}`);
      assert.equal((await bodyBuffer(answer.body)).toString(), `{"vote":${i}}`);
    }
    assert.deepEqual(live.received, ['POST', 'POST', 'POST', 'POST'], 'each vote arrived once');
  } finally {
    await close(live.server);
  }
});

test('an instance that refuses a connection is ejected at once: the next requests go straight to the others', async () => {
  let deadAttempts = 0;
  const dead: Upstream = {
    name: 'polls-1',
    forward: async () => {
      deadAttempts++;
      throw new UpstreamNotReachedError('polls-1', { cause: new Error('connect ECONNREFUSED') });
    },
  };
  const live = scripted('polls-2', () => ({ status: 201, headers: {}, body: Buffer.from('{}') }));
  const polls = resilientUpstream('polls', [dead, live.upstream], { ejectForMs: 60_000 });
  for (let i = 0; i < 10; i++) assert.equal((await polls.forward(post)).status, 201);
  assert.ok(deadAttempts <= 1, `the dead instance was tried ${deadAttempts} times, not once`);
  assert.equal(live.calls(), 10);
  assert.deepEqual(
    polls.health().instances.map((instance) => instance.ejected),
    [true, false],
  );
});

test('a request with an affinity goes to that instance while it is admitted, then to the next', async () => {
  const answer = (): ForwardResponse => ({ status: 201, headers: {}, body: Buffer.from('{}') });
  const first = scripted('polls-1', answer);
  let secondDown = false;
  const second = scripted('polls-2', () => {
    if (secondDown)
      throw new UpstreamNotReachedError('polls-2', { cause: new Error('connect ECONNREFUSED') });
    return answer();
  });
  const third = scripted('polls-3', answer);
  const polls = resilientUpstream('polls', [first.upstream, second.upstream, third.upstream], {
    ejectForMs: 60_000,
  });
  assert.equal(polls.instanceCount, 3);
  for (let i = 0; i < 5; i++) assert.equal((await polls.forward({ ...post, affinity: 1 })).status, 201);
  assert.deepEqual([first.calls(), second.calls(), third.calls()], [0, 5, 0], 'all to the second');
  assert.equal((await polls.forward({ ...post, affinity: 4 })).status, 201);
  assert.equal(second.calls(), 6, 'taken modulo the count');
  secondDown = true;
  for (let i = 0; i < 3; i++) assert.equal((await polls.forward({ ...post, affinity: 1 })).status, 201);
  assert.deepEqual([first.calls(), third.calls()], [0, 3], 'then to the next one, the same each time');
});

test('a POST waits for a single instance that comes back within the retry window', async () => {
  const port = await deadPort();
  const polls = resilientUpstream('polls', [httpUpstream('polls-1', `http://127.0.0.1:${port}`)], {
    notSentRetryMs: 5_000,
  });
  const pending = polls.forward(post);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const restarted = await liveService(port);
  try {
    const answer = await pending;
    assert.equal(answer.status, 201);
    assert.deepEqual(restarted.received, ['POST']);
  } finally {
    await close(restarted.server);
  }
});

test('a POST gets 502 when its instance stays down past the retry window', async () => {
  const polls = resilientUpstream(
    'polls',
    [httpUpstream('polls-1', `http://127.0.0.1:${await deadPort()}`)],
    { notSentRetryMs: 200 },
  );
  await assert.rejects(polls.forward(post), (error: HttpProblem) => {
    assert.equal(error.status, 502);
    assert.equal(error.type, 'upstream-unreachable');
    return true;
  });
});

test('a POST that may have reached its instance is never sent again, not even to another', async () => {
  const received: string[] = [];
  // Reads the whole request, then drops the connection without answering.
  const dropping = await listen((request) => {
    received.push(`dropping ${request.method}`);
    request.resume();
    request.on('end', () => request.socket.destroy());
  });
  const live = await liveService();
  const polls = resilientUpstream('polls', [
    httpUpstream('polls-1', `http://127.0.0.1:${dropping.port}`),
    httpUpstream('polls-2', `http://127.0.0.1:${live.port}`),
  ]);
  try {
    await assert.rejects(polls.forward(post), { status: 502 });
    assert.deepEqual(received, ['dropping POST']);
    assert.deepEqual(live.received, []);
  } finally {
    await close(dropping.server);
    await close(live.server);
  }
});

test('a replica killed with calls in flight fails those calls only: the circuit stays closed for the others', async () => {
  // Holds every request it gets, then drops them all at once, as a process killed mid-call does.
  const held: IncomingMessage[] = [];
  const dying = await listen((request) => {
    held.push(request);
    request.resume();
  });
  const live = await liveService();
  const polls = resilientUpstream(
    'polls',
    [
      httpUpstream('polls-1', `http://127.0.0.1:${dying.port}`),
      httpUpstream('polls-2', `http://127.0.0.1:${live.port}`),
    ],
    { breakerFailures: 3 },
  );
  try {
    // Round robin: half the calls reach polls-1 and wait there; the other half are answered.
    const calls = Array.from({ length: 12 }, () =>
      polls.forward(post).then(
        (answer) => answer.status,
        () => 502,
      ),
    );
    while (held.length < 6) await new Promise((resolve) => setTimeout(resolve, 5));
    for (const request of held) request.socket.destroy();
    await close(dying.server);
    const statuses = await Promise.all(calls);
    assert.equal(statuses.filter((status) => status === 502).length, 6, 'the six calls in flight there fail');
    // More failures in a row than breakerFailures, yet polls-2 serves: nothing is refused with 503.
    for (let i = 0; i < 6; i++) assert.equal((await polls.forward(post)).status, 201);
    assert.equal(polls.health().breaker, 'closed');
  } finally {
    await close(live.server);
  }
});

test('an attempt without an answer in time is a 504; a GET is tried again first', async () => {
  const silent = scripted('polls-1', () => new Promise<ForwardResponse>(() => {}));
  const polls = resilientUpstream('polls', [silent.upstream], { timeoutMs: 50, attempts: 2 });
  await assert.rejects(polls.forward(get), { status: 504, type: 'upstream-timeout' });
  assert.equal(silent.calls(), 2);
  await assert.rejects(polls.forward(post), { status: 504 });
  assert.equal(silent.calls(), 3, 'a POST that timed out may have arrived: not sent again');
});

test('beyond the calls in flight and queued, a call is refused at once with 503 upstream-busy', async () => {
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const slow = scripted('polls-1', async () => {
    await gate;
    return { status: 200, headers: {}, body: Buffer.from('{}') };
  });
  const polls = resilientUpstream('polls', [slow.upstream], { maxConcurrent: 1, maxQueued: 1 });
  const first = polls.forward(get);
  const queued = polls.forward(get);
  await assert.rejects(polls.forward(get), { status: 503, type: 'upstream-busy' });
  release();
  assert.equal((await first).status, 200);
  assert.equal((await queued).status, 200);
  assert.equal(slow.calls(), 2);
});
