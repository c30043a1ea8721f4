// Votes through the gateway of the cluster tier:
// - saturation (closed loop, autocannon): all votes on one poll (a live event's worst case: every
//   vote serializes on that poll's stream head), then spread over many polls;
// - fixed offered rates (open loop, see open-loop.ts): latency percentiles without coordinated
//   omission, and how many votes per second are acknowledged;
// - freshness at a fixed load: a probe votes on its own poll one vote at a time and times each
//   vote from its acknowledgement to the results read model counting it, and to the first live
//   WebSocket snapshot that counts it;
// - correctness while measuring: after the load, every acknowledged vote is counted, once.
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { type OpenLoopResult, openLoop, percentile } from './open-loop.ts';

export interface LoadFigures {
  requestsPerSecond: number;
  ok: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
}

export interface Freshness {
  samples: number;
  /** Acknowledged → the results endpoint counts it. */
  readModel: { p50Ms: number; p99Ms: number };
  /** Acknowledged → a live viewer's WebSocket snapshot counts it. */
  screen: { p50Ms: number; p99Ms: number };
}

export interface VotesResult {
  connections: number;
  seconds: number;
  baseline: LoadFigures;
  onePoll: LoadFigures;
  manyPolls: LoadFigures & { polls: number };
  rates: OpenLoopResult[];
  freshness: (Freshness & { atOfferedPerSecond: number }) | null;
  /** Open-loop votes: acknowledged = counted exactly. Closed loop: counted − acked ≤ connections. */
  correctness: {
    acknowledged: number;
    counted: number;
    equal: boolean;
    closedLoop: { acknowledged: number; counted: number; inFlightAtStop: number };
  };
}

interface Poll {
  id: string;
  options: { id: string }[];
}

function figures(result: autocannon.Result): LoadFigures {
  return {
    requestsPerSecond: result.requests.average,
    ok: result['2xx'],
    failed: result.non2xx + result.errors + result.timeouts,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    p999Ms: result.latency.p99_9,
  };
}

async function createPoll(url: string, question: string): Promise<Poll> {
  const response = await fetch(`${url}/api/v1/polls`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question, options: [{ label: 'A' }, { label: 'B' }, { label: 'C' }] }),
  });
  if (response.status !== 201)
    throw new Error(`cannot create a poll: ${response.status} ${await response.text()}`);
  return (await response.json()) as Poll;
}

async function totalVotes(url: string, pollId: string): Promise<number> {
  const response = await fetch(`${url}/api/v1/polls/${pollId}/results`, {
    headers: { 'vote-receipt': 'fresh' },
  });
  if (response.status !== 200) return 0;
  return Number(((await response.json()) as { totalVotes: number }).totalVotes);
}

