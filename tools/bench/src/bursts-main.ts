// Votes in bursts after idle spells, the way a live event sends them (a poll opens, the room votes,
// then quiet): `node tools/bench/src/bursts-main.ts [--quick] [--idle-settings 10,600]
// [--rounds N]` starts the cluster tier once per setting of DATABASE_POOL_IDLE_SECONDS (in an
// order that alternates by round), sends bursts of votes `spell` seconds apart, and reports, per
// setting, the PostgreSQL sessions the cluster opened during the bursts (pg_stat_database.sessions
// of its databases) and the ack latency of the votes, of all and of each burst's first ones.
// docs/performance.md says what it measured.
import { parseArgs } from 'node:util';
import { loadConfig } from '@canvass/config';
import pg from 'pg';
import Type from 'typebox';
import { createPoll } from './bench-polls.ts';
import { BENCH_DATABASE_PREFIX, startBenchCluster } from './cluster-platform.ts';
import { machineBusyMs } from './cpu-meter.ts';
import { percentile } from './open-loop.ts';
import { startBenchNats } from './private-nats.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    'idle-settings': { type: 'string' },
    rounds: { type: 'string' },
  },
});
const quick = values.quick ?? false;
const settings = (values['idle-settings'] ?? '10,600').split(',').map(Number);
if (settings.some((s) => !Number.isInteger(s) || s < 1))
  throw new Error('--idle-settings: whole seconds, comma-separated (10,600)');
const rounds = Number(values.rounds ?? 1);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds: a whole number, 1 or more');
const shape = quick
  ? { bursts: 2, votes: 60, concurrency: 8, spellSeconds: 11 }
  : { bursts: 4, votes: 300, concurrency: 32, spellSeconds: 15 };
const env = loadConfig(
  Type.Object({
    POSTGRES_URL: Type.String({ default: 'postgres://postgres@127.0.0.1:5432/postgres' }),
    NATS_SERVER_BIN: Type.String({ default: '/usr/sbin/nats-server' }),
  }),
);
const progress = (text: string) => process.stderr.write(`${text}\n`);

/** Sessions ever opened to the bench databases (PostgreSQL 14 and later count them). */
async function sessions(): Promise<number> {
  const client = new pg.Client({ connectionString: env.POSTGRES_URL });
  await client.connect();
  try {
    const result = await client.query<{ n: string }>(
      'select coalesce(sum(sessions), 0) as n from pg_stat_database where datname like $1',
      [`${BENCH_DATABASE_PREFIX}%`],
    );
    // This query's own session is to another database, so it is not counted.
    return Number(result.rows[0]!.n);
  } finally {
    await client.end();
  }
}

/**
 * The baseline, before any cluster runs: what a statement costs on a connection opened for it,
 * used once and closed (a new backend, a search_path, a prepared statement parsed) against one
 * kept open (opened before the clock starts).
 */
async function connectionCost(count: number): Promise<{ fresh: Cost; kept: Cost }> {
  const url = new URL(env.POSTGRES_URL);
  const run = async (fresh: boolean): Promise<Cost> => {
    let client: pg.Client | undefined;
    if (!fresh) {
      client = new pg.Client({ connectionString: url.toString(), options: '-c search_path=pg_catalog' });
      await client.connect();
    }
    const cpuFrom = await machineBusyMs();
    const from = performance.now();
    for (let i = 0; i < count; i++) {
      if (fresh || !client) {
        client = new pg.Client({ connectionString: url.toString(), options: '-c search_path=pg_catalog' });
        await client.connect();
      }
      await client.query({
        name: 'probe',
        text: 'select count(*) from pg_class where relname = $1',
        values: ['x'],
      });
      if (fresh) await client.end();
    }
    const cost = {
      cpuMs: ((await machineBusyMs()) - cpuFrom) / count,
      wallMs: (performance.now() - from) / count,
    };
    if (!fresh) await client?.end();
    return cost;
  };
  const kept = await run(false);
  const fresh = await run(true);
  return { fresh, kept };
}
interface Cost {
  cpuMs: number;
  wallMs: number;
}

