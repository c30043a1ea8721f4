// The servers the fan-out phase starts (the raw `ws` broadcaster, one realtime process) and what
// it reads about them from /proc: resident memory, CPU time, and how busy the whole machine is.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { freePort, stopChild } from './processes.ts';

export { cpuMs, freePort, stopChild } from './processes.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Resident memory of a process, in KiB (VmRSS). */
export async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
}

/** CPU time (user + system) a process has used, in ms. */

/** Busy and total jiffies of the whole machine, to tell how much of both cores a window used. */
export async function machineTicks(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((sum, value) => sum + value, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/** The raw `ws` broadcaster (fanout-raw-server.ts) in its own process; resolves with its port. */
export async function startRawServer(): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(new URL('./fanout-raw-server.ts', import.meta.url)), [], {
    cwd: root,
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`the raw ws server exited (${code})`)));
  });
  return { child, port };
}

/** One realtime process on the given NATS, asking `analyticsUrl` about access; ready once /readyz is. */
export async function startRealtime(options: {
  natsUrl: string;
  analyticsUrl: string;
  profileDir?: string | undefined;
}): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const { REDIS_URL: _redis, CANVASS_INTERNAL_SECRET: _secret, NODE_OPTIONS: _node, ...env } = process.env;
  let output = '';
  const child = spawn(
    process.execPath,
    [
      ...(options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : []),
      'services/realtime/src/main.ts',
    ],
    {
      cwd: root,
      env: {
        ...env,
        PORT: String(port),
        HOST: '127.0.0.1',
        NATS_URL: options.natsUrl,
        ANALYTICS_URL: options.analyticsUrl,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const keep = (chunk: Buffer) => {
    output = (output + chunk).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`realtime exited (${child.exitCode}):\n${output}`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return { child, port };
    if (attempt > 150) {
      await stopChild(child);
      throw new Error(`realtime did not become ready:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