/** Votes on a poll of its own, one at a time, until `until()` is false; times each vote's journey. */
async function probeFreshness(url: string, until: () => boolean): Promise<Freshness> {
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
  // Start timing only once the viewer has its first snapshot (the poll's results exist).
  await new Promise<void>((resolve, reject) => {
    waiting = { votes: 0, resolve };
    socket.addEventListener('error', () => reject(new Error('the live connection failed')), { once: true });
    setTimeout(() => reject(new Error('no first snapshot within 10 s')), 10_000);
  });
  const readModel: number[] = [];
  const screen: number[] = [];
  const timeout = (ms: number) => new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), ms));
  for (let votes = 1; until(); votes++) {
    const seen = new Promise<void>((resolve) => {
      waiting = { votes, resolve };
      if (onScreen >= votes) resolve();
    });
    const response = await fetch(`${url}/api/v1/polls/${poll.id}/votes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'voter-token': `probe-${randomUUID()}` },
      body: JSON.stringify({ optionIds: [poll.options[0]!.id] }),
    });
    if (response.status !== 201) throw new Error(`probe vote refused: ${response.status}`);
    const acknowledged = performance.now();
    // The read model, polled every 5 ms (with a credential, so the gateway's cache is bypassed).
    const counted = (async () => {
      while ((await totalVotes(url, poll.id)) < votes) await new Promise((resolve) => setTimeout(resolve, 5));
      readModel.push(performance.now() - acknowledged);
    })();
    if ((await Promise.race([seen, timeout(10_000)])) === 'late')
      throw new Error('a probe vote never reached the screen');
    screen.push(performance.now() - acknowledged);
    if ((await Promise.race([counted, timeout(10_000)])) === 'late')
      throw new Error('a probe vote was never counted');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  socket.close();
  const summary = (samples: number[]) => {
    const sorted = samples.sort((a, b) => a - b);
    return { p50Ms: Math.round(percentile(sorted, 50)), p99Ms: Math.round(percentile(sorted, 99)) };
  };
  return { samples: screen.length, readModel: summary(readModel), screen: summary(screen) };
}

export async function votesPhase(
  url: string,
  options: {
    seconds: number;
    connections: number;
    polls: number;
    rates: readonly number[];
    freshnessAt: number;
  },
  progress: (text: string) => void,
): Promise<VotesResult> {
  const { seconds, connections } = options;
  const run = randomUUID().slice(0, 8);
  let voter = 0;
  const nextVoter = () => `bench-${run}-${voter++}`;

  progress(`  baseline: GET /healthz through the gateway, ${connections} connections, ${seconds} s`);
  const baseline = figures(await autocannon({ url: `${url}/healthz`, connections, duration: seconds }));

  const closedLoop = async (polls: readonly Poll[]) => {
    let turn = 0;
    const instance = autocannon({
      url,
      connections,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          setupRequest: (request) => {
            const poll = polls[turn++ % polls.length]!;
            return {
              ...request,
              path: `/api/v1/polls/${poll.id}/votes`,
              headers: { 'content-type': 'application/json', 'voter-token': nextVoter() },
              body: JSON.stringify({ optionIds: [poll.options[1]!.id] }),
            };
          },
        },
      ],
    });
    return figures(await instance);
  };

  progress(`  saturation: votes on one poll, ${connections} connections, ${seconds} s`);
  const hot = await createPoll(url, 'One hot poll');
  const onePoll = await closedLoop([hot]);

  const many = await Promise.all(
    Array.from({ length: options.polls }, (_, i) => createPoll(url, `Poll ${i + 1}`)),
  );
  progress(`  saturation: votes over ${many.length} polls, ${connections} connections, ${seconds} s`);
  const manyPolls = { ...(await closedLoop(many)), polls: many.length };
  const spread = manyPolls.ok;
  const closedPolls = [...many];

  // Open-loop votes go to polls of their own: every answer is awaited, so acknowledged and
  // counted must match exactly. (A closed-loop run stops with requests in flight whose votes
  // count but whose acknowledgements were never read: at most one per connection.)
  many.splice(
    0,
    many.length,
    ...(await Promise.all(many.map((_, i) => createPoll(url, `Open-loop poll ${i + 1}`)))),
  );
  let openLoopAcked = 0;
  const rates: OpenLoopResult[] = [];
  let freshness: VotesResult['freshness'] = null;
  const origin = new URL(url).origin;
  for (const rate of options.rates) {
    progress(`  open loop: ${rate} votes/s offered over ${many.length} polls for ${seconds} s`);
    let probing = rate === options.freshnessAt;
    const probe = probing
      ? probeFreshness(url, () => probing).catch((error: unknown) => {
          progress(`  freshness not measured: ${(error as Error).message}`);
          return undefined;
        })
      : undefined;
    const result = await openLoop({
      origin,
      rate,
      seconds,
      connections: Math.max(connections, 256),
      request: (index) => {
        const poll = many[index % many.length]!;
        return {
          method: 'POST',
          path: `/api/v1/polls/${poll.id}/votes`,
          headers: { 'content-type': 'application/json', 'voter-token': nextVoter() },
          body: JSON.stringify({ optionIds: [poll.options[2]!.id] }),
        };
      },
      onAnswer: (status) => {
        if (status === 201) openLoopAcked++;
      },
    });
    probing = false;
    const measured = await probe;
    if (measured) freshness = { ...measured, atOfferedPerSecond: rate };
    rates.push(result);
  }

  progress('  correctness: waiting until every acknowledged vote is counted');
  const count = async (polls: readonly Poll[]) =>
    (await Promise.all(polls.map((poll) => totalVotes(url, poll.id)))).reduce((a, b) => a + b, 0);
  let counted = 0;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    counted = await count(many);
    if (counted >= openLoopAcked) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const closedAcked = onePoll.ok + spread;
  const closedCounted = await count([hot, ...closedPolls]);
  return {
    connections,
    seconds,
    baseline,
    onePoll,
    manyPolls,
    rates,
    freshness,
    correctness: {
      acknowledged: openLoopAcked,
      counted,
      equal: counted === openLoopAcked,
      closedLoop: {
        acknowledged: closedAcked,
        counted: closedCounted,
        inFlightAtStop: closedCounted - closedAcked,
      },
    },
  };
}
