// One cluster of the tracing phase: the cluster tier with one tracing setting, on databases and a
// NATS server of its own (so two can run side by side), its logs in a temporary folder, checked to
// trace as its setting says (tracing-check.ts); and one slice of closed-loop votes through it, with
// the CPU every involved process used per acknowledged vote.
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPoll } from './bench-polls.ts';
import { closedLoopVotes } from './closed-loop-votes.ts';
import { type BenchCluster, startBenchCluster } from './cluster-platform.ts';
import type { CpuSource, ProcessCpu } from './cpu-meter.ts';
import { clusterCpuSources } from './cpu-sources.ts';
import { checkTracing, type TracingCheck } from './tracing-check.ts';
import { TRACING_MODES, type TracingMode } from './tracing-modes.ts';
import { monotonicUs, type ProfileWindow, type TracingShare, tracingShares } from './tracing-profile.ts';

export interface TracingSlice {
  mode: TracingMode;
  /** Which round of its block (1, 2, …). */
  round: number;
  votesPerSecond: number;
  ok: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerVote: number;
  /** CPU per acknowledged vote of each process (or group of processes). */
  processes: { process: string; count: number; msPerVote: number }[];
  /** The load generator, and the rest of the machine's busy time, per vote (not in the total). */
  loadGeneratorMsPerVote: number;
  elsewhereMsPerVote: number;
  windowMs: number;
  /** boxCheckMs() just before the load. */
  boxCheckMs: number;
}

export interface SliceOptions {
  polls: number;
  connections: number;
  seconds: number;
}

export interface TracedCluster {
  mode: TracingMode;
  check: TracingCheck;
  notes: string[];
  slice(round: number, options: SliceOptions): Promise<TracingSlice>;
  /** Stops it; with profiles, how much of each process's CPU during its slices was tracing code. */
  stop(): Promise<TracingShare[] | undefined>;
}

/**
 * How fast this box is right now: the median wall time of a fixed piece of hashing, taken with the
 * clusters idle just before a load. On a shared virtual machine the host's other tenants change it.
 */
export function boxCheckMs(): number {
  const data = Buffer.alloc(64 * 1024, 7);
  const times: number[] = [];
  for (let round = 0; round < 5; round++) {
    const started = performance.now();
    for (let i = 0; i < 1_000; i++) createHash('sha256').update(data).digest();
    times.push(performance.now() - started);
  }
  return Math.round(times.sort((a, b) => a - b)[2]! * 10) / 10;
}

const perVote = (ms: number, votes: number) => Math.round((ms / Math.max(1, votes)) * 10_000) / 10_000;

/**
 * A breakdown row's name, the same for either cluster: `postgres: backends on canvass_bench_ton_polls`
 * → `postgres: backends on polls`; the other cluster's backends (idle while this one is loaded)
 * under one row.
 */
export function rowName(process: string, prefix: string): string {
  if (process.startsWith(`postgres: backends on ${prefix}`))
    return process.replace(`backends on ${prefix}`, 'backends on ');
  if (/^postgres: backends on canvass_bench_t(?:on|off)_/.test(process))
    return 'postgres: backends of the other cluster (idle)';
  return process;
}

/** CPU per vote of each breakdown row, rows that read the same (rowName) added up. */
function byRow(processes: readonly ProcessCpu[], prefix: string, votes: number): TracingSlice['processes'] {
  const rows = new Map<string, { count: number; cpuMs: number }>();
  for (const entry of processes) {
    const name = rowName(entry.process, prefix);
    const row = rows.get(name) ?? { count: 0, cpuMs: 0 };
    rows.set(name, { count: row.count + entry.count, cpuMs: row.cpuMs + entry.cpuMs });
  }
  return [...rows]
    .map(([process, row]) => ({ process, count: row.count, msPerVote: perVote(row.cpuMs, votes) }))
    .sort((a, b) => b.msPerVote - a.msPerVote);
}

async function createPolls(url: string, count: number, what: string) {
  return Promise.all(Array.from({ length: count }, (_, i) => createPoll(url, `${what} poll ${i + 1}`)));
}

