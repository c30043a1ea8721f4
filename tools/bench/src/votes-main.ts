// The votes phase alone, for working on the vote path: `node tools/bench/src/votes-main.ts
// [--quick] [--profile] [--seconds N]` starts the cluster tier on a private NATS server, runs the
// saturation windows (one poll, 16 polls) with CPU per acknowledged vote for every process, the
// open-loop rates of the ack p99 and freshness headlines, and prints the CPU breakdown (and with
// --profile, each process's top functions). The full `npm run bench` runs the same phase.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@canvass/config';
import Type from 'typebox';
import { BENCH_DATABASE_PREFIX, startBenchCluster } from './cluster-platform.ts';
import { clusterCpuSources } from './cpu-sources.ts';
import { startBenchNats } from './private-nats.ts';
import { summarizeProfiles } from './profile-summary.ts';
import { renderCpuBreakdown } from './report-cpu.ts';
import { votesPhase } from './votes-phase.ts';

const { values } = parseArgs({
  options: { quick: { type: 'boolean' }, profile: { type: 'boolean' }, seconds: { type: 'string' } },
});
const quick = values.quick ?? false;
const env = loadConfig(
  Type.Object({
    POSTGRES_URL: Type.String({ default: 'postgres://postgres@127.0.0.1:5432/postgres' }),
    NATS_SERVER_BIN: Type.String({ default: '/usr/sbin/nats-server' }),
    REDIS_URL: Type.String({ default: 'redis://127.0.0.1:6379' }),
  }),
);
const progress = (text: string) => process.stderr.write(`${text}\n`);
const seconds = Number(values.seconds ?? (quick ? 2 : 10));
const nats = await startBenchNats(env.NATS_SERVER_BIN);
try {
  const profileDir = values.profile ? await mkdtemp(join(tmpdir(), 'canvass-bench-profile-')) : undefined;
  const cluster = await startBenchCluster({ natsUrl: nats.url, postgresUrl: env.POSTGRES_URL, profileDir });
  let result: Awaited<ReturnType<typeof votesPhase>>;
  try {
    const cpu = await clusterCpuSources({
      launcherPid: cluster.pid,
      natsPid: nats.pid,
      postgresUrl: env.POSTGRES_URL,
      databasePrefix: BENCH_DATABASE_PREFIX,
      redisUrl: env.REDIS_URL,
    });
    result = await votesPhase(
      cluster.url,
      {
        seconds,
        connections: quick ? 16 : 64,
        polls: quick ? 4 : 16,
        rates: quick ? [100, 400] : [1_000, 2_500],
        ackAt: quick ? 400 : 1_000,
        freshnessAt: quick ? 400 : 2_500,
        unloadedSeconds: quick ? 1 : 5,
        cpu,
      },
      progress,
    );
  } finally {
    await cluster.stop();
  }
  const out: string[] = [
    `healthz ${Math.round(result.baseline.requestsPerSecond)}/s; one poll ${Math.round(result.onePoll.requestsPerSecond)}/s (p99 ${result.onePoll.p99Ms} ms); ${result.manyPolls.polls} polls ${Math.round(result.manyPolls.requestsPerSecond)}/s (p99 ${result.manyPolls.p99Ms} ms)`,
    ...result.rates.map(
      (rate) =>
        `offered ${rate.offeredPerSecond}/s: ${rate.ok} acked of ${rate.sent} sent (${rate.shed} shed), p50 ${rate.p50Ms} ms, p99 ${rate.p99Ms} ms`,
    ),
    `ack p50/p99 unloaded: ${result.unloaded?.ack.p50Ms ?? '–'}/${result.unloaded?.ack.p99Ms ?? '–'} ms; vote → screen p50 unloaded ${result.unloaded?.voteToScreen.p50Ms ?? '–'} ms`,
    `vote → screen p99: unloaded ${result.unloaded?.voteToScreen.p99Ms ?? '–'} ms; at ${result.freshness?.atOfferedPerSecond ?? '–'}/s ${result.freshness?.voteToScreen.p99Ms ?? '–'} ms`,
    `correctness: ${result.correctness.counted}/${result.correctness.acknowledged} counted (${result.correctness.equal ? 'equal' : 'NOT EQUAL'})`,
  ];
  if (result.cpu) out.push('', renderCpuBreakdown(result.cpu, result.manyPolls.polls));
  if (profileDir) {
    for (const profile of await summarizeProfiles(profileDir, 12)) {
      out.push('', `${profile.process} (${Math.round(profile.totalMs)} ms)`);
      for (const top of profile.top)
        out.push(`  ${top.percent.toFixed(1)}% ${top.selfMs.toFixed(0)} ms ${top.name}`);
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
} finally {
  await nats.stop();
}
