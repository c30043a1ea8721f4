// Child processes for the ceilings and embedded phases: a free port, a Node script started until
// it prints its ready line, its CPU time and resident memory, and a stop that waits for the exit.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const CLOCK_TICKS = 100; // USER_HZ on Linux

export const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

export { freePort } from '@canvass/launcher';

export interface StartedChild {
  child: ChildProcess;
  /** Everything it printed (stdout and stderr) up to and including the ready line. */
  output: string;
  /** The match of the ready pattern. */
  ready: RegExpExecArray;
}

/** Runs `node <script> …args` from the repository root and waits until its output matches `ready`. */
export function startNodeScript(
  script: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; ready: RegExp; timeoutMs?: number },
): Promise<StartedChild> {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: repositoryRoot,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      child.kill('SIGKILL');
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new Error(`${script} did not start:\n${output}`)),
      options.timeoutMs ?? 30_000,
    );
    const check = (chunk: Buffer) => {
      output += chunk;
      const ready = options.ready.exec(output);
      if (!ready) return;
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.stderr?.off('data', check);
      // Keep draining its pipes, or a chatty child blocks on a full pipe.
      child.stdout?.resume();
      child.stderr?.resume();
      resolve({ child, output, ready });
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code ?? signal}):\n${output}`));
    });
  });
}

/** Sends `signal` and waits for the exit; milliseconds it took. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number> {
  if (child.exitCode !== null || child.signalCode !== null) return 0;
  const started = performance.now();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
  return performance.now() - started;
}

/** CPU time one process has used so far (user + system), in ms. */
export async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // Fields after the command (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11] ?? 0) + Number(fields[12] ?? 0); // utime + stime
  return (ticks / CLOCK_TICKS) * 1000;
}

/** Resident memory of one process in MB (VmRSS), or null when it is gone. */
export async function residentMb(pid: number): Promise<number | null> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kilobytes = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  return kilobytes === undefined ? null : Math.round(Number(kilobytes) / 1024);
}
