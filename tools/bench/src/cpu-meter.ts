// CPU time of every process a measure involves, from /proc: each source is a process tree (the
// cluster launcher and its services, the PostgreSQL postmaster and its backends, a server), read
// before and after a window. A process's utime+stime covers all its threads. Processes that start
// in the window count from zero; those that exit in it are caught through their parent's
// cutime+cstime (the kernel adds a child's CPU there when it is reaped), so a tree's total stays
// right while PostgreSQL opens and closes backends.
import { readdir, readFile } from 'node:fs/promises';

const CLOCK_TICKS = 100; // USER_HZ on Linux

export interface CpuSource {
  /** Its breakdown row, unless `label` names one per process. */
  name: string;
  rootPid: number;
  /** The breakdown row one process of the tree counts under. */
  label?(cmdline: string, isRoot: boolean): string;
}

interface ProcessStat {
  ppid: number;
  ownMs: number;
  reapedMs: number;
  /** Start time in ticks since boot: with the pid, one process even when pids are reused. */
  key: string;
}

interface Counted {
  source: string;
  label: string;
  ownMs: number;
}

export interface CpuSample {
  at: number;
  /** By process key. */
  processes: Map<string, Counted>;
  /** Per source: every live process's own and reaped children's CPU. */
  treeMs: Map<string, number>;
}

export interface ProcessCpu {
  process: string;
  /** Distinct processes counted under this row during the window. */
  count: number;
  cpuMs: number;
}

export interface CpuUse {
  windowMs: number;
  totalMs: number;
  processes: ProcessCpu[];
}

// Whole milliseconds (10 per tick), so sums and differences stay exact.
const ticksToMs = (ticks: number) => ticks * (1000 / CLOCK_TICKS);

async function readStat(pid: number): Promise<ProcessStat | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!text) return undefined;
  // Fields after the command (which may hold spaces or parentheses) start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const field = (index: number) => Number(fields[index] ?? 0);
  return {
    ppid: field(1),
    ownMs: ticksToMs(field(11) + field(12)),
    reapedMs: ticksToMs(field(13) + field(14)),
    key: `${pid}@${fields[19]}`,
  };
}

async function allProcesses(): Promise<Map<number, ProcessStat>> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  const stats = await Promise.all(pids.map(readStat));
  const byPid = new Map<number, ProcessStat>();
  pids.forEach((pid, i) => {
    const stat = stats[i];
    if (stat) byPid.set(pid, stat);
  });
  return byPid;
}

export const commandLine = async (pid: number) =>
  (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ').trim();

/** One reading of every source's process tree. */
export async function sampleCpu(sources: readonly CpuSource[]): Promise<CpuSample> {
  const at = performance.now();
  const stats = await allProcesses();
  const children = new Map<number, number[]>();
  for (const [pid, stat] of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  const processes = new Map<string, Counted>();
  const treeMs = new Map<string, number>();
  for (const source of sources) {
    let total = 0;
    const pending = stats.has(source.rootPid) ? [source.rootPid] : [];
    while (pending.length > 0) {
      const pid = pending.pop()!;
      const stat = stats.get(pid)!;
      pending.push(...(children.get(pid) ?? []));
      total += stat.ownMs + stat.reapedMs;
      const isRoot = pid === source.rootPid;
      const label = source.label ? source.label(await commandLine(pid), isRoot) : source.name;
      processes.set(stat.key, { source: source.name, label, ownMs: stat.ownMs });
    }
    treeMs.set(source.name, total);
  }
  return { at, processes, treeMs };
}

/** CPU each row used between two samples; processes gone by `after` count under "exited". */
export function cpuBetween(before: CpuSample, after: CpuSample): CpuUse {
  const rows = new Map<string, { keys: Set<string>; cpuMs: number }>();
  const add = (label: string, key: string, cpuMs: number) => {
    const row = rows.get(label) ?? { keys: new Set<string>(), cpuMs: 0 };
    row.keys.add(key);
    row.cpuMs += cpuMs;
    rows.set(label, row);
  };
  const countedBySource = new Map<string, number>();
  for (const [key, now] of after.processes) {
    const used = now.ownMs - (before.processes.get(key)?.ownMs ?? 0);
    add(now.label, key, used);
    countedBySource.set(now.source, (countedBySource.get(now.source) ?? 0) + used);
  }
  let totalMs = 0;
  for (const [source, ms] of after.treeMs) {
    const used = ms - (before.treeMs.get(source) ?? ms);
    totalMs += used;
    const exited = used - (countedBySource.get(source) ?? 0);
    if (exited >= 1) add(`${source}: processes that exited in the window`, `${source}:exited`, exited);
  }
  const processes = [...rows]
    .map(([process, row]) => ({ process, count: row.keys.size, cpuMs: row.cpuMs }))
    .sort((a, b) => b.cpuMs - a.cpuMs);
  return { windowMs: after.at - before.at, totalMs, processes };
}

export interface CpuPerRequest extends CpuUse {
  requests: number;
  msPerRequest: number;
  /** The benchmark's own process (the load generator) in the window: not in the total. */
  loadGeneratorMs: number;
  /** Every core's busy time in the window (/proc/stat): what else ran shows as the rest. */
  machineMs: number;
  processes: (ProcessCpu & { msPerRequest: number })[];
}

const perRequestMs = (ms: number, requests: number) =>
  Math.round((ms / Math.max(1, requests)) * 10_000) / 10_000;

/** Busy time of all cores since boot: user, nice, system, irq, softirq and steal. */
export async function machineBusyMs(): Promise<number> {
  const text = await readFile('/proc/stat', 'utf8').catch(() => '');
  const fields = (/^cpu\s+(.*)$/m.exec(text)?.[1] ?? '').split(/\s+/).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return ticksToMs(user + nice + system + irq + softirq + steal);
}

/** Runs `work` between two samples of `sources`; CPU per request, `requests` read from its result. */
export async function measureCpu<T>(
  sources: readonly CpuSource[],
  work: () => Promise<T>,
  requests: (result: T) => number,
): Promise<{ result: T; cpu: CpuPerRequest }> {
  const before = await sampleCpu(sources);
  const machineBefore = await machineBusyMs();
  const ownBefore = process.cpuUsage();
  const result = await work();
  const own = process.cpuUsage(ownBefore);
  const machineMs = (await machineBusyMs()) - machineBefore;
  const use = cpuBetween(before, await sampleCpu(sources));
  const count = requests(result);
  return {
    result,
    cpu: {
      ...use,
      requests: count,
      msPerRequest: perRequestMs(use.totalMs, count),
      loadGeneratorMs: Math.round((own.user + own.system) / 1000),
      machineMs,
      processes: use.processes.map((row) => ({ ...row, msPerRequest: perRequestMs(row.cpuMs, count) })),
    },
  };
}
