// Issue 14, item 7: live connections and results cannot be inflated. The results document has a
// bounded breakdown whatever segments voters send; live connections are limited per address and
// per poll (429 problem+json, before any WebSocket upgrade); a reader that stops reading is cut
// off instead of having snapshots kept for it; an SSE request for an unknown poll is answered at
// once. Against the embedded tier, its gateway listening (live results need real sockets).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { type EmbeddedPlatform, startEmbeddedPlatform } from '@canvass/launcher';
import { type Api, eventually, injectApi } from '../support/api.ts';
import {
  createWatchedPoll,
  type LiveClient,
  type LiveMessage,
  openEventStream,
  openRawWebSocket,
  openWebSocket,
  publishResults,
  upgradeAnswer,
} from '../support/live.ts';

const LIMITS = { perAddress: 4, perPoll: 2, stallMs: 1_000 };
let platform: EmbeddedPlatform;
let api: Api;
let port = 0;
before(async () => {
  platform = await startEmbeddedPlatform({ dataDir: 'memory://', logLevel: 'silent', liveLimits: LIMITS });
  await platform.gateway.listen({ port: 0, host: '127.0.0.1' });
  const address = platform.gateway.server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  api = injectApi(platform.gateway);
});
after(() => platform.stop());

const url = (path: string, scheme: 'http' | 'ws' = 'http') => `${scheme}://127.0.0.1:${port}${path}`;
const live = (pollId: string) => `/api/v1/polls/${pollId}/live`;
const isSnapshot = (message: LiveMessage) => message.type === 'snapshot';

/** A metric of this process (every service shares one registry in the embedded tier). */
async function metric(name: string): Promise<number> {
  const text = (await platform.realtime.app.inject({ method: 'GET', url: '/metrics' })).body;
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

/** Earlier tests' connections are uncounted once the gateway saw them close. */
const noLiveConnections = () =>
  eventually(async () => assert.equal(await metric('canvass_gateway_live_connections'), 0));

const closedWithin = (client: LiveClient, ms: number) =>
  Promise.race([
    client.closed,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('still open')), ms).unref()),
  ]);

test('segments cannot grow the results without bound: 20 rows at most, the rest in "(other)", totals exact', async () => {
  const poll = await createWatchedPoll(api);
  const segments = [
    ...Array.from({ length: 25 }, (_, i) => `source-${String(i).padStart(2, '0')}`),
    'x<script>alert(1)</script>',
    '-starts-with-a-dash',
    undefined,
    undefined,
    undefined,
  ];
  for (const segment of segments) {
    const vote = await api('POST', `/api/v1/polls/${poll.id}/votes`, {
      body: { optionIds: [poll.options[0].id], ...(segment ? { segment } : {}) },
      headers: { 'voter-token': `voter-${randomUUID()}` },
    });
    assert.equal(vote.status, 201, JSON.stringify(vote.body));
  }
  const results = await eventually(async () => {
    const answer = await api('GET', `/api/v1/polls/${poll.id}/results`);
    assert.equal(answer.body.totalVotes, segments.length);
    return answer.body;
  });
  const rows: { segment: string | null; totalVotes: number }[] = results.breakdown;
  const named = rows.filter((row) => row.segment !== null && row.segment !== '(other)');
  assert.equal(named.length, 20, JSON.stringify(rows.map((row) => row.segment)));
  assert.ok(
    named.every((row) => /^source-\d\d$/.test(row.segment!)),
    'values that are not tidy are never a row of their own',
  );
  assert.equal(rows.find((row) => row.segment === '(other)')?.totalVotes, 7);
  assert.equal(rows.find((row) => row.segment === null)?.totalVotes, 3);
  assert.equal(
    rows.reduce((sum, row) => sum + row.totalVotes, 0),
    results.totalVotes,
    'the rows add up to the total',
  );
  assert.equal(results.options[0].votes, segments.length, 'option tallies are exact');
});

test('an SSE request for an unknown poll is answered 404 problem+json at once', async () => {
  const started = performance.now();
  const sse = await openEventStream(url(live(`unknown-${randomUUID().slice(0, 8)}`)));
  const elapsed = performance.now() - started;
  assert.equal(sse.status, 404);
  assert.match(String(sse.headers['content-type']), /^application\/problem\+json/);
  assert.equal(JSON.parse(await sse.body()).type, '/problems/poll-not-found');
  // It used to ask analytics again for about 3 s first. The bound only tells "at once" from that.
  assert.ok(elapsed < 1_500, `answered after ${Math.round(elapsed)} ms`);
});

