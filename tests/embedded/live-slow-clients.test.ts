// A viewer whose connection stops draining (a phone in a tunnel) costs the server one pending
// snapshot, not a backlog: when it reads again it gets the newest snapshot, having skipped the
// ones superseded meanwhile.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createWatchedPoll,
  type LiveMessage,
  openEventStream,
  openRawWebSocket,
  publishResults,
} from '../support/live.ts';
import { useListeningPlatform } from '../support/live-platform.ts';

const { platform, api, url } = useListeningPlatform();
const isSnapshot = (message: LiveMessage) => message.type === 'snapshot';
const BASE = 1_000_000;
// Large snapshots fill the kernel's socket buffers (a few MB on loopback) after a few dozen.
const UPDATES = 200;
const padding = 'x'.repeat(256 * 1024);

async function coalescedCount(): Promise<number> {
  // Realtime's own /metrics (internal; the gateway's is the operator's).
  const metrics = await platform().realtime.app.inject({ method: 'GET', url: '/metrics' });
  return Number(/canvass_live_snapshots_coalesced_total (\d+)/.exec(metrics.body)?.[1] ?? 0);
}

for (const transport of ['WebSocket', 'SSE'] as const) {
  test(`a ${transport} client that stops reading gets the newest snapshot, not a backlog`, async () => {
    const poll = await createWatchedPoll(api());
    const path = `/api/v1/polls/${poll.id}/live`;
    const client =
      transport === 'WebSocket' ? await openRawWebSocket(url(path, 'ws')) : await openEventStream(url(path));
    await client.next(isSnapshot);
    const coalescedBefore = await coalescedCount();
    client.pause();
    for (let n = 1; n <= UPDATES; n++) {
      await publishResults(platform().bus, { pollId: poll.id, sequence: BASE + n, results: { n, padding } });
    }
    client.resume();

    const newest = await client.next((m) => isSnapshot(m) && m.sequence === BASE + UPDATES, 30_000);
    assert.equal(newest.results.n, UPDATES);
    const received = client.messages.filter(isSnapshot).slice(1);
    assert.ok(received.length < UPDATES / 4, `${received.length} of ${UPDATES} snapshots reached the client`);
    const sequences = received.map((m) => m.sequence);
    assert.deepEqual(
      sequences,
      [...sequences].sort((a, b) => a - b),
      'in order',
    );
    assert.ok((await coalescedCount()) - coalescedBefore >= UPDATES - received.length - 1);
    client.close();
  });
}
