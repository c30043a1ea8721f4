// A NATS server of the test's own (JetStream on, data in a temporary folder), which the test may
// stop and start again: the machine's shared server is never touched.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from './api.ts';
import { freePort } from './cluster.ts';

export interface PrivateNats {
  url: string;
  /** Rewrites the server's configuration file and has it reload (SIGHUP); needs `config`. */
  reload(config: string): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
}

const BINARY = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * `config` (nats-server's configuration syntax, e.g. authorization with permissions) is written
 * to a file the server reads; `url` then carries `credentials` (`user:password@`) if given.
 */
export async function startPrivateNats(
  options: { config?: string; credentials?: string } = {},
): Promise<PrivateNats> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'canvass-nats-'));
  const configFile = join(dir, 'nats.conf');
  if (options.config !== undefined) await writeFile(configFile, options.config);
  let child: ChildProcess | undefined;
  const start = async () => {
    const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir];
    if (options.config !== undefined) args.push('-c', configFile);
    child = spawn(BINARY, args, { stdio: 'ignore' });
    await eventually(async () => {
      if (!(await reachable(port))) throw new Error(`NATS on ${port} not up`);
    });
  };
  const stop = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `nats://${options.credentials ? `${options.credentials}@` : ''}127.0.0.1:${port}`,
    async reload(config) {
      await writeFile(configFile, config);
      child?.kill('SIGHUP');
      await new Promise((resolve) => setTimeout(resolve, 300));
    },
    start,
    stop,
    async dispose() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
