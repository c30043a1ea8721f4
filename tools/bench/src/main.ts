// `npm run bench`: how fast Canvass is against this machine's own ceilings, in one run. Every
// figure sits beside a baseline measured in the same run (ratios mean something on a noisy box).
// Writes bench/results/<timestamp>.json, .md (the table) and .svg (a chart), and prints the table.
// Numbers are reported, never asserted (docs/performance.md keeps the findings).
// Options: --quick (tiny loads, for CI: proves the harness works), --profile (CPU profiles of every
// cluster process during the votes phase, summarized: what limits the vote path; and in the
// tracing phase, how much of each process's profile is tracing code).
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@canvass/config';
import Type from 'typebox';
import { billingOptions, billingPhase } from './billing-phase.ts';
import { capacityFigures, measureStorage, type StorageFigures } from './capacity.ts';
import { ceilingsPhase } from './ceilings-phase.ts';
import { renderChart } from './chart.ts';
import { BENCH_DATABASE_PREFIX, startBenchCluster } from './cluster-platform.ts';
import { clusterCpuSources } from './cpu-sources.ts';
import { embeddedPhase } from './embedded-phase.ts';
import { eventingPhase } from './eventing-phase.ts';
import { eventsPhase } from './events-phase.ts';
import { fanoutPhase } from './fanout-phase.ts';
import { headlines } from './headlines.ts';
import { internalTlsPhase } from './internal-tls-phase.ts';
import { startBenchNats } from './private-nats.ts';
import { summarizeProfiles } from './profile-summary.ts';
import { proxyPhase } from './proxy-phase.ts';
import { replicasPhase } from './replicas-phase.ts';
import { chartData, renderTable } from './report.ts';
import { tracingOptions, tracingPhase } from './tracing-phase.ts';
import { votesPhase } from './votes-phase.ts';
import { webPhase } from './web-phase.ts';
import { webhooksOptions, webhooksPhase } from './webhooks-phase.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, profile: { type: 'boolean' } } });
const env = loadConfig(
  Type.Object({
    POSTGRES_URL: Type.String({ default: 'postgres://postgres@127.0.0.1:5432/postgres' }),
    NATS_SERVER_BIN: Type.String({ default: '/usr/sbin/nats-server' }),
    /** The cluster tier's (its default too): only read here to find the server's CPU time. */
    REDIS_URL: Type.String({ default: 'redis://127.0.0.1:6379' }),
  }),
);
const quick = values.quick ?? false;
const progress = (text: string) => process.stderr.write(`${text}\n`);
const started = performance.now();

