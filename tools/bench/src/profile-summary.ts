// Where CPU time went: the functions with the most self time in each V8 CPU profile a process
// wrote (--cpu-prof), so a benchmark can say what limits it.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface ProfileSummary {
  /** The process, told by whose source files it ran most. */
  process: string;
  file: string;
  totalMs: number;
  top: { name: string; selfMs: number; percent: number }[];
}

export async function summarizeProfiles(dir: string, top = 8): Promise<ProfileSummary[]> {
  const summaries: ProfileSummary[] = [];
  for (const file of (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as {
      nodes: ProfileNode[];
      startTime: number;
      endTime: number;
      samples: number[];
    };
    const interval = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
    const byName = new Map<string, number>();
    const sources = new Map<string, number>();
    let total = 0;
    for (const node of profile.nodes) {
      const owner = /\/(services\/[a-z-]+|tools\/[a-z-]+)\//.exec(node.callFrame.url)?.[1];
      if (owner) sources.set(owner, (sources.get(owner) ?? 0) + 1);
      const hits = node.hitCount ?? 0;
      if (hits === 0 || node.callFrame.functionName === '(idle)') continue;
      const where = node.callFrame.url
        .replace(/^.*node_modules\//, '')
        .replace(/^file:\/\/.*\/(services|packages|tools)\//, '$1/');
      const name = `${node.callFrame.functionName || '(anonymous)'} ${where}:${node.callFrame.lineNumber + 1}`;
      byName.set(name, (byName.get(name) ?? 0) + hits * interval);
      total += hits * interval;
    }
    summaries.push({
      process: [...sources].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'unknown',
      file,
      totalMs: Math.round(total),
      top: [...byName]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([name, ms]) => ({
          name,
          selfMs: Math.round(ms),
          percent: Math.round((ms / Math.max(1, total)) * 1000) / 10,
        })),
    });
  }
  return summaries.sort((a, b) => b.totalMs - a.totalMs);
}
