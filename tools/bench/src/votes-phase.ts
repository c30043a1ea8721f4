// Votes through the gateway of the cluster tier:
// - saturation (closed loop, autocannon): all votes on one poll (a live event's worst case: every
//   vote serializes on that poll's stream head), then spread over many polls; with CPU sources,
//   the CPU every involved process used per acknowledged vote, from the load's start until the
//   results read model counts every acknowledged vote (the pipeline after the ack included);
// - fixed offered rates (open loop, see open-loop.ts): latency percentiles without coordinated
//   omission, how many votes per second are acknowledged, and (with CPU sources) the CPU per
//   acknowledged vote at that rate, measured the same way;
// - freshness (freshness-probe.ts) with no other load (the baseline), then at a fixed offered rate;
// - correctness while measuring: after the load, every acknowledged vote is counted, once.
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { countedVotes, createPoll, type Poll, waitUntilCounted } from './bench-polls.ts';
import { type CpuPerRequest, type CpuSource, measureCpu } from './cpu-meter.ts';
import { type Freshness, probeFreshness } from './freshness-probe.ts';
import { type OpenLoopResult, openLoop } from './open-loop.ts';

export interface LoadFigures {
  requestsPerSecond: number;
  ok: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
}

export interface VotesCpu {
  /** Sources left out (a server on another machine). */
  notes: string[];
  /** GET /healthz through the gateway: what a request that does nothing costs. */
  healthz: CpuPerRequest;
  onePoll: CpuPerRequest;
  manyPolls: CpuPerRequest;
  /**
   * Each open-loop rate's window, from its load's start until the read model counts every vote:
   * at a rate below saturation, fewer votes share each batch (gateway turn, polls write, relay
   * run, consumer batch), so each costs more than at saturation.
   */
  offered: {
    perSecond: number;
    cpu: CpuPerRequest;
    /** The freshness probe ran in this window. */
    probed: boolean;
  }[];
}

export interface VotesResult {
  connections: number;
  seconds: number;
  baseline: LoadFigures;
  onePoll: LoadFigures;
  manyPolls: LoadFigures & { polls: number };
  /** CPU per acknowledged vote at saturation; null without CPU sources. */
  cpu: VotesCpu | null;
  rates: OpenLoopResult[];
  /** The offered rate whose acknowledgement p99 is a headline figure. */
  ackAt: number;
  /** The probe one vote at a time with no other load: the freshness and ack baselines. */
  unloaded: Freshness | null;
  freshness: (Freshness & { atOfferedPerSecond: number }) | null;
  /** Open-loop votes: acknowledged = counted exactly. Closed loop: counted − acked ≤ connections. */
  correctness: {
    acknowledged: number;
    counted: number;
    equal: boolean;
    closedLoop: { acknowledged: number; counted: number; inFlightAtStop: number };
  };
}

