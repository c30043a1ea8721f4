// The embedded tier as users run it (`npm start`: one process, PGlite, no external servers): time
// from spawn to its ready line with a new data folder and again warm, resident memory at ready and
// after a load of votes through its gateway, and whether the results count every stored vote.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EmbeddedVotes, embeddedVotes } from './embedded-votes.ts';
import { freePort, residentMb, startNodeScript, stopChild } from './processes.ts';

export interface EmbeddedStart {
  /** From spawn to the ready line, measured here. */
  readyMs: number;
  /** What the launcher itself printed ("ready in … s", from its own process start). */
  reportedReadyMs: number;
  /** VmRSS when the ready line came. */
  rssMb: number | null;
  /** From SIGINT to exit. */
  stopMs: number;
  /** 0 when it shut down cleanly. */
  exitCode: number | null;
}

export interface EmbeddedResult {
  firstStart: EmbeddedStart;
  warmStart: EmbeddedStart;
  votes: EmbeddedVotes;
  rssAfterLoadMb: number | null;
  note?: string;
}

const RATE_LIMITS = JSON.stringify({ perIp: { points: 100_000_000, windowSeconds: 60 } });

export async function startEmbedded(folder: string) {
  const port = await freePort();
  const started = performance.now();
  const { child, ready } = await startNodeScript('tools/launcher/src/embedded.ts', [], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      // The operator token file lands beside the data folder, in `folder` too.
      CANVASS_DATA_DIR: join(folder, 'data'),
      CANVASS_MAIL_DIR: join(folder, 'mail'),
      // The load comes from one IP: measure the platform, not the per-IP limit.
      CANVASS_RATE_LIMITS: RATE_LIMITS,
    },
    ready: /ready in ([\d.]+) s/,
    timeoutMs: 120_000,
  });
  const readyMs = performance.now() - started;
  const rssMb = await residentMb(child.pid!);
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    readyMs,
    reportedReadyMs: Number(ready[1]) * 1000,
    rssMb,
  };
}

export async function embeddedPhase(
  options: { seconds: number; connections: number },
  progress: (text: string) => void,
): Promise<EmbeddedResult> {
  const folder = await mkdtemp(join(tmpdir(), 'canvass-bench-embedded-'));
  let running: ChildProcess | undefined;
  try {
    progress('  first start, new data folder');
    const first = await startEmbedded(folder);
    running = first.child;
    const firstStop = await stopChild(first.child, 'SIGINT');
    progress('  warm start, same data folder');
    const warm = await startEmbedded(folder);
    running = warm.child;
    const votes = await embeddedVotes(warm.url, options, progress);
    const rssAfterLoadMb = await residentMb(warm.child.pid!);
    const warmStop = await stopChild(warm.child, 'SIGINT');
    const start = ({ child, readyMs, reportedReadyMs, rssMb }: typeof first, stopMs: number) => ({
      readyMs: Math.round(readyMs),
      reportedReadyMs: Math.round(reportedReadyMs),
      rssMb,
      stopMs: Math.round(stopMs),
      exitCode: child.exitCode,
    });
    return {
      firstStart: start(first, firstStop),
      warmStart: start(warm, warmStop),
      votes,
      rssAfterLoadMb,
      ...(votes.rateLimited > 0
        ? {
            note: `${votes.rateLimited} votes refused by a rate limit (429): votes/s is the limit's, not the platform's`,
          }
        : {}),
    };
  } finally {
    if (running) await stopChild(running, 'SIGINT');
    await rm(folder, { recursive: true, force: true });
  }
}
