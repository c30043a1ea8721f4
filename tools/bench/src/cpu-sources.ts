// The processes a vote through the cluster tier runs on, as CPU meter sources: the launcher and
// each service process it started, the PostgreSQL server (postmaster, background processes,
// backends per database), the benchmark's NATS server and the Redis server the gateway keeps its
// rate limits in. A server on another machine cannot be read and is left out, with a note.
import { readdir, readFile } from 'node:fs/promises';
import pg from 'pg';
import type { CpuSource } from './cpu-meter.ts';

const POSTGRES_BACKGROUND = [
  'checkpointer',
  'background writer',
  'walwriter',
  'autovacuum launcher',
  'autovacuum worker',
  'logical replication launcher',
  'logical replication worker',
  'parallel worker',
  'archiver',
  'stats collector',
  'walsender',
  'walreceiver',
  'startup',
];

/**
 * `postgres: 15/main: canvass canvass_bench_polls 127.0.0.1(5432) idle` → backends on its database;
 * a database without the benchmark's prefix is flagged (the server is not the benchmark's alone).
 */
export function postgresLabel(databasePrefix: string) {
  return (cmdline: string, isRoot: boolean): string => {
    if (isRoot) return 'postgres: postmaster';
    const title = cmdline.replace(/^postgres:\s*/, '').replace(/^[^\s:]+: /, '');
    const background = POSTGRES_BACKGROUND.find((name) => title.startsWith(name));
    if (background) return `postgres: ${background}`;
    const database = /^\S+ (\S+) (?:\S+\(\d+\)|\[local\])/.exec(title)?.[1];
    if (database === undefined) return `postgres: ${title.split(' ')[0] || 'other'}`;
    return database.startsWith(databasePrefix)
      ? `postgres: backends on ${database}`
      : `postgres: backends on ${database} (not the benchmark’s)`;
  };
}

/** `node services/polls/src/main.ts` → polls. */
export function clusterLabel(cmdline: string, isRoot: boolean): string {
  if (isRoot) return 'launcher';
  return /services\/([\w-]+)\/src\/main\.ts/.exec(cmdline)?.[1] ?? 'launcher: other child';
}

async function parentOf(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const ppid = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
  return ppid === undefined ? undefined : Number(ppid);
}

/** The postmaster serving `postgresUrl`: the parent of this connection's backend, if on this machine. */
async function postmasterPid(postgresUrl: string): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    const backend = rows[0]?.pid;
    if (backend === undefined) return undefined;
    const comm = await readFile(`/proc/${backend}/comm`, 'utf8').catch(() => '');
    return comm.startsWith('postgres') ? parentOf(backend) : undefined;
  } finally {
    await client.end();
  }
}

/** A redis-server on this machine listening on the URL's port. */
async function redisPid(redisUrl: string): Promise<number | undefined> {
  const port = new URL(redisUrl).port || '6379';
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const comm = await readFile(`/proc/${name}/comm`, 'utf8').catch(() => '');
    if (!comm.startsWith('redis-server')) continue;
    const cmdline = (await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ');
    if (cmdline.includes(`:${port}`)) return Number(name);
  }
  return undefined;
}

export async function clusterCpuSources(options: {
  launcherPid: number;
  natsPid: number;
  postgresUrl: string;
  /** The cluster's databases' prefix. */
  databasePrefix: string;
  redisUrl: string;
}): Promise<{ sources: CpuSource[]; notes: string[] }> {
  const sources: CpuSource[] = [
    { name: 'cluster', rootPid: options.launcherPid, label: clusterLabel },
    { name: 'nats-server (the benchmark’s)', rootPid: options.natsPid },
  ];
  const notes: string[] = [];
  // Found through a new connection's backend; a backend seen mid-start (its parent not yet
  // readable) is asked again rather than the server's CPU left out.
  let postmaster: number | undefined;
  for (let attempt = 0; attempt < 5 && postmaster === undefined; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 200));
    postmaster = await postmasterPid(options.postgresUrl);
  }
  if (postmaster)
    sources.push({ name: 'postgres', rootPid: postmaster, label: postgresLabel(options.databasePrefix) });
  else notes.push('PostgreSQL is not on this machine (or not readable): its CPU is not counted');
  const redis = await redisPid(options.redisUrl);
  if (redis) sources.push({ name: 'redis-server (the machine’s, shared)', rootPid: redis });
  else notes.push('Redis is not on this machine: its CPU is not counted');
  return { sources, notes };
}