async function bursts(url: string): Promise<{ all: number[]; firsts: number[]; opened: number }> {
  const poll = await createPoll(url, 'Bursts');
  const all: number[] = [];
  const firsts: number[] = [];
  let before = 0;
  for (let burst = 0; burst < shape.bursts; burst++) {
    await new Promise((resolve) => setTimeout(resolve, shape.spellSeconds * 1_000));
    if (burst === 0) before = await sessions();
    const times: number[] = [];
    /** The votes that met the pool as the quiet spell left it: the first sent, one per client. */
    const first: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: shape.concurrency }, async () => {
        while (next < shape.votes) {
          const i = next++;
          const started = performance.now();
          const response = await fetch(`${url}/api/v1/polls/${poll.id}/votes`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'voter-token': `burst-${burst}-${i}` },
            body: JSON.stringify({ optionIds: [poll.options[0]!.id] }),
          });
          await response.arrayBuffer();
          if (response.status !== 201) throw new Error(`a vote was answered ${response.status}`);
          times.push(performance.now() - started);
          if (i < shape.concurrency) first.push(performance.now() - started);
        }
      }),
    );
    all.push(...times);
    firsts.push(...first);
    const sorted = [...times].sort((a, b) => a - b);
    progress(
      `    burst ${burst + 1}: ack p50 ${percentile(sorted, 50).toFixed(0)} ms, p99 ${percentile(sorted, 99).toFixed(0)} ms`,
    );
  }
  // A backend reports its session to the statistics once it is idle, and may put that off for
  // up to 10 s while it is busy (PostgreSQL 15).
  await new Promise((resolve) => setTimeout(resolve, 11_000));
  const opened = (await sessions()) - before;
  return { all, firsts, opened };
}

progress('  baseline: a statement on a new connection against one on a kept connection');
const cost = await connectionCost(quick ? 50 : 200);
const results = new Map<number, { all: number[]; firsts: number[]; opened: number[] }>();
const nats = await startBenchNats(env.NATS_SERVER_BIN);
try {
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? settings : [...settings].reverse();
    for (const idle of order) {
      progress(
        `  round ${round + 1}, DATABASE_POOL_IDLE_SECONDS=${idle}: ${shape.bursts} bursts of ${shape.votes} votes (${shape.concurrency} at a time), ${shape.spellSeconds} s apart`,
      );
      const cluster = await startBenchCluster({
        natsUrl: nats.url,
        postgresUrl: env.POSTGRES_URL,
        env: { DATABASE_POOL_IDLE_SECONDS: String(idle) },
      });
      try {
        const measured = await bursts(cluster.url);
        const entry = results.get(idle) ?? { all: [], firsts: [], opened: [] };
        entry.all.push(...measured.all);
        entry.firsts.push(...measured.firsts);
        entry.opened.push(measured.opened);
        results.set(idle, entry);
      } finally {
        await cluster.stop();
      }
    }
  }
} finally {
  await nats.stop();
}

const out = [
  `Baseline: a statement on a connection opened for it took ${cost.fresh.wallMs.toFixed(1)} ms and ${cost.fresh.cpuMs.toFixed(1)} ms of the machine's CPU; on a kept connection ${cost.kept.wallMs.toFixed(2)} ms and ${cost.kept.cpuMs.toFixed(2)} ms.`,
  '',
  `Votes in bursts (${shape.bursts} of ${shape.votes}, ${shape.concurrency} at a time, ${shape.spellSeconds} s of quiet before each), ${rounds} round(s) per setting:`,
  '',
  '| DATABASE_POOL_IDLE_SECONDS | PostgreSQL sessions opened from the first burst on, by round | ack p50 | ack p99 | each burst’s first votes: p50, max |',
  '|---:|---|---:|---:|---|',
];
for (const idle of settings) {
  const entry = results.get(idle)!;
  const all = [...entry.all].sort((a, b) => a - b);
  const firsts = [...entry.firsts].sort((a, b) => a - b);
  out.push(
    `| ${idle} | ${entry.opened.join(', ')} | ${percentile(all, 50).toFixed(0)} ms | ${percentile(all, 99).toFixed(0)} ms | ${percentile(firsts, 50).toFixed(0)} ms, ${percentile(firsts, 100).toFixed(0)} ms |`,
  );
}
process.stdout.write(`${out.join('\n')}\n`);
