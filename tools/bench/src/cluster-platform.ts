// The cluster tier as `npm run start:cluster` runs it (one process per service), started for a
// benchmark on its own databases (canvass_bench_*) and the benchmark's private NATS server.
// With `profileDir`, every process writes a V8 CPU profile there when it exits. Its services talk
// mutual TLS, as the launcher's default is (internal-tls-phase.ts measures it off too).
// Every cluster starts on empty databases: kept from run to run, polls' grew by about 28,000
// votes a run (to 877 MB, well past shared_buffers), and its random-keyed indexes made its
// PostgreSQL's CPU per vote a fifth to a third dearer than on a fresh database (0.29–0.33 against
// 0.22–0.25 ms, 2026-12-07), so a run's results depended on how many ran before it.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dataServices, freePortBlock } from '@canvass/launcher';
import pg from 'pg';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The benchmark's databases: canvass_bench_polls and so on. */
export const BENCH_DATABASE_PREFIX = 'canvass_bench_';

export interface BenchCluster {
  url: string;
  /** The launcher's: its children are the service processes (SIGHUP: a rolling restart). */
  pid: number;
  /** What the launcher has printed so far (process ids, restarts). */
  output(): string;
  stop(): Promise<void>;
}

export async function startBenchCluster(options: {
  natsUrl: string;
  postgresUrl: string;
  profileDir?: string | undefined;
  /** More settings for the launcher (CANVASS_INTERNAL_TLS=off). */
  env?: Record<string, string>;
}): Promise<BenchCluster> {
  await emptyDatabases(options.postgresUrl, options.env?.CANVASS_DB_PREFIX ?? BENCH_DATABASE_PREFIX);
  // The services take the next few ports after the gateway's (offsets up to 22), and further
  // replicas the ones from +23 (tools/launcher/src/replicas.ts).
  const port = await freePortBlock(40);
  // CANVASS_BENCH_CHECKOUT: another checkout's cluster tier (tracing-modes.ts, `checkout`).
  const checkout = options.env?.CANVASS_BENCH_CHECKOUT;
  const child: ChildProcess = spawn(process.execPath, ['tools/launcher/src/cluster.ts'], {
    cwd: checkout || root,
    env: {
      ...process.env,
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      POSTGRES_URL: options.postgresUrl,
      NATS_URL: options.natsUrl,
      CANVASS_DB_PREFIX: BENCH_DATABASE_PREFIX,
      LOG_LEVEL: 'warn',
      // The load comes from one IP and reuses nothing: measure the platform, not the limits.
      CANVASS_RATE_LIMITS: JSON.stringify({ perIp: { points: 100_000_000, windowSeconds: 60 } }),
      ...options.env,
      ...(options.profileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${options.profileDir}` } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // Kept after the start too: a phase reads process ids and restarts from it.
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the cluster tier did not start:\n${output}`)), 90_000);
    const check = () => {
      if (/cluster tier is ready/.test(output)) {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        child.stderr?.off('data', check);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', (code) => reject(new Error(`the cluster tier exited (${code}):\n${output}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    },
  };
}

/** Drops the benchmark's service databases of this prefix (the launcher makes them again). */
async function emptyDatabases(postgresUrl: string, prefix: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    for (const { name } of dataServices)
      await client.query(`drop database if exists "${prefix}${name}" with (force)`);
  } finally {
    await client.end();
  }
}
