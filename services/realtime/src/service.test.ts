import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ResultsUpdatedV1 } from '@canvass/contracts';
import { createEvent, createInProcessBus } from '@canvass/eventing';
import { createLogger, IDENTITY_HEADER, signIdentity } from '@canvass/service-kit';
import type { FetchResults } from './live/access.ts';
import { createRealtimeService, type RealtimeService } from './service.ts';

const bus = createInProcessBus();
let answer: FetchResults = async () => ({ status: 200, body: { sequence: 1 } });
let realtime: RealtimeService;
let base = '';

before(async () => {
  realtime = createRealtimeService({
    bus,
    logger: createLogger('realtime', 'silent'),
    fetchResults: (pollId, credentials) => answer(pollId, credentials),
  });
  await realtime.start();
  await realtime.app.listen({ port: 0, host: '127.0.0.1' });
  const address = realtime.app.server.address();
  base = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

after(async () => {
  await realtime.stop();
  await realtime.app.close();
});

test('while analytics cannot be asked, viewers are told to come back (WebSocket 1013, SSE reconnects)', async () => {
  answer = async () => {
    throw new Error('connect ECONNREFUSED');
  };
  const socket = new WebSocket(`ws://${base}/api/v1/polls/p1/live`);
  const messages: string[] = [];
  socket.addEventListener('message', (event) => messages.push(String(event.data)));
  const closed = await new Promise<CloseEvent>((resolve) => socket.addEventListener('close', resolve));
  assert.equal(closed.code, 1013);
  assert.equal(JSON.parse(messages[0]!).status, 503);

  const response = await fetch(`http://${base}/api/v1/polls/p1/live`, {
    headers: { accept: 'text/event-stream' },
  });
  assert.equal(response.status, 200, 'EventSource reconnects by itself after a stream ends');
  const text = await response.text();
  assert.match(text, /^retry: \d+/);
  assert.match(text, /event: error\ndata: \{"type":"error","status":503/);
});

test('readiness needs the bus; stopping leaves no paused subscription behind', async () => {
  const ready = await fetch(`http://${base}/readyz`);
  assert.equal(ready.status, 200);
  const other = createRealtimeService({
    bus,
    logger: createLogger('realtime', 'silent'),
    fetchResults: answer,
  });
  await other.start();
  await other.stop();
  // An ephemeral subscription that stopped holds nothing back (a consumer group would).
  await bus.publish([
    createEvent(ResultsUpdatedV1, {
      source: 'test',
      data: { pollId: 'p1', sequence: 2, status: 'open', visibility: 'live', public: true, results: {} },
    }),
  ]);
});

test('a signed-in viewer is verified on connect, and later checks carry a freshly signed identity', async () => {
  const secret = 'a-test-secret-that-is-long-enough-0123';
  const asked: Record<string, string>[] = [];
  const signedIn = createRealtimeService({
    bus,
    logger: createLogger('realtime', 'silent'),
    internalSecret: secret,
    fetchResults: async (_pollId, credentials) => {
      asked.push({ ...credentials });
      return { status: 200, body: { sequence: 1 } };
    },
  });
  await signedIn.start();
  const identity = { subject: 'user-1', kind: 'user' as const, workspace: 'w1', scopes: ['results:read'] };
  const headers = { accept: 'text/event-stream', [IDENTITY_HEADER]: await signIdentity(secret, identity) };
  const forged = await signedIn.app.inject({
    url: '/api/v1/polls/p9/live',
    headers: {
      ...headers,
      [IDENTITY_HEADER]: await signIdentity('another-secret-another-secret-0123', identity),
    },
  });
  assert.equal(forged.statusCode, 401);
  assert.equal(asked.length, 0, 'a forged identity is not even asked about');

  await signedIn.app.listen({ port: 0, host: '127.0.0.1' });
  const address = signedIn.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const stream = new AbortController();
  const response = await fetch(`http://127.0.0.1:${port}/api/v1/polls/p9/live`, {
    headers,
    signal: stream.signal,
  });
  assert.equal(response.status, 200);
  const publish = (sequence: number, isPublic: boolean) =>
    bus.publish([
      createEvent(ResultsUpdatedV1, {
        source: 'test',
        data: { pollId: 'p9', sequence, status: 'open', visibility: 'live', public: isPublic, results: {} },
      }),
    ]);
  await publish(2, true);
  await publish(3, false); // no longer public: analytics is asked again
  while (asked.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
  const subject = (token: string) =>
    JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub as string;
  assert.deepEqual(
    asked.map((credentials) => subject(credentials[IDENTITY_HEADER]!)),
    ['user-1', 'user-1'],
  );
  stream.abort();
  await signedIn.stop();
  await signedIn.app.close();
});
