// What tracing costs the vote path (issue 17). Two clusters of the cluster tier run side by side,
// each on databases and a NATS server of its own: one with tracing off, kept for the whole phase,
// and one with a tracing setting (on at the default sampling, then the knobs that take parts of it
// away), started in turn. The same closed-loop vote load as the votes phase (16 polls) goes to one
// cluster at a time, in short slices that alternate between them (off first in odd rounds, the
// setting first in even ones), each slice measuring acknowledged votes per second and the CPU every
// involved process used per vote. Slices seconds apart see the same box: on this shared virtual
// machine its speed drifts by up to 1.5× over minutes, which clusters measured one after the other
// (a minute apart) mistook for tracing's cost. Each cluster is checked to trace as its setting says.
import { randomBytes } from 'node:crypto';
import { BENCH_DATABASE_PREFIX } from './cluster-platform.ts';
import { startBenchNats } from './private-nats.ts';
import type { TracingCheck } from './tracing-check.ts';
import { startTracedCluster, type TracedCluster, type TracingSlice } from './tracing-cluster.ts';
import { TRACING_MODES, type TracingMode } from './tracing-modes.ts';
import type { TracingShare } from './tracing-profile.ts';

export interface TracingBlock {
  /** The setting compared with off in this block. */
  mode: TracingMode;
  check: TracingCheck;
  /** Off and `mode` slices, in the order they ran. */
  slices: TracingSlice[];
  /** With `profile`: how much of each process's CPU during the setting's slices was tracing code. */
  profile?: TracingShare[];
}

export interface TracingOptions {
  polls: number;
  connections: number;
  /** Length of one slice's load. */
  seconds: number;
  /** Rounds per setting: each one slice of off and one of the setting. */
  rounds: number;
  /** Votes right after a cluster starts, not measured. */
  warmupSeconds: number;
  /** Probes of the gateway's tracing when a cluster starts. */
  probes: number;
  /** The settings compared with off, in order. */
  modes: Exclude<TracingMode, 'off'>[];
}

export interface TracingResult extends TracingOptions {
  profiled: boolean;
  notes: string[];
  offCheck: TracingCheck;
  blocks: TracingBlock[];
  /** With `profile`: the off cluster's, over all its slices. */
  offProfile?: TracingShare[];
}

export const tracingOptions = (quick: boolean): TracingOptions =>
  quick
    ? { polls: 4, connections: 16, seconds: 2, rounds: 1, warmupSeconds: 0, probes: 20, modes: ['on'] }
    : {
        polls: 16,
        connections: 64,
        seconds: 10,
        rounds: 2,
        // As long as a slice: after 3 s a new cluster's first slice still ran ~10% slower than its
        // second (JIT and caches cold) against an off cluster warm for minutes.
        warmupSeconds: 10,
        probes: 100,
        modes: ['on', 'keep-none', 'sample-all'],
      };

/** The two clusters' databases: canvass_bench_toff_polls, canvass_bench_ton_polls and so on. */
const PREFIXES = { off: `${BENCH_DATABASE_PREFIX}toff_`, on: `${BENCH_DATABASE_PREFIX}ton_` };

export async function tracingPhase(
  options: TracingOptions & {
    natsUrl: string;
    natsPid: number;
    natsBinary: string;
    postgresUrl: string;
    redisUrl: string;
    profile?: boolean;
  },
  progress: (text: string) => void,
): Promise<TracingResult> {
  const adminToken = randomBytes(24).toString('base64url');
  const slice = { polls: options.polls, connections: options.connections, seconds: options.seconds };
  const start = (mode: TracingMode, nats: { url: string; pid: number }) =>
    startTracedCluster({
      mode,
      databasePrefix: mode === 'off' ? PREFIXES.off : PREFIXES.on,
      nats,
      postgresUrl: options.postgresUrl,
      redisUrl: options.redisUrl,
      adminToken,
      probes: options.probes,
      warmup: options.warmupSeconds > 0 ? { ...slice, seconds: options.warmupSeconds } : undefined,
      profile: options.profile ?? false,
    });
  const notes: string[] = [];
  const report = (cluster: TracedCluster) => {
    for (const problem of cluster.check.problems) progress(`  CHECK FAILED (${cluster.mode}): ${problem}`);
    // What a cluster's CPU could not count (PostgreSQL not found): every cluster's, named.
    for (const note of cluster.notes) {
      notes.push(`${cluster.mode}: ${note}`);
      progress(`  NOTE (${cluster.mode}): ${note}`);
    }
  };
  const run = async (cluster: TracedCluster, round: number) => {
    const result = await cluster.slice(round, slice);
    progress(
      `    ${cluster.mode}: ${Math.round(result.votesPerSecond)} votes/s, ${result.cpuMsPerVote} ms CPU per vote`,
    );
    return result;
  };

  progress(`  tracing ${TRACING_MODES.off.label}: the cluster kept for the whole phase`);
  const off = await start('off', { url: options.natsUrl, pid: options.natsPid });
  report(off);
  const blocks: TracingBlock[] = [];
  let offProfile: TracingShare[] | undefined;
  // The setting's clusters take turns on a NATS server of their own.
  const nats = await startBenchNats(options.natsBinary);
  try {
    for (const mode of options.modes) {
      progress(
        `  tracing ${TRACING_MODES[mode].label} against off: ${options.rounds} × ${options.seconds} s each, ` +
          `${options.polls} polls, ${options.connections} connections`,
      );
      const cluster = await start(mode, nats);
      report(cluster);
      const slices: TracingSlice[] = [];
      let profile: TracingShare[] | undefined;
      try {
        for (let round = 1; round <= options.rounds; round++) {
          const order = round % 2 === 1 ? [off, cluster] : [cluster, off];
          for (const turn of order) slices.push(await run(turn, round));
        }
      } finally {
        profile = await cluster.stop();
      }
      blocks.push({ mode, check: cluster.check, slices, ...(profile ? { profile } : {}) });
    }
  } finally {
    await nats.stop();
    offProfile = await off.stop();
  }
  return {
    polls: options.polls,
    connections: options.connections,
    seconds: options.seconds,
    rounds: options.rounds,
    warmupSeconds: options.warmupSeconds,
    probes: options.probes,
    modes: options.modes,
    profiled: options.profile ?? false,
    notes,
    offCheck: off.check,
    blocks,
    ...(offProfile ? { offProfile } : {}),
  };
}
