// Runs child processes, prefixes their output with their name, restarts one that dies (with
// backoff, said in the log), restarts one on request (SIGTERM: it drains first, then the new one
// starts at once; the promise settles once the new one says it is ready over the IPC channel,
// see announceReady in service-kit), and stops them all on request (SIGINT: no drain). Each process's lines also go, raw (JSON
// or not), to <dir>/<name>.log, and the launcher's own, as JSON like the services', to launcher.log,
// for `canvass logs`: a file that would pass maxBytes becomes <name>.log.1, replacing the one before.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface ProcessSpec {
  name: string;
  script: string;
  env: Record<string, string>;
}

export interface LogFiles {
  /** An existing folder. */
  dir: string;
  maxBytes: number;
}

export interface Supervisor {
  /** Says something as the launcher: on stdout and in launcher.log (pino's level: 30 info). */
  log(message: string, level?: number): void;
  /**
   * Restarts one process gracefully: SIGTERM (it drains and stops), then a new one at once.
   * Resolves when the new one is ready; rejects if it is not within `timeoutMs`.
   */
  restart(name: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const write = (name: string, width: number, line: string) =>
  process.stdout.write(`${name.padEnd(width)} | ${line}\n`);

const formatBytes = (bytes: number) =>
  bytes >= 2 ** 20 ? `${+(bytes / 2 ** 20).toFixed(1)} MiB` : `${+(bytes / 1024).toFixed(1)} KiB`;

interface LogFile {
  append(line: string): void;
  close(): void;
}

/** Appends lines to `path`, rotating it to `path.1` before a line would take it past `maxBytes`. */
function openLogFile(path: string, maxBytes: number, report: (text: string) => void): LogFile {
  let fd: number | undefined;
  let size = 0;
  let failed = false;
  const open = () => {
    // Owner-only: request lines carry client addresses.
    fd = openSync(path, 'a', 0o600);
    size = fstatSync(fd).size;
  };
  const close = () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };
  return {
    append(line) {
      if (failed) return;
      const bytes = Buffer.from(`${line}\n`);
      try {
        if (fd === undefined) open();
        if (size > 0 && size + bytes.length > maxBytes) {
          close();
          try {
            renameSync(path, `${path}.1`);
          } catch (error) {
            // Someone removed the file: start a new one.
            if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
          }
          open();
        }
        size += writeSync(fd!, bytes);
      } catch (error) {
        // A full disk or a removed folder must not stop the processes: say so once, keep stdout.
        failed = true;
        close();
        report(`cannot write ${path} (${(error as Error).message}); its lines go to this output only`);
      }
    },
    close,
  };
}

export function supervise(specs: readonly ProcessSpec[], cwd: string, logs?: LogFiles): Supervisor {
  const width = Math.max(8, ...specs.map((spec) => spec.name.length));
  const files = new Map<string, LogFile>();
  const fileOf = (name: string) => {
    if (!logs) return undefined;
    let file = files.get(name);
    if (!file) {
      file = openLogFile(join(logs.dir, `${name}.log`), logs.maxBytes, (text) =>
        write('launcher', width, text),
      );
      files.set(name, file);
    }
    return file;
  };
  /** pino's levels: 30 info, 50 error. */
  const log = (msg: string, level = 30) => {
    write('launcher', width, msg);
    fileOf('launcher')?.append(
      JSON.stringify({ level, time: new Date().toISOString(), service: 'launcher', msg }),
    );
  };
  const children = new Map<string, ChildProcess>();
  const timers = new Set<NodeJS.Timeout>();
  /** Processes being restarted on request: their exit starts the new one at once. */
  const restarting = new Set<string>();
  /** Who waits for a process's next ready message. */
  const readyWaiters = new Map<string, () => void>();
  let stopping = false;

  function start(spec: ProcessSpec, failures: number): void {
    const startedAt = Date.now();
    // Tracing starts before the service's code loads (its module hooks must see redis). The IPC
    // channel carries the process's "ready" (restart waits for it).
    const child = spawn(process.execPath, ['--import', '@canvass/telemetry/register', spec.script], {
      cwd,
      env: { ...process.env, OTEL_SERVICE_NAME: spec.name.replace(/-\d+$/, ''), ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    children.set(spec.name, child);
    child.on('message', (message) => {
      if ((message as { canvass?: string } | null)?.canvass !== 'ready') return;
      const waiter = readyWaiters.get(spec.name);
      readyWaiters.delete(spec.name);
      waiter?.();
    });
    log(`started ${spec.name} (pid ${child.pid})`);
    const file = fileOf(spec.name);
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
        write(spec.name, width, line);
        file?.append(line);
      });
    }
    child.on('exit', (code, signal) => {
      children.delete(spec.name);
      if (stopping) return;
      if (restarting.delete(spec.name)) {
        log(`${spec.name} stopped (${signal ?? `code ${code}`}) for its restart`);
        start(spec, -1);
        return;
      }
      // A process that ran a minute before dying starts its backoff afresh.
      const streak = Date.now() - startedAt > 60_000 ? 0 : failures + 1;
      const delay = Math.min(30_000, 500 * 2 ** streak);
      log(
        `${spec.name} exited (${signal ?? `code ${code}`}); restarting in ${(delay / 1000).toFixed(1)} s`,
        50,
      );
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!stopping) start(spec, streak);
      }, delay);
      timers.add(timer);
    });
  }

  if (logs) {
    log(
      `logs: each process's lines also go to ${logs.dir}/<name>.log (past ${formatBytes(logs.maxBytes)} it becomes <name>.log.1); read them with npx canvass logs`,
    );
  }
  for (const spec of specs) start(spec, -1);

  return {
    log,
    restart(name, timeoutMs = 60_000) {
      const child = children.get(name);
      if (!child) return Promise.reject(new Error(`no running process named ${name}`));
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          readyWaiters.delete(name);
          reject(new Error(`${name} was not ready within ${timeoutMs / 1000} s of its restart`));
        }, timeoutMs);
        readyWaiters.set(name, () => {
          clearTimeout(timer);
          resolve();
        });
        restarting.add(name);
        child.kill('SIGTERM');
      });
    },
    async stop() {
      stopping = true;
      for (const timer of timers) clearTimeout(timer);
      const exits = [...children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
            // 'close' comes once its output is read to the end (its last lines are in the file);
            // a descendant holding the pipes open must not hold the stop.
            child.once('exit', () => {
              clearTimeout(kill);
              setTimeout(resolve, 2_000).unref();
            });
            child.once('close', () => resolve());
            // SIGINT: stop without draining (nobody is left to send them anything).
            child.kill('SIGINT');
          }),
      );
      await Promise.all(exits);
      for (const file of files.values()) file.close();
    },
  };
}
