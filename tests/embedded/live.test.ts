// Live results through the embedded tier's gateway: WebSocket and SSE, resuming, access as
// analytics decides it, viewer counts, refusals and shutdown. Synthetic updates are published
// on the bus the way analytics publishes its own; real votes and poll changes are used too.
import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { startEmbeddedPlatform } from '@canvass/launcher';
import { eventually, injectApi } from '../support/api.ts';
import { ownerApiKey } from '../support/api-keys.ts';
import {
  createWatchedPoll,
  type LiveMessage,
  openEventStream,
  openWebSocket,
  publishResults,
  upgradeAnswer,
} from '../support/live.ts';
import { useListeningPlatform } from '../support/live-platform.ts';

const { platform, api, url } = useListeningPlatform();
const live = (pollId: string, query = '') => `/api/v1/polls/${pollId}/live${query}`;
const isSnapshot = (message: LiveMessage) => message.type === 'snapshot';
const viewers = (count: number) => (message: LiveMessage) =>
  message.type === 'viewers' && message.count === count;
/** Synthetic updates start far above analytics' own sequences, so they supersede its snapshots. */
const BASE = 1_000_000;
const publish = (pollId: string, sequence: number, results: Record<string, unknown> = {}) =>
  publishResults(platform().bus, { pollId, sequence, results });

test('WebSocket and SSE viewers get the newest snapshot, then each newer one in order', async () => {
  const poll = await createWatchedPoll(api());
  const ws = await openWebSocket(url(live(poll.id), 'ws'));
  const sse = await openEventStream(url(live(poll.id)));
  assert.equal(sse.status, 200);
  assert.match(String(sse.headers['content-type']), /^text\/event-stream/);
  for (const client of [ws, sse]) {
    const first = await client.next();
    assert.equal(first.type, 'snapshot', 'the newest snapshot comes first');
    assert.equal(first.results.pollId, poll.id);
    assert.equal(typeof first.sequence, 'number');
  }

  for (let step = 1; step <= 5; step++) await publish(poll.id, BASE + step, { step });
  await publish(poll.id, BASE + 3, { step: 'stale' }); // older than what viewers have: ignored
  await publish(poll.id, BASE + 6, { step: 6 });
  for (const client of [ws, sse]) {
    const sequences: number[] = [];
    for (let step = 1; step <= 6; step++) sequences.push((await client.next(isSnapshot)).sequence);
    assert.deepEqual(
      sequences,
      [1, 2, 3, 4, 5, 6].map((step) => BASE + step),
    );
  }
  assert.equal(sse.lastEventId(), String(BASE + 6), 'SSE snapshots carry their sequence as the event id');
  ws.close();
  sse.close();
});

test('a vote reaches live viewers as a newer snapshot', async () => {
  const poll = await createWatchedPoll(api());
  const ws = await openWebSocket(url(live(poll.id), 'ws'));
  const sse = await openEventStream(url(live(poll.id)));
  const before = await ws.next(isSnapshot);
  const vote = await api()('POST', `/api/v1/polls/${poll.id}/votes`, {
    body: { optionIds: [poll.options[0].id] },
    headers: { 'voter-token': `voter-${randomUUID()}` },
  });
  assert.equal(vote.status, 201);
  for (const client of [ws, sse]) {
    const after = await client.next((m) => isSnapshot(m) && m.results.totalVotes === 1);
    assert.ok(after.sequence > before.sequence);
    assert.equal(after.results.options[0].votes, 1);
  }
  ws.close();
  sse.close();
});

test('a viewer that resumes with its last sequence converges to what a fresh viewer sees', async () => {
  const poll = await createWatchedPoll(api());
  const first = await openWebSocket(url(live(poll.id), 'ws'));
  await first.next(isSnapshot);
  await publish(poll.id, BASE + 1, { n: 1 });
  const last = await first.next((m) => isSnapshot(m) && m.sequence === BASE + 1);
  first.close();
  await first.closed;

  const missed = randomInt(1, 20);
  for (let n = 2; n <= missed + 1; n++) await publish(poll.id, BASE + n, { n });
  const resumed = await openWebSocket(url(live(poll.id, `?since=${last.sequence}`), 'ws'));
  const fresh = await openWebSocket(url(live(poll.id), 'ws'));
  const fromResume = await resumed.next(isSnapshot);
  const fromFresh = await fresh.next(isSnapshot);
  assert.deepEqual(fromResume, fromFresh, `after ${missed} missed updates`);
  assert.equal(fromResume.sequence, BASE + missed + 1);
  // EventSource resumes with Last-Event-ID by itself.
  const sse = await openEventStream(url(live(poll.id)), { 'last-event-id': String(last.sequence) });
  assert.deepEqual(await sse.next(isSnapshot), fromFresh);

  // Already up to date: nothing to send until something newer arrives.
  const current = await openWebSocket(url(live(poll.id, `?since=${fromFresh.sequence}`), 'ws'));
  await current.next((m) => m.type === 'viewers');
  await publish(poll.id, BASE + missed + 2, { n: 'next' });
  const next = await current.next(isSnapshot);
  assert.equal(next.sequence, BASE + missed + 2, 'the first snapshot is the newer one');
  for (const client of [resumed, fresh, sse, current]) client.close();
});

