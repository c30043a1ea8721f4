// How much of a process's CPU profile is tracing. Each sample is charged to the innermost frame of
// code that is not Node's own (a file of the repository or of node_modules): a native or node:
// frame counts for the code that called it (an `hrtime` or a Map insert under the SDK is the
// SDK's), and a library an instrumentation wraps counts as that library (pg's query under the pg
// instrumentation's wrapper is pg's), so only the time tracing code itself spends is tracing's.
// What this cannot see: work tracing adds that runs in no tracing frame (more garbage to collect,
// the async context carried through promises).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  /** µs from the sample before (the first: from startTime). */
  timeDeltas?: number[];
}

export interface TracingShare {
  /** The process, told by whose source files it ran most. */
  process: string;
  totalMs: number;
  tracingMs: number;
  percent: number;
  /** Tracing time by package (or telemetry source file), biggest first. */
  byPackage: { name: string; ms: number; percent: number }[];
  /** Tracing functions with the most time charged to them. */
  top: { name: string; ms: number; percent: number }[];
}

/** The tracing package a script belongs to, or undefined when it is not tracing code. */
export function tracingPackage(url: string): string | undefined {
  const scoped = /node_modules\/(@opentelemetry\/[^/]+|@fastify\/otel)\//.exec(url);
  if (scoped) return scoped[1];
  const plain = /node_modules\/(import-in-the-middle|require-in-the-middle|shimmer)\//.exec(url);
  if (plain) return plain[1];
  const own = /\/packages\/telemetry\/src\/([\w-]+\.ts)/.exec(url);
  return own ? `packages/telemetry/${own[1]}` : undefined;
}

/** Repository or node_modules code, not Node's own (node:…, native frames, the VM's pseudo-frames). */
const isUserCode = (url: string) => url.startsWith('file://') || url.startsWith('/');

const round = (value: number) => Math.round(value * 10) / 10;

/** A stretch of CLOCK_MONOTONIC time in µs: V8's profile timestamps, and process.hrtime's. */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

/** The clock a profile's timestamps are on, now, in µs. */
export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** Tracing's share of the samples taken in `windows` (the whole profile without any). */
export function tracingShare(profile: CpuProfile, windows?: readonly ProfileWindow[]): TracingShare {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  // The frame each node's samples are charged to (memoized walk to the root).
  const charged = new Map<number, ProfileNode | null>();
  const chargedTo = (id: number): ProfileNode | null => {
    const known = charged.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id)!;
    const up = parent.get(id);
    const result = isUserCode(node.callFrame.url) ? node : up === undefined ? null : chargedTo(up);
    charged.set(id, result);
    return result;
  };
  // Each sample weighs the time since the one before it.
  const weight = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas?.[i] ?? (profile.endTime - profile.startTime) / profile.samples.length;
    at += delta;
    if (windows && !windows.some((window) => at >= window.fromUs && at <= window.toUs)) return;
    weight.set(id, (weight.get(id) ?? 0) + delta / 1000);
  });
  const packages = new Map<string, number>();
  const functions = new Map<string, number>();
  const sources = new Map<string, number>();
  let total = 0;
  let tracing = 0;
  for (const node of profile.nodes) {
    const owner = /\/(services\/[a-z-]+|tools\/[a-z-]+)\//.exec(node.callFrame.url)?.[1];
    if (owner) sources.set(owner, (sources.get(owner) ?? 0) + 1);
    const ms = weight.get(node.id) ?? 0;
    if (ms === 0 || node.callFrame.functionName === '(idle)') continue;
    total += ms;
    const frame = chargedTo(node.id);
    const name = frame ? tracingPackage(frame.callFrame.url) : undefined;
    if (!frame || !name) continue;
    tracing += ms;
    packages.set(name, (packages.get(name) ?? 0) + ms);
    const where = frame.callFrame.url
      .replace(/^.*node_modules\//, '')
      .replace(/^.*\/packages\//, 'packages/');
    const fn = `${frame.callFrame.functionName || '(anonymous)'} ${where}:${frame.callFrame.lineNumber + 1}`;
    functions.set(fn, (functions.get(fn) ?? 0) + ms);
  }
  const share = (entries: Map<string, number>, count: number) =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), percent: round((ms / Math.max(1, total)) * 100) }));
  return {
    process: [...sources].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'unknown',
    totalMs: Math.round(total),
    tracingMs: Math.round(tracing),
    percent: round((tracing / Math.max(1, total)) * 100),
    byPackage: share(packages, 8),
    top: share(functions, 8),
  };
}

/** The tracing share of every profile in `dir` over `windows`, biggest process first. */
export async function tracingShares(
  dir: string,
  windows?: readonly ProfileWindow[],
): Promise<TracingShare[]> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile'));
  const shares: TracingShare[] = [];
  for (const file of files)
    shares.push(tracingShare(JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile, windows));
  return shares.sort((a, b) => b.totalMs - a.totalMs);
}
