// Runs child processes, prefixes their output with their name, restarts one that dies (with
// backoff, said in the log), and stops them all on request.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ProcessSpec {
  name: string;
  script: string;
  env: Record<string, string>;
}

export interface Supervisor {
  stop(): Promise<void>;
}

const write = (name: string, width: number, line: string) =>
  process.stdout.write(`${name.padEnd(width)} | ${line}\n`);

export function supervise(specs: readonly ProcessSpec[], cwd: string): Supervisor {
  const width = Math.max(8, ...specs.map((spec) => spec.name.length));
  const log = (line: string) => write('launcher', width, line);
  const children = new Map<string, ChildProcess>();
  const timers = new Set<NodeJS.Timeout>();
  let stopping = false;

  function start(spec: ProcessSpec, failures: number): void {
    const startedAt = Date.now();
    const child = spawn(process.execPath, [spec.script], {
      cwd,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.set(spec.name, child);
    log(`started ${spec.name} (pid ${child.pid})`);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => write(spec.name, width, line));
    }
    child.on('exit', (code, signal) => {
      children.delete(spec.name);
      if (stopping) return;
      // A process that ran a minute before dying starts its backoff afresh.
      const streak = Date.now() - startedAt > 60_000 ? 0 : failures + 1;
      const delay = Math.min(30_000, 500 * 2 ** streak);
      log(`${spec.name} exited (${signal ?? `code ${code}`}); restarting in ${(delay / 1000).toFixed(1)} s`);
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!stopping) start(spec, streak);
      }, delay);
      timers.add(timer);
    });
  }

  for (const spec of specs) start(spec, -1);

  return {
    async stop() {
      stopping = true;
      for (const timer of timers) clearTimeout(timer);
      const exits = [...children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
            child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      );
      await Promise.all(exits);
    },
  };
}