test('results not visible yet are announced as hidden, and shown when the poll closes', async () => {
  const poll = await createWatchedPoll(api(), { settings: { resultsVisibility: 'after_close' } });
  const voter = await openWebSocket(url(live(poll.id), 'ws'));
  const hidden = await voter.next();
  assert.equal(hidden.type, 'hidden');
  assert.match(hidden.reason, /once voting ends/);
  const organizer = await openWebSocket(url(live(poll.id, `?manageToken=${poll.manageToken}`), 'ws'));
  assert.equal((await organizer.next()).type, 'snapshot', 'the organizer sees them all along');

  const closed = await api()('POST', `/api/v1/polls/${poll.id}/close`, {
    headers: { 'manage-token': poll.manageToken },
  });
  assert.equal(closed.status, 200);
  const shown = await voter.next(isSnapshot);
  assert.equal(shown.results.status, 'closed');
  voter.close();
  organizer.close();
});

test('after_vote results show to a viewer with a receipt (query for WebSocket, header for SSE)', async () => {
  const poll = await createWatchedPoll(api(), { settings: { resultsVisibility: 'after_vote' } });
  const vote = await api()('POST', `/api/v1/polls/${poll.id}/votes`, {
    body: { optionIds: [poll.options[1].id] },
    headers: { 'voter-token': `voter-${randomUUID()}` },
  });
  const receipt = vote.body.receiptId as string;
  const anonymous = await openWebSocket(url(live(poll.id), 'ws'));
  assert.equal((await anonymous.next()).type, 'hidden');
  const withReceipt = await openWebSocket(url(live(poll.id, `?receipt=${receipt}`), 'ws'));
  assert.equal((await withReceipt.next()).type, 'snapshot');
  const sse = await openEventStream(url(live(poll.id)), { 'vote-receipt': receipt });
  assert.equal((await sse.next()).type, 'snapshot');
  for (const client of [anonymous, withReceipt, sse]) client.close();
});

test('results made private while watched are taken from anonymous viewers, not from the organizer', async () => {
  const poll = await createWatchedPoll(api());
  const anonymous = await openWebSocket(url(live(poll.id), 'ws'));
  const organizer = await openEventStream(url(live(poll.id)), { 'manage-token': poll.manageToken });
  await anonymous.next(isSnapshot);
  const before = await organizer.next(isSnapshot);
  const edited = await api()('PATCH', `/api/v1/polls/${poll.id}`, {
    body: { settings: { resultsVisibility: 'hidden' } },
    headers: { 'manage-token': poll.manageToken },
  });
  assert.equal(edited.status, 200, JSON.stringify(edited.body));
  assert.equal((await anonymous.next((m) => m.type !== 'viewers')).type, 'hidden');
  assert.ok((await organizer.next(isSnapshot)).sequence > before.sequence);

  await api()('POST', `/api/v1/polls/${poll.id}/votes`, {
    body: { optionIds: [poll.options[0].id] },
    headers: { 'voter-token': `voter-${randomUUID()}` },
  });
  await organizer.next((m) => isSnapshot(m) && m.results.totalVotes === 1);
  const afterHidden = anonymous.messages.slice(anonymous.messages.findIndex((m) => m.type === 'hidden'));
  assert.equal(afterHidden.filter(isSnapshot).length, 0, 'nothing leaks after hidden');
  anonymous.close();
  organizer.close();
});