test('live connections are limited per poll and per address: 429 problem+json, also before a WebSocket upgrade', async () => {
  await noLiveConnections();
  const [crowded, b, c] = await Promise.all([1, 2, 3].map(() => createWatchedPoll(api)));

  // Per poll (2 here).
  const ws = await openWebSocket(url(live(crowded.id), 'ws'));
  const sse = await openEventStream(url(live(crowded.id)));
  await ws.next(isSnapshot);
  await sse.next(isSnapshot);
  const refusedUpgrade = await upgradeAnswer(url(live(crowded.id), 'ws'));
  assert.equal(refusedUpgrade.status, 429);
  assert.match(String(refusedUpgrade.headers['content-type']), /^application\/problem\+json/);
  assert.ok(Number(refusedUpgrade.headers['retry-after']) > 0);
  assert.deepEqual(
    [JSON.parse(refusedUpgrade.body).type, JSON.parse(refusedUpgrade.body).limit],
    ['/problems/too-many-live-connections', 'poll'],
  );
  const refusedStream = await openEventStream(url(live(crowded.id)));
  assert.equal(refusedStream.status, 429);
  assert.match(String(refusedStream.headers['content-type']), /^application\/problem\+json/);
  assert.equal(JSON.parse(await refusedStream.body()).limit, 'poll');

  // A viewer leaving makes room.
  ws.close();
  const third = await eventually(async () => {
    const client = await openEventStream(url(live(crowded.id)));
    if (client.status !== 200) {
      client.close();
      throw new Error(`status ${client.status}`);
    }
    return client;
  });

  // Per address (4 here, every poll counted): two on the crowded poll, two more elsewhere.
  const others = [await openWebSocket(url(live(b.id), 'ws')), await openEventStream(url(live(c.id)))];
  const refusedAddress = await upgradeAnswer(url(live(c.id), 'ws'));
  assert.equal(refusedAddress.status, 429);
  assert.equal(JSON.parse(refusedAddress.body).limit, 'address');
  const refusedAddressStream = await openEventStream(url(live(b.id)));
  assert.equal(refusedAddressStream.status, 429);
  assert.equal(JSON.parse(await refusedAddressStream.body()).limit, 'address');
  for (const client of [sse, third, ...others]) client.close();
  await noLiveConnections();
});

test('a reader that stops reading is cut off after the stall limit instead of having snapshots kept for it', async () => {
  await noLiveConnections();
  const poll = await createWatchedPoll(api);
  const ws = await openRawWebSocket(url(live(poll.id), 'ws'));
  const sse = await openEventStream(url(live(poll.id)));
  await ws.next(isSnapshot);
  await sse.next(isSnapshot);
  const cutBefore = await metric('canvass_live_viewers_cut_off_total');
  const cut = async () => (await metric('canvass_live_viewers_cut_off_total')) - cutBefore;
  ws.pause();
  sse.pause();
  // Large snapshots, with time between them to flush what the kernel takes, until the socket
  // buffers are full and each transport holds back; past the stall limit both are cut off.
  const BASE = 1_000_000;
  const padding = 'x'.repeat(256 * 1024);
  let sequence = BASE;
  while (sequence < BASE + 1_000 && (sequence % 10 !== 0 || (await cut()) < 2)) {
    sequence++;
    await publishResults(platform.bus, { pollId: poll.id, sequence, results: { padding } });
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.equal(await cut(), 2, 'both readers were cut off');
  // Once cut off, nothing more is kept or sent for them.
  await publishResults(platform.bus, { pollId: poll.id, sequence: sequence + 1, results: { padding } });
  ws.resume();
  sse.resume();
  await closedWithin(ws, 15_000);
  await closedWithin(sse, 15_000);
  for (const client of [ws, sse]) {
    const newest = Math.max(...client.messages.filter(isSnapshot).map((message) => message.sequence));
    assert.ok(newest < sequence, `got up to ${newest - BASE} of ${sequence - BASE}: not kept for them`);
  }
  // A cut-off connection is uncounted too: the reader may come back.
  await noLiveConnections();
});
