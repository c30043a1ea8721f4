// Votes through the gateway of the cluster tier, all on one poll (a live event's worst case: every
// vote serializes on that poll's stream head). Reports acknowledged votes per second and latency
// percentiles beside the gateway's own ceiling (GET /healthz through the same gateway, same
// connections, same run), and vote-to-screen latency: a probe voter votes on a second poll one
// vote at a time while the load runs, and a live viewer of that poll times each vote from the
// request to the first live snapshot that counts it.
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';

export interface LoadFigures {
  requestsPerSecond: number;
  ok: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
}

export interface VotesResult {
  connections: number;
  seconds: number;
  baseline: LoadFigures;
  votes: LoadFigures;
  ratio: number;
  voteToScreen: { samples: number; p50Ms: number; p99Ms: number } | null;
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

function figures(result: autocannon.Result): LoadFigures {
  return {
    requestsPerSecond: result.requests.average,
    ok: result['2xx'],
    failed: result.non2xx + result.errors + result.timeouts,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}

async function createPoll(url: string, question: string) {
  const response = await fetch(`${url}/api/v1/polls`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question, options: [{ label: 'A' }, { label: 'B' }, { label: 'C' }] }),
  });
  if (response.status !== 201)
    throw new Error(`cannot create a poll: ${response.status} ${await response.text()}`);
  return (await response.json()) as { id: string; options: { id: string }[] };
}

/** Votes on the probe poll one at a time and times each until a live snapshot counts it. */
async function probeVoteToScreen(url: string, until: () => boolean): Promise<number[]> {
  const poll = await createPoll(url, 'Probe');
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/polls/${poll.id}/live`);
  let counted = 0;
  let waiting: { votes: number; resolve: () => void } | undefined;
  socket.addEventListener('message', (message) => {
    const data = JSON.parse(String(message.data));
    if (data.type !== 'snapshot') return;
    counted = Math.max(counted, Number(data.results.totalVotes));
    if (waiting && counted >= waiting.votes) waiting.resolve();
  });
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', () => reject(new Error('the live connection failed')), { once: true });
  });
  const samples: number[] = [];
  for (let votes = 1; until(); votes++) {
    const started = performance.now();
    const seen = new Promise<void>((resolve) => {
      waiting = { votes, resolve };
      if (counted >= votes) resolve();
    });
    const response = await fetch(`${url}/api/v1/polls/${poll.id}/votes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'voter-token': `probe-${randomUUID()}` },
      body: JSON.stringify({ optionIds: [poll.options[0]!.id] }),
    });
    if (response.status !== 201) throw new Error(`probe vote refused: ${response.status}`);
    const timeout = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 10_000));
    if ((await Promise.race([seen, timeout])) === 'late')
      throw new Error('a probe vote never reached the screen');
    samples.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  socket.close();
  return samples.sort((a, b) => a - b);
}

export async function votesPhase(
  url: string,
  options: { seconds: number; connections: number },
  progress: (text: string) => void,
): Promise<VotesResult> {
  const { seconds, connections } = options;
  progress(`  baseline: GET /healthz through the gateway, ${connections} connections, ${seconds} s`);
  const baseline = await autocannon({ url: `${url}/healthz`, connections, duration: seconds });
  const poll = await createPoll(url, 'Load');
  const body = JSON.stringify({ optionIds: [poll.options[1]!.id] });
  let voter = 0;
  const run = randomUUID().slice(0, 8);
  progress(`  votes: POST …/votes on one poll, ${connections} connections, ${seconds} s, with a live probe`);
  let loading = true;
  const probe = probeVoteToScreen(url, () => loading).catch((error: unknown) => {
    progress(`  vote-to-screen not measured: ${(error as Error).message}`);
    return [] as number[];
  });
  const votes = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: `/api/v1/polls/${poll.id}/votes`,
        setupRequest: (request) => ({
          ...request,
          headers: { 'content-type': 'application/json', 'voter-token': `bench-${run}-${voter++}` },
          body,
        }),
      },
    ],
  });
  loading = false;
  const samples = await probe;
  return {
    connections,
    seconds,
    baseline: figures(baseline),
    votes: figures(votes),
    ratio: votes.requests.average / Math.max(1, baseline.requests.average),
    voteToScreen:
      samples.length > 0
        ? { samples: samples.length, p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99) }
        : null,
  };
}