test('a signed-in organizer watches hidden results over a WebSocket, the bearer token offered as a subprotocol', async () => {
  const { key } = await ownerApiKey(platform(), api());
  const auth = { authorization: `Bearer ${key}` };
  const created = await api()('POST', '/api/v1/polls', {
    headers: auth,
    body: {
      question: 'Hidden?',
      options: [{ label: 'Yes' }, { label: 'No' }],
      settings: { resultsVisibility: 'hidden' },
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const poll = created.body;
  await eventually(async () =>
    assert.equal((await api()('GET', `/api/v1/polls/${poll.id}/results`, { headers: auth })).status, 200),
  );
  // What realtime is handed: the token must not be among the subprotocols.
  const reachingRealtime: unknown[] = [];
  const watch = (request: { headers: Record<string, unknown> }) =>
    reachingRealtime.push(request.headers['sec-websocket-protocol']);
  platform().realtime.app.server.on('upgrade', watch);
  try {
    const organizer = await openWebSocket(url(live(poll.id), 'ws'), ['canvass.v1', `canvass.bearer.${key}`]);
    assert.equal(organizer.protocol, 'canvass.v1', 'the protocol offered is answered');
    assert.equal((await organizer.next()).type, 'snapshot');
    const anonymous = await openWebSocket(url(live(poll.id), 'ws'), ['canvass.v1']);
    assert.equal(anonymous.protocol, 'canvass.v1');
    assert.equal((await anonymous.next()).type, 'hidden');
    assert.deepEqual(reachingRealtime, ['canvass.v1', 'canvass.v1']);

    await api()('POST', `/api/v1/polls/${poll.id}/votes`, {
      body: { optionIds: [poll.options[0].id] },
      headers: { 'voter-token': `voter-${randomUUID()}` },
    });
    const counted = await organizer.next((m) => isSnapshot(m) && m.results.totalVotes === 1);
    assert.equal(counted.results.options[0].votes, 1);
    assert.equal(anonymous.messages.filter(isSnapshot).length, 0, 'nothing reaches the anonymous viewer');
    organizer.close();
    anonymous.close();
  } finally {
    platform().realtime.app.server.off('upgrade', watch);
  }

  for (const token of ['not-a-token', `${key.slice(0, -2)}xx`, '']) {
    const refused = await upgradeAnswer(url(live(poll.id), 'ws'), {
      'sec-websocket-protocol': `canvass.v1, canvass.bearer.${token}`,
    });
    assert.equal(refused.status, 401, `token "${token}"`);
    assert.match(String(refused.headers['content-type']), /^application\/problem\+json/);
    assert.equal(JSON.parse(refused.body).type, '/problems/invalid-token');
  }
  await assert.rejects(
    openWebSocket(url(live(poll.id), 'ws'), ['canvass.v1', 'canvass.bearer.expired-or-forged']),
  );
  // A subprotocol Canvass does not speak gets no answer, so the client gives up (as browsers do).
  await assert.rejects(openWebSocket(url(live(poll.id), 'ws'), ['chat.v2']));
});

test('viewers see how many are watching, as it goes up and down', async () => {
  const poll = await createWatchedPoll(api());
  const first = await openWebSocket(url(live(poll.id), 'ws'));
  await first.next(viewers(1));
  const second = await openEventStream(url(live(poll.id)));
  await second.next(viewers(2));
  await first.next(viewers(2));
  second.close();
  await first.next(viewers(1));
  first.close();
});

test('refusals: an unknown poll, a request that is neither WebSocket nor SSE, an upgrade elsewhere', async () => {
  const ws = await openWebSocket(url(live('no-such-poll'), 'ws'));
  const error = await ws.next();
  assert.deepEqual([error.type, error.status], ['error', 404]);
  assert.equal((await ws.closed).code, 4404);

  const sse = await openEventStream(url(live('no-such-poll')));
  assert.equal(sse.status, 404);
  assert.match(String(sse.headers['content-type']), /^application\/problem\+json/);
  assert.equal(JSON.parse(await sse.body()).type, '/problems/poll-not-found');

  const plain = await api()('GET', live('no-such-poll'));
  assert.equal(plain.status, 406);
  assert.match(plain.headers['content-type'] ?? '', /^application\/problem\+json/);
  assert.match(plain.body.detail, /WebSocket|text\/event-stream/);

  await assert.rejects(openWebSocket(url('/api/v1/polls', 'ws')));
});

test('stopping the platform sends live viewers away (1001) so they reconnect elsewhere', async () => {
  const other = await startEmbeddedPlatform({ dataDir: 'memory://', logLevel: 'silent' });
  await other.gateway.listen({ port: 0, host: '127.0.0.1' });
  const address = other.gateway.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const poll = await createWatchedPoll(injectApi(other.gateway));
  const ws = await openWebSocket(`ws://127.0.0.1:${port}${live(poll.id)}`);
  const sse = await openEventStream(`http://127.0.0.1:${port}${live(poll.id)}`);
  await ws.next(isSnapshot);
  await sse.next(isSnapshot);
  await other.stop();
  assert.equal((await ws.closed).code, 1001);
  await sse.closed;
});
