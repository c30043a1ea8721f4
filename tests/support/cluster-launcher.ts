// Runs `npm run start:cluster`'s launcher for a test file: every service as its own process
// (two realtime processes) against the local PostgreSQL, NATS and Redis, in test databases.
import { type ChildProcess, spawn } from 'node:child_process';
import { freePortBlock, TEST_DB_PREFIX } from './cluster.ts';

export interface ClusterLauncher {
  /**
   * The gateway's port; service N listens on port + its offset (realtime: +4 and +5), further
   * replicas from +23 (tools/launcher/src/replicas.ts).
   */
  port: number;
  url: string;
  output(): string;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

export async function startClusterLauncher(env: Record<string, string> = {}): Promise<ClusterLauncher> {
  // The gateway's port, then each service at its offset (tools/launcher/src/services.ts: up to
  // +22), and room for further replicas after that.
  const port = await freePortBlock(40);
  let output = '';
  const launcher: ChildProcess = spawn(process.execPath, ['tools/launcher/src/cluster.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      CANVASS_DB_PREFIX: TEST_DB_PREFIX,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [launcher.stdout, launcher.stderr]) {
    stream?.on('data', (chunk) => {
      output += chunk;
    });
  }
  function waitForOutput(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = output.match(pattern);
        if (!match) return false;
        clearTimeout(timer);
        launcher.stdout?.off('data', check);
        resolve(match);
        return true;
      };
      const timer = setTimeout(() => {
        launcher.stdout?.off('data', check);
        reject(new Error(`no ${pattern} in launcher output:\n${output}`));
      }, timeoutMs);
      if (!check()) launcher.stdout?.on('data', check);
    });
  }
  const stop = async () => {
    if (launcher.exitCode !== null || launcher.signalCode !== null) return;
    launcher.kill('SIGINT');
    await new Promise((resolve) => launcher.once('exit', resolve));
  };
  try {
    // The first start provisions every service's database and role: give it time on a busy box.
    await waitForOutput(/cluster tier is ready/, 120_000);
  } catch (error) {
    // Never leave a launcher behind (its processes would keep the test file, and CI, waiting).
    await stop();
    throw error;
  }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    waitForOutput,
    stop,
  };
}
