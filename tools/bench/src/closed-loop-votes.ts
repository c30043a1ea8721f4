// Closed-loop votes through the gateway, as the votes phase measures saturation: autocannon, votes
// spread over polls, a new voter token per request; metered from the load's start until the read
// model counts every acknowledged vote, so the CPU per vote includes the pipeline after the ack.
// The phases that compare settings of the cluster tier (internal TLS, tracing) drive it.
import autocannon from 'autocannon';
import { type Poll, waitUntilCounted } from './bench-polls.ts';
import { type CpuPerRequest, type CpuSource, measureCpu } from './cpu-meter.ts';

export interface ClosedLoopVotes {
  votesPerSecond: number;
  ok: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  /** What the read model counted on these polls when the window closed (≥ ok unless it lagged). */
  counted: number;
  cpu: CpuPerRequest;
}

/** After the load, how long the CPU window waits for the read model to count every ack. */
const DRAIN_MS = 30_000;

export async function closedLoopVotes(options: {
  url: string;
  /** Fresh polls: every vote counted on them is one of this load's. */
  polls: readonly Poll[];
  connections: number;
  seconds: number;
  /** Voter tokens are `<prefix>-<n>`: unique per run. */
  voterPrefix: string;
  sources: readonly CpuSource[];
}): Promise<ClosedLoopVotes> {
  const { url, polls } = options;
  let turn = 0;
  const { result, cpu } = await measureCpu(
    options.sources,
    async () => {
      const load = await autocannon({
        url,
        connections: options.connections,
        duration: options.seconds,
        requests: [
          {
            method: 'POST',
            setupRequest: (request) => {
              const poll = polls[turn % polls.length]!;
              return {
                ...request,
                path: `/api/v1/polls/${poll.id}/votes`,
                headers: {
                  'content-type': 'application/json',
                  'voter-token': `${options.voterPrefix}-${turn++}`,
                },
                body: JSON.stringify({ optionIds: [poll.options[1]!.id] }),
              };
            },
          },
        ],
      });
      const counted = await waitUntilCounted(url, polls, load['2xx'], DRAIN_MS);
      return { load, counted };
    },
    ({ load }) => load['2xx'],
  );
  const { load, counted } = result;
  return {
    votesPerSecond: load.requests.average,
    ok: load['2xx'],
    failed: load.non2xx + load.errors + load.timeouts,
    p50Ms: load.latency.p50,
    p99Ms: load.latency.p99,
    counted,
    cpu,
  };
}
