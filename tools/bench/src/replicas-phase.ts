// Replicas in the cluster tier (docs/scaling.md, docs/operations.md "Replicas and rolling
// restarts"): the same closed-loop vote load against one process per service and against two
// of the gateway, polls, analytics and realtime, in this run (votes per second, and CPU per vote
// over every process); then, on the two-replica cluster, how many votes are refused while a polls
// process is SIGKILLed under load and while every process is restarted in turn (SIGHUP to the
// launcher), and whether every acknowledged vote was counted.
import { randomUUID } from 'node:crypto';
import { createPoll, type Poll, waitUntilCounted } from './bench-polls.ts';
import { closedLoopVotes } from './closed-loop-votes.ts';
import { BENCH_DATABASE_PREFIX, type BenchCluster, startBenchCluster } from './cluster-platform.ts';
import { clusterCpuSources } from './cpu-sources.ts';

export const TWO_REPLICAS = 'gateway=2,polls=2,analytics=2,realtime=2';

export interface ReplicasSetting {
  replicas: '×1' | '×2';
  votesPerSecond: number;
  p99Ms: number;
  failed: number;
  cpuMsPerVote: number;
}

export interface ReplicasFault {
  fault: 'a polls process SIGKILLed' | 'rolling restart of every process';
  /** How the load was sent: clients, and the pause each takes between votes. */
  load: string;
  seconds: number;
  sent: number;
  refused: number;
  /** The first few refusals, as answered. */
  refusals: string[];
  acknowledged: number;
  counted: number;
}

export interface ReplicasResult {
  polls: number;
  connections: number;
  seconds: number;
  settings: ReplicasSetting[];
  /** Not measured with --quick (the rolling restart alone takes minutes). */
  faults: ReplicasFault[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Votes from `clients` clients (each pausing `pauseMs`) until `until` settles. */
async function voteUntil(
  url: string,
  polls: readonly Poll[],
  until: Promise<unknown>,
  { clients, pauseMs }: { clients: number; pauseMs: number },
): Promise<{ sent: number; acknowledged: number; refusals: string[] }> {
  let done = false;
  void until.finally(() => {
    done = true;
  });
  let sent = 0;
  let acknowledged = 0;
  const refusals: string[] = [];
  const prefix = `replicas-${randomUUID().slice(0, 8)}`;
  const client = async (n: number) => {
    for (let i = 0; !done; i++) {
      const poll = polls[(n + i) % polls.length]!;
      sent++;
      try {
        const response = await fetch(`${url}/api/v1/polls/${poll.id}/votes`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'voter-token': `${prefix}-${n}-${i}` },
          body: JSON.stringify({ optionIds: [poll.options[i % 2]!.id] }),
        });
        const body = await response.text();
        if (response.status === 201) acknowledged++;
        else refusals.push(`${response.status} ${body.slice(0, 160)}`);
      } catch (error) {
        refusals.push(`network ${String((error as Error).cause ?? error).slice(0, 160)}`);
      }
      if (pauseMs) await sleep(pauseMs);
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, n) => client(n)));
  return { sent, acknowledged, refusals };
}

async function waitForOutput(cluster: BenchCluster, pattern: RegExp, timeoutMs: number, from = 0) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = cluster.output().slice(from).match(pattern);
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`no ${pattern} in the launcher's output in ${timeoutMs} ms`);
    await sleep(250);
  }
}

async function fault(
  cluster: BenchCluster,
  name: ReplicasFault['fault'],
  load: { clients: number; pauseMs: number },
  act: () => Promise<void>,
): Promise<ReplicasFault> {
  const polls = await Promise.all(
    Array.from({ length: 4 }, (_, i) => createPoll(cluster.url, `${name} poll ${i + 1}`)),
  );
  const started = Date.now();
  const outcome = await voteUntil(cluster.url, polls, act(), load);
  const seconds = Math.round((Date.now() - started) / 1000);
  const counted = await waitUntilCounted(cluster.url, polls, outcome.acknowledged, 60_000);
  return {
    fault: name,
    load: `${load.clients} clients${load.pauseMs ? `, ${load.pauseMs} ms apart` : ', unpaced'}`,
    seconds,
    sent: outcome.sent,
    refused: outcome.refusals.length,
    refusals: outcome.refusals.slice(0, 3),
    acknowledged: outcome.acknowledged,
    counted,
  };
}

export async function replicasPhase(
  options: {
    natsUrl: string;
    natsPid: number;
    postgresUrl: string;
    redisUrl: string;
    polls: number;
    connections: number;
    seconds: number;
    quick: boolean;
  },
  progress: (text: string) => void,
): Promise<ReplicasResult> {
  const settings: ReplicasSetting[] = [];
  const faults: ReplicasFault[] = [];
  for (const replicas of ['×1', '×2'] as const) {
    progress(
      `  ${replicas === '×1' ? 'one process per service' : TWO_REPLICAS}: votes over ${options.polls} polls, ${options.seconds} s`,
    );
    const cluster = await startBenchCluster({
      ...options,
      env: {
        CANVASS_REPLICAS: replicas === '×1' ? 'realtime=1' : TWO_REPLICAS,
        // A restarted process drains briefly: the rolling restart stays short.
        CANVASS_DRAIN_MS: '1000',
      },
    });
    try {
      const cpu = await clusterCpuSources({
        launcherPid: cluster.pid,
        natsPid: options.natsPid,
        postgresUrl: options.postgresUrl,
        databasePrefix: BENCH_DATABASE_PREFIX,
        redisUrl: options.redisUrl,
      });
      const polls = await Promise.all(
        Array.from({ length: options.polls }, (_, i) =>
          createPoll(cluster.url, `Replicas ${replicas} poll ${i + 1}`),
        ),
      );
      const votes = await closedLoopVotes({
        url: cluster.url,
        polls,
        connections: options.connections,
        seconds: options.seconds,
        voterPrefix: `replicas-${randomUUID().slice(0, 8)}`,
        sources: cpu.sources,
      });
      settings.push({
        replicas,
        votesPerSecond: votes.votesPerSecond,
        p99Ms: votes.p99Ms,
        failed: votes.failed,
        cpuMsPerVote: votes.cpu.msPerRequest,
      });
      if (replicas === '×2' && !options.quick) {
        progress('  a polls process SIGKILLed under load (12 clients, unpaced, 20 s after the kill)');
        faults.push(
          await fault(cluster, 'a polls process SIGKILLed', { clients: 12, pauseMs: 0 }, async () => {
            const pid = Number(/started polls-1 \(pid (\d+)\)/.exec(cluster.output())![1]);
            await sleep(3_000);
            process.kill(pid, 'SIGKILL');
            await waitForOutput(cluster, /polls-1 exited \(SIGKILL\); restarting/, 10_000);
            await sleep(20_000);
          }),
        );
        progress('  a rolling restart of every process under load (6 clients, 40 ms apart)');
        faults.push(
          await fault(cluster, 'rolling restart of every process', { clients: 6, pauseMs: 40 }, async () => {
            const from = cluster.output().length;
            await sleep(1_000);
            process.kill(cluster.pid, 'SIGHUP');
            await waitForOutput(cluster, /rolling restart (done|stopped)/, 600_000, from);
            await sleep(1_000);
          }),
        );
      }
    } finally {
      await cluster.stop();
    }
  }
  return {
    polls: options.polls,
    connections: options.connections,
    seconds: options.seconds,
    settings,
    faults,
  };
}
