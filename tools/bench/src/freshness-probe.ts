// Freshness: a probe votes on a poll of its own one vote at a time while a WebSocket viewer
// watches that poll, and times each vote: sent → acknowledged, acknowledged → the results read
// model counts it, acknowledged → the viewer's first snapshot that counts it, and sent → that
// snapshot (what another person in the room sees after someone votes). Run under load, and with
// no other load as the same run's baseline.
import { randomUUID } from 'node:crypto';
import { createPoll, totalVotes } from './bench-polls.ts';
import { percentile } from './open-loop.ts';

export interface Percentiles {
  p50Ms: number;
  p99Ms: number;
}

export interface Freshness {
  samples: number;
  /** Sent → the 201 acknowledgement. */
  ack: Percentiles;
  /** Acknowledged → the results endpoint counts it. */
  readModel: Percentiles;
  /** Acknowledged → a live viewer's WebSocket snapshot counts it. */
  screen: Percentiles;
  /** Sent → a live viewer's WebSocket snapshot counts it. */
  voteToScreen: Percentiles;
}

const summary = (samples: number[]): Percentiles => {
  const sorted = samples.sort((a, b) => a - b);
  return { p50Ms: Math.round(percentile(sorted, 50)), p99Ms: Math.round(percentile(sorted, 99)) };
};

const late = (ms: number) => new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), ms));

/** Votes on a poll of its own, one at a time, until `until()` is false; times each vote's journey. */
export async function probeFreshness(url: string, until: () => boolean): Promise<Freshness> {
  const poll = await createPoll(url, 'Probe');
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/polls/${poll.id}/live`);
  let onScreen = -1;
  let waiting: { votes: number; resolve: () => void } | undefined;
  socket.addEventListener('message', (message) => {
    const data = JSON.parse(String(message.data));
    if (data.type !== 'snapshot') return;
    onScreen = Math.max(onScreen, Number(data.results.totalVotes));
    if (waiting && onScreen >= waiting.votes) waiting.resolve();
  });
  try {
    // Start timing only once the viewer has its first snapshot (the poll's results exist).
    await new Promise<void>((resolve, reject) => {
      waiting = { votes: 0, resolve };
      socket.addEventListener('error', () => reject(new Error('the live connection failed')), {
        once: true,
      });
      setTimeout(() => reject(new Error('no first snapshot within 10 s')), 10_000);
    });
    const ack: number[] = [];
    const readModel: number[] = [];
    const screen: number[] = [];
    const voteToScreen: number[] = [];
    for (let votes = 1; until(); votes++) {
      let seenAt = 0;
      const seen = new Promise<void>((resolve) => {
        waiting = {
          votes,
          resolve: () => {
            seenAt ||= performance.now();
            resolve();
          },
        };
      });
      const sent = performance.now();
      const response = await fetch(`${url}/api/v1/polls/${poll.id}/votes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'voter-token': `probe-${randomUUID()}` },
        body: JSON.stringify({ optionIds: [poll.options[0]!.id] }),
      });
      if (response.status !== 201) throw new Error(`probe vote refused: ${response.status}`);
      const acknowledged = performance.now();
      ack.push(acknowledged - sent);
      // The read model, polled every 5 ms.
      const counted = (async () => {
        while ((await totalVotes(url, poll.id)) < votes)
          await new Promise((resolve) => setTimeout(resolve, 5));
        readModel.push(performance.now() - acknowledged);
      })();
      if ((await Promise.race([seen, late(10_000)])) === 'late')
        throw new Error('a probe vote never reached the screen');
      screen.push(Math.max(0, seenAt - acknowledged));
      voteToScreen.push(seenAt - sent);
      if ((await Promise.race([counted, late(10_000)])) === 'late')
        throw new Error('a probe vote was never counted');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return {
      samples: screen.length,
      ack: summary(ack),
      readModel: summary(readModel),
      screen: summary(screen),
      voteToScreen: summary(voteToScreen),
    };
  } finally {
    socket.close();
  }
}