export async function startTracedCluster(options: {
  mode: TracingMode;
  /** Its databases: `<prefix>polls` and so on. */
  databasePrefix: string;
  nats: { url: string; pid: number };
  postgresUrl: string;
  redisUrl: string;
  adminToken: string;
  probes: number;
  /** Votes right after start, not measured, so its first slice starts warm. */
  warmup: SliceOptions | undefined;
  profile: boolean;
}): Promise<TracedCluster> {
  const { mode, databasePrefix } = options;
  const setting = TRACING_MODES[mode];
  const logDir = await mkdtemp(join(tmpdir(), 'canvass-bench-tracing-logs-'));
  const profileDir = options.profile ? await mkdtemp(join(tmpdir(), 'canvass-bench-tracing-')) : undefined;
  let cluster: BenchCluster;
  try {
    cluster = await startBenchCluster({
      natsUrl: options.nats.url,
      postgresUrl: options.postgresUrl,
      profileDir,
      env: {
        ...setting.env,
        CANVASS_ADMIN_TOKEN: options.adminToken,
        CANVASS_DB_PREFIX: databasePrefix,
        // Two clusters at 10 connections per service pool (~55 each, held while idle) pass this
        // PostgreSQL's 100; at 6 they hold ~38 each, and one slice's votes/s is the same (148–170
        // against 152–185 at 10, one cluster alone, 64 connections).
        DATABASE_POOL_SIZE: '6',
        CANVASS_LOG_DIR: logDir,
      },
    });
  } catch (error) {
    await rm(logDir, { recursive: true, force: true });
    throw error;
  }
  // Anything failing from here on must not leave the cluster running.
  const stopAll = async () => {
    await cluster.stop();
    await rm(logDir, { recursive: true, force: true });
    if (profileDir) await rm(profileDir, { recursive: true, force: true });
  };
  // Its CPU sources, its check, and the warm-up.
  const prepare = async () => {
    const cpu = await clusterCpuSources({
      launcherPid: cluster.pid,
      natsPid: options.nats.pid,
      postgresUrl: options.postgresUrl,
      databasePrefix,
      redisUrl: options.redisUrl,
    });
    const probePoll = await createPoll(cluster.url, `Tracing ${mode} probe`);
    const check = await checkTracing({
      url: cluster.url,
      launcherPid: cluster.pid,
      adminToken: options.adminToken,
      probePath: `/api/v1/polls/${probePoll.id}`,
      probes: options.probes,
      expected: setting.expected,
    });
    const runId = randomUUID().slice(0, 8);
    const load = async (figures: SliceOptions, voterPrefix: string, sources: readonly CpuSource[]) =>
      closedLoopVotes({
        url: cluster.url,
        // Fresh polls each time: every vote counted on them is one of this load's.
        polls: await createPolls(cluster.url, figures.polls, `Tracing ${mode}`),
        connections: figures.connections,
        seconds: figures.seconds,
        voterPrefix,
        sources,
      });
    if (options.warmup) await load(options.warmup, `tracing-${runId}-warm`, []);
    return { cpu, probePoll, check, load, runId };
  };
  const { cpu, probePoll, check, load, runId } = await prepare().catch(async (error: unknown) => {
    await stopAll();
    throw error;
  });
  const windows: ProfileWindow[] = [];
  return {
    mode,
    check,
    notes: cpu.notes,
    async slice(round, sliceOptions) {
      const boxMs = boxCheckMs();
      const fromUs = monotonicUs();
      const votes = await load(sliceOptions, `tracing-${runId}-${round}`, cpu.sources);
      windows.push({ fromUs, toUs: monotonicUs() });
      const used = votes.cpu;
      return {
        mode,
        round,
        votesPerSecond: votes.votesPerSecond,
        ok: votes.ok,
        failed: votes.failed,
        p50Ms: votes.p50Ms,
        p99Ms: votes.p99Ms,
        cpuMsPerVote: used.msPerRequest,
        processes: byRow(used.processes, databasePrefix, votes.ok),
        loadGeneratorMsPerVote: perVote(used.loadGeneratorMs, votes.ok),
        elsewhereMsPerVote: perVote(
          Math.max(0, used.machineMs - used.totalMs - used.loadGeneratorMs),
          votes.ok,
        ),
        windowMs: Math.round(used.windowMs),
        boxCheckMs: boxMs,
      };
    },
    async stop() {
      // After the load: the trace stores' sizes show what was recorded.
      const after = await checkTracing({
        url: cluster.url,
        launcherPid: cluster.pid,
        adminToken: options.adminToken,
        probePath: `/api/v1/polls/${probePoll.id}`,
        probes: 0,
        expected: setting.expected,
      }).catch(() => undefined);
      if (after) check.services = after.services;
      if (!profileDir) {
        await stopAll();
        return undefined;
      }
      await cluster.stop();
      await rm(logDir, { recursive: true, force: true });
      // Only the measured slices' samples: start-up and the other cluster's turns are not per vote.
      const shares = await tracingShares(profileDir, windows);
      await rm(profileDir, { recursive: true, force: true });
      return shares;
    },
  };
}
