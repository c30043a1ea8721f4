// What mutual TLS between the cluster tier's processes costs: the same closed-loop vote load over
// 16 polls against two clusters started one after the other in this run, one with
// CANVASS_INTERNAL_TLS=on (the default) and one with it off; votes per second and the CPU every
// involved process used per acknowledged vote (the pipeline after the ack included).
import { randomUUID } from 'node:crypto';
import { createPoll } from './bench-polls.ts';
import { closedLoopVotes } from './closed-loop-votes.ts';
import { BENCH_DATABASE_PREFIX, startBenchCluster } from './cluster-platform.ts';
import { clusterCpuSources } from './cpu-sources.ts';

export interface InternalTlsSetting {
  tls: 'on' | 'off';
  votesPerSecond: number;
  p99Ms: number;
  failed: number;
  cpuMsPerVote: number;
}

export interface InternalTlsResult {
  polls: number;
  connections: number;
  seconds: number;
  settings: InternalTlsSetting[];
}

export async function internalTlsPhase(
  options: {
    natsUrl: string;
    natsPid: number;
    postgresUrl: string;
    redisUrl: string;
    polls: number;
    connections: number;
    seconds: number;
  },
  progress: (text: string) => void,
): Promise<InternalTlsResult> {
  const settings: InternalTlsSetting[] = [];
  for (const tls of ['on', 'off'] as const) {
    progress(`  CANVASS_INTERNAL_TLS=${tls}: votes over ${options.polls} polls, ${options.seconds} s`);
    const cluster = await startBenchCluster({ ...options, env: { CANVASS_INTERNAL_TLS: tls } });
    try {
      const cpu = await clusterCpuSources({
        launcherPid: cluster.pid,
        natsPid: options.natsPid,
        postgresUrl: options.postgresUrl,
        databasePrefix: BENCH_DATABASE_PREFIX,
        redisUrl: options.redisUrl,
      });
      const polls = await Promise.all(
        Array.from({ length: options.polls }, (_, i) => createPoll(cluster.url, `TLS ${tls} poll ${i + 1}`)),
      );
      const votes = await closedLoopVotes({
        url: cluster.url,
        polls,
        connections: options.connections,
        seconds: options.seconds,
        voterPrefix: `tls-${randomUUID().slice(0, 8)}`,
        sources: cpu.sources,
      });
      settings.push({
        tls,
        votesPerSecond: votes.votesPerSecond,
        p99Ms: votes.p99Ms,
        failed: votes.failed,
        cpuMsPerVote: votes.cpu.msPerRequest,
      });
    } finally {
      await cluster.stop();
    }
  }
  return { polls: options.polls, connections: options.connections, seconds: options.seconds, settings };
}