export interface VotesOptions {
  seconds: number;
  connections: number;
  polls: number;
  rates: readonly number[];
  /** Offered rates for the ack p99 and freshness headlines (added to `rates` if missing). */
  ackAt: number;
  freshnessAt: number;
  /** How long the probe runs with no other load. */
  unloadedSeconds: number;
  cpu?: { sources: readonly CpuSource[]; notes: string[] } | undefined;
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

/** After the load, how long the CPU window waits for the read model to count every ack. */
const DRAIN_MS = 30_000;

export async function votesPhase(
  url: string,
  options: VotesOptions,
  progress: (text: string) => void,
): Promise<VotesResult> {
  const { seconds, connections } = options;
  const run = randomUUID().slice(0, 8);
  let voter = 0;
  const nextVoter = () => `bench-${run}-${voter++}`;
  const sources = options.cpu?.sources ?? [];
  const metered = async <T>(work: () => Promise<T>, requests: (result: T) => number) =>
    measureCpu(sources, work, requests);

  progress(`  baseline: GET /healthz through the gateway, ${connections} connections, ${seconds} s`);
  const healthz = await metered(
    async () => figures(await autocannon({ url: `${url}/healthz`, connections, duration: seconds })),
    (result) => result.ok,
  );
  const baseline = healthz.result;

  progress(`  baseline: one probe vote at a time, no other load, ${options.unloadedSeconds} s`);
  const unloadedUntil = Date.now() + options.unloadedSeconds * 1000;
  const unloaded = await probeFreshness(url, () => Date.now() < unloadedUntil).catch((error: unknown) => {
    progress(`  unloaded freshness not measured: ${(error as Error).message}`);
    return null;
  });

  /** A vote by a new voter for one option of `poll` (the loads keep their polls and options apart). */
  const voteOn = (poll: Poll, option: number) => ({
    path: `/api/v1/polls/${poll.id}/votes`,
    headers: { 'content-type': 'application/json', 'voter-token': nextVoter() },
    body: JSON.stringify({ optionIds: [poll.options[option]!.id] }),
  });
  /** A CPU window ends once the pipeline after the ack is done too: the read model counts `acked`. */
  const drain = async (polls: readonly Poll[], acked: number) => {
    const counted = await waitUntilCounted(url, polls, acked, DRAIN_MS);
    if (counted < acked) progress(`  only ${counted} of ${acked} acknowledged votes counted so far`);
  };

  // Closed loop until the time is up, then until the read model counts every acknowledged vote.
  const closedLoop = (polls: readonly Poll[]) =>
    metered(
      async () => {
        let turn = 0;
        const load = figures(
          await autocannon({
            url,
            connections,
            duration: seconds,
            requests: [
              {
                method: 'POST',
                setupRequest: (request) => ({ ...request, ...voteOn(polls[turn++ % polls.length]!, 1) }),
              },
            ],
          }),
        );
        await drain(polls, load.ok);
        return load;
      },
      (load) => load.ok,
    );

  progress(`  saturation: votes on one poll, ${connections} connections, ${seconds} s`);
  const hot = await createPoll(url, 'One hot poll');
  const one = await closedLoop([hot]);
  const onePoll = one.result;

  const many = await Promise.all(
    Array.from({ length: options.polls }, (_, i) => createPoll(url, `Poll ${i + 1}`)),
  );
  progress(`  saturation: votes over ${many.length} polls, ${connections} connections, ${seconds} s`);
  const spread = await closedLoop(many);
  const manyPolls = { ...spread.result, polls: many.length };

  // Open-loop votes go to polls of their own: every answer is awaited, so acknowledged and
  // counted must match exactly. (A closed-loop run stops with requests in flight whose votes
  // count but whose acknowledgements were never read: at most one per connection.)
  const openPolls = await Promise.all(many.map((_, i) => createPoll(url, `Open-loop poll ${i + 1}`)));
  const offered = [...new Set([...options.rates, options.ackAt, options.freshnessAt])].sort((a, b) => a - b);
  let openLoopAcked = 0;
  const rates: OpenLoopResult[] = [];
  const offeredCpu: VotesCpu['offered'] = [];
  let freshness: VotesResult['freshness'] = null;
  const origin = new URL(url).origin;
  for (const rate of offered) {
    progress(`  open loop: ${rate} votes/s offered over ${openPolls.length} polls for ${seconds} s`);
    let probing = rate === options.freshnessAt;
    const probe = probing
      ? probeFreshness(url, () => probing).catch((error: unknown) => {
          progress(`  freshness not measured: ${(error as Error).message}`);
          return undefined;
        })
      : undefined;
    const { result, cpu: used } = await metered(
      async () => {
        const loaded = await openLoop({
          origin,
          rate,
          seconds,
          connections: Math.max(connections, 256),
          request: (index) => ({ method: 'POST', ...voteOn(openPolls[index % openPolls.length]!, 2) }),
          onAnswer: (status) => {
            if (status === 201) openLoopAcked++;
          },
        });
        // The probe's votes are not in the count: it stops with the load, before the drain.
        probing = false;
        await drain(openPolls, openLoopAcked);
        return loaded;
      },
      (loaded) => loaded.ok,
    );
    offeredCpu.push({ perSecond: rate, cpu: used, probed: probe !== undefined });
    const measured = await probe;
    if (measured) freshness = { ...measured, atOfferedPerSecond: rate };
    rates.push(result);
  }

  progress('  correctness: waiting until every acknowledged vote is counted');
  const counted = await waitUntilCounted(url, openPolls, openLoopAcked, 60_000);
  const cpu: VotesCpu | null = options.cpu
    ? {
        notes: options.cpu.notes,
        healthz: healthz.cpu,
        onePoll: one.cpu,
        manyPolls: spread.cpu,
        offered: offeredCpu,
      }
    : null;
  const closedAcked = onePoll.ok + manyPolls.ok;
  const closedCounted = await countedVotes(url, [hot, ...many]);
  return {
    connections,
    seconds,
    baseline,
    onePoll,
    manyPolls,
    cpu,
    rates,
    ackAt: options.ackAt,
    unloaded,
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