const nats = await startBenchNats(env.NATS_SERVER_BIN);
try {
  progress('Phase: ceilings (HTTP hello world, a bare proxy hop, PostgreSQL inserts)');
  const ceilings = await ceilingsPhase(
    {
      seconds: quick ? 2 : 8,
      connections: quick ? 16 : 64,
      postgresUrl: env.POSTGRES_URL,
      rows: quick ? 20_000 : 500_000,
    },
    progress,
  );

  const events = quick ? 2_000 : 50_000;
  progress(`Phase: event backbone (${events} events)`);
  // On a NATS server of its own: its events must not wait in the streams for the cluster tier's
  // consumers (50,000 vote events for polls that do not exist, projected in the first window).
  const eventingNats = await startBenchNats(env.NATS_SERVER_BIN);
  let eventing: Awaited<ReturnType<typeof eventingPhase>>;
  try {
    eventing = await eventingPhase(eventingNats.url, env.POSTGRES_URL, events, progress);
  } finally {
    await eventingNats.stop();
  }

  progress('Phase: the gateway hop against nginx, in front of the same upstream');
  const proxy = await proxyPhase({ seconds: quick ? 2 : 10, connections: quick ? 16 : 64 }, progress);

  progress('Phase: votes through the cluster tier');
  const profileDir = values.profile ? await mkdtemp(join(tmpdir(), 'canvass-bench-profile-')) : undefined;
  const cluster = await startBenchCluster({ natsUrl: nats.url, postgresUrl: env.POSTGRES_URL, profileDir });
  let votes: Awaited<ReturnType<typeof votesPhase>>;
  let storage: StorageFigures | null = null;
  try {
    // CPU of every process a vote runs on: the cluster's, PostgreSQL, NATS, Redis.
    const cpu = await clusterCpuSources({
      launcherPid: cluster.pid,
      natsPid: nats.pid,
      postgresUrl: env.POSTGRES_URL,
      databasePrefix: BENCH_DATABASE_PREFIX,
      redisUrl: env.REDIS_URL,
    });
    votes = await votesPhase(
      cluster.url,
      quick
        ? {
            seconds: 2,
            connections: 16,
            polls: 4,
            rates: [100, 400],
            ackAt: 400,
            freshnessAt: 400,
            unloadedSeconds: 1,
            cpu,
          }
        : {
            seconds: 10,
            connections: 64,
            polls: 16,
            rates: [1_000, 2_500, 5_000, 10_000, 20_000],
            ackAt: 1_000,
            freshnessAt: 2_500,
            unloadedSeconds: 5,
            cpu,
          },
      progress,
    );
    const pollsDatabase = new URL(env.POSTGRES_URL);
    pollsDatabase.pathname = `/${BENCH_DATABASE_PREFIX}polls`;
    storage = await measureStorage(pollsDatabase.href, nats.url).catch((error: unknown) => {
      progress(`  storage per vote not measured: ${(error as Error).message}`);
      return null;
    });
  } finally {
    await cluster.stop();
  }
  const profiles = profileDir ? await summarizeProfiles(profileDir) : undefined;

  progress('Phase: mutual TLS between services, on and off');
  const internalTls = quick
    ? null
    : await internalTlsPhase(
        {
          natsUrl: nats.url,
          natsPid: nats.pid,
          postgresUrl: env.POSTGRES_URL,
          redisUrl: env.REDIS_URL,
          polls: 16,
          connections: 64,
          seconds: 10,
        },
        progress,
      );

  progress('Phase: replicas (one process per service against two; a kill and a rolling restart)');
  const replicas = await replicasPhase(
    {
      natsUrl: nats.url,
      natsPid: nats.pid,
      postgresUrl: env.POSTGRES_URL,
      redisUrl: env.REDIS_URL,
      polls: quick ? 4 : 16,
      connections: quick ? 16 : 64,
      seconds: quick ? 2 : 10,
      quick,
    },
    progress,
  );

  progress('Phase: tracing off and on (the cluster tier, the same vote load)');
  const tracing = await tracingPhase(
    {
      ...tracingOptions(quick),
      natsUrl: nats.url,
      natsPid: nats.pid,
      natsBinary: env.NATS_SERVER_BIN,
      postgresUrl: env.POSTGRES_URL,
      redisUrl: env.REDIS_URL,
      profile: values.profile ?? false,
    },
    progress,
  );

  progress('Phase: fan-out to live viewers (one realtime process against a raw ws broadcast)');
  const fanout = await fanoutPhase(
    {
      viewers: quick ? 200 : 10_000,
      seconds: quick ? 1 : 10,
      natsUrl: nats.url,
      profile: values.profile ?? false,
    },
    progress,
  );

  progress('Phase: the embedded tier (start, memory, votes)');
  const embedded = await embeddedPhase({ seconds: quick ? 3 : 10, connections: quick ? 16 : 64 }, progress);

  progress('Phase: webhook deliveries (embedded tier) against a raw undici POST loop');
  const webhooks = await webhooksPhase(webhooksOptions(quick), progress);

  progress('Phase: upgrade sagas (embedded tier) against the charge call alone');
  const billing = await billingPhase(billingOptions(quick), progress);

  progress("Phase: events (embedded tier): the presenter's next to every participant, upvotes per second");
  const eventsResult = await eventsPhase(
    {
      participants: quick ? 200 : 10_000,
      presses: quick ? 5 : 20,
      loadSeconds: quick ? 2 : 10,
      connections: quick ? 16 : 64,
    },
    progress,
  );

  progress('Phase: the voter page on a throttled phone (Chromium; 4x CPU, Slow 4G)');
  const web = await webPhase({ loads: quick ? 2 : 10 }, progress);

  const results = {
    at: new Date().toISOString(),
    quick,
    seconds: Math.round((performance.now() - started) / 1000),
    headlines: headlines({ ceilings, proxy, votes }),
    ceilings,
    eventing,
    proxy,
    votes,
    fanout,
    capacity: capacityFigures(votes.cpu?.manyPolls, storage, fanout),
    embedded,
    web,
    internalTls,
    replicas,
    tracing,
    webhooks,
    billing,
    events: eventsResult,
    ...(profiles ? { profiles } : {}),
  };
  const table = renderTable(results);
  await mkdir('bench/results', { recursive: true });
  const stamp = results.at.replaceAll(':', '-');
  await writeFile(`bench/results/${stamp}.json`, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(`bench/results/${stamp}.md`, `${table}\n`);
  await writeFile(`bench/results/${stamp}.svg`, renderChart(chartData(results)));
  process.stdout.write(
    `\n${table}\n\nWritten to bench/results/${stamp}.json, .md, .svg (${results.seconds} s)\n`,
  );
} finally {
  await nats.stop();
}
