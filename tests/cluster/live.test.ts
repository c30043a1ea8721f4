// Live results in the cluster tier: two realtime processes behind the gateway, updates over
// NATS JetStream from real votes, viewer counts summed through Redis, SSE through the gateway's
// HTTP upstream, WebSockets through its TCP tunnel.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { type Api, eventually, httpApi } from '../support/api.ts';
import { type ClusterLauncher, startClusterLauncher } from '../support/cluster-launcher.ts';
import { peerRequest } from '../support/internal-tls.ts';
import { createWatchedPoll, type LiveMessage, openEventStream, openWebSocket } from '../support/live.ts';

let launcher: ClusterLauncher;
let api: Api;

before(async () => {
  launcher = await startClusterLauncher();
  api = httpApi(launcher.url);
});
after(() => launcher.stop());

const live = (pollId: string, query = '') => `/api/v1/polls/${pollId}/live${query}`;
const wsUrl = (path: string) => `ws://127.0.0.1:${launcher.port}${path}`;
const isSnapshot = (message: LiveMessage) => message.type === 'snapshot';
const votes = (total: number) => (message: LiveMessage) =>
  isSnapshot(message) && message.results.totalVotes === total;
const viewers = (count: number) => (message: LiveMessage) =>
  message.type === 'viewers' && message.count === count;

async function vote(poll: { id: string; options: { id: string }[] }) {
  const response = await api('POST', `/api/v1/polls/${poll.id}/votes`, {
    body: { optionIds: [poll.options[0]!.id] },
    headers: { 'voter-token': `voter-${randomUUID()}` },
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
}

/** Open live connections on each realtime process, from its own metrics. */
async function connectionsPerProcess(transport = 'websocket'): Promise<number[]> {
  return Promise.all(
    [4, 5].map(async (offset) => {
      // Internal ports speak mutual TLS: ask as the gateway does.
      const metrics = await peerRequest(`https://127.0.0.1:${launcher.port + offset}/metrics`, {
        peer: 'gateway',
      });
      const text = String(metrics.body);
      const gauge = new RegExp(`canvass_live_connections\\{transport="${transport}"\\} (\\d+)`);
      return Number(gauge.exec(text)?.[1] ?? 0);
    }),
  );
}

test('two realtime processes serve one poll: both viewers get each update, and the count sums both', async () => {
  const poll = await createWatchedPoll(api);
  const first = await openWebSocket(wsUrl(live(poll.id)));
  const second = await openWebSocket(wsUrl(live(poll.id)));
  await first.next(isSnapshot);
  await second.next(isSnapshot);
  assert.deepEqual(await connectionsPerProcess(), [1, 1], 'the gateway spread them over both processes');

  // The summed count reaches each viewer about a second after it changes, before or after the
  // vote's update: wait for it first, as messages are read in order.
  await first.next(viewers(2));
  await second.next(viewers(2));
  await vote(poll);
  await first.next(votes(1), 20_000);
  await second.next(votes(1), 20_000);
  second.close();
  await first.next(viewers(1));
  first.close();
});

test('SSE streams through the gateway and resumes with Last-Event-ID', async () => {
  const poll = await createWatchedPoll(api);
  const sse = await openEventStream(`${launcher.url}${live(poll.id)}`);
  assert.equal(sse.status, 200);
  await sse.next(isSnapshot);
  await vote(poll);
  await sse.next(votes(1), 20_000);
  const lastEventId = sse.lastEventId()!;
  const streams = async () => (await connectionsPerProcess('sse')).reduce((a, b) => a + b);
  assert.equal(await streams(), 1);
  sse.close();
  // The gateway lets go of the upstream stream when its client does.
  await eventually(async () => assert.equal(await streams(), 0));

  await vote(poll);
  await eventually(async () => {
    assert.equal((await api('GET', `/api/v1/polls/${poll.id}/results`)).body.totalVotes, 2);
  });
  const resumed = await openEventStream(`${launcher.url}${live(poll.id)}`, { 'last-event-id': lastEventId });
  const caughtUp = await resumed.next(isSnapshot);
  assert.equal(caughtUp.results.totalVotes, 2);
  assert.ok(caughtUp.sequence > Number(lastEventId));
  resumed.close();
});

test('a realtime process that stops sends its viewers away (1001), and they resume on another', async () => {
  const poll = await createWatchedPoll(api);
  const viewer = await openWebSocket(wsUrl(live(poll.id)));
  const first = await viewer.next(isSnapshot);
  const index = (await connectionsPerProcess()).indexOf(1);
  assert.ok(index >= 0);
  const name = `realtime-${index + 1}`;
  const starts = [...launcher.output().matchAll(new RegExp(`started ${name} \\(pid (\\d+)\\)`, 'g'))];
  process.kill(Number(starts.at(-1)![1]), 'SIGTERM');
  assert.equal((await viewer.closed).code, 1001);
  await launcher.waitForOutput(new RegExp(`${name} exited`));

  const again = await openWebSocket(wsUrl(live(poll.id, `?since=${first.sequence}`)));
  await vote(poll);
  await again.next(votes(1), 20_000);
  again.close();
});
