// `npm run bench`: how fast Canvass is against this machine's own ceilings, in one run. Writes
// bench/results/<timestamp>.json and a markdown table, and prints the table. Phases grow with the
// platform (see docs/performance.md); numbers are reported, never asserted.
// Options: --quick (a smoke run for CI), --profile (CPU profiles of every cluster process during
// the votes phase, summarized in the results: what limits the vote path).
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@canvass/config';
import Type from 'typebox';
import { startBenchCluster } from './cluster-platform.ts';
import { eventingPhase } from './eventing-phase.ts';
import { startBenchNats } from './private-nats.ts';
import { summarizeProfiles } from './profile-summary.ts';
import { proxyPhase } from './proxy-phase.ts';
import { votesPhase } from './votes-phase.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, profile: { type: 'boolean' } } });
const env = loadConfig(
  Type.Object({
    POSTGRES_URL: Type.String({ default: 'postgres://postgres@127.0.0.1:5432/postgres' }),
    NATS_SERVER_BIN: Type.String({ default: '/usr/sbin/nats-server' }),
  }),
);
const quick = values.quick ?? false;
const events = quick ? 2_000 : 50_000;
const progress = (text: string) => process.stderr.write(`${text}\n`);
const round = (value: number) => Math.round(value);

const nats = await startBenchNats(env.NATS_SERVER_BIN);
try {
  progress(`Phase: event backbone (${events} events)`);
  const eventing = await eventingPhase(nats.url, env.POSTGRES_URL, events, progress);

  progress('Phase: the gateway hop against nginx, in front of the same upstream');
  const proxy = await proxyPhase({ seconds: quick ? 2 : 10, connections: quick ? 16 : 64 }, progress);

  progress('Phase: votes through the cluster tier');
  const profileDir = values.profile ? await mkdtemp(join(tmpdir(), 'canvass-bench-profile-')) : undefined;
  const cluster = await startBenchCluster({ natsUrl: nats.url, postgresUrl: env.POSTGRES_URL, profileDir });
  let votes: Awaited<ReturnType<typeof votesPhase>>;
  try {
    votes = await votesPhase(
      cluster.url,
      { seconds: quick ? 3 : 15, connections: quick ? 16 : 64 },
      progress,
    );
  } finally {
    await cluster.stop();
  }
  const profiles = profileDir ? await summarizeProfiles(profileDir) : undefined;

  const results = {
    at: new Date().toISOString(),
    quick,
    eventing,
    proxy,
    votes,
    ...(profiles ? { profiles } : {}),
  };
  const screen = votes.voteToScreen;
  const hop = (name: string, figures: typeof proxy.gateway) =>
    `| upstream GET via ${name} (+${figures.addedP99Ms} ms p99, ${figures.cpuMsPerRequest} ms CPU/request) | ${round(figures.requestsPerSecond)} | ${figures.p50Ms} | ${figures.p99Ms} | ${(figures.requestsPerSecond / Math.max(1, proxy.direct.requestsPerSecond)).toFixed(2)} |`;
  const table = [
    '| measure | per second | p50 ms | p99 ms | ratio |',
    '|---|---:|---:|---:|---:|',
    `| raw JetStream async publish (baseline) | ${round(eventing.rawPublishPerSecond)} | | | 1.00 |`,
    `| outbox → relay → JetStream → consumer | ${round(eventing.pipelinePerSecond)} | | | ${eventing.ratio.toFixed(2)} |`,
    `| upstream GET, direct (baseline) | ${round(proxy.direct.requestsPerSecond)} | ${proxy.direct.p50Ms} | ${proxy.direct.p99Ms} | 1.00 |`,
    ...(proxy.nginx ? [hop('nginx', proxy.nginx)] : [`| nginx: ${proxy.note} | | | | |`]),
    hop('gateway', proxy.gateway),
    `| gateway GET /healthz (baseline) | ${round(votes.baseline.requestsPerSecond)} | ${votes.baseline.p50Ms} | ${votes.baseline.p99Ms} | 1.00 |`,
    `| acked votes, one poll, via gateway (${votes.votes.failed} failed) | ${round(votes.votes.requestsPerSecond)} | ${votes.votes.p50Ms} | ${votes.votes.p99Ms} | ${votes.ratio.toFixed(2)} |`,
    `| vote-to-screen under that load (${screen?.samples ?? 0} probes) | | ${screen ? round(screen.p50Ms) : '–'} | ${screen ? round(screen.p99Ms) : '–'} | |`,
  ].join('\n');
  const profileText = (profiles ?? [])
    .map(
      (profile) =>
        `\n${profile.process} (${profile.totalMs} ms on CPU):\n${profile.top.map((entry) => `  ${entry.percent}% ${entry.name}`).join('\n')}`,
    )
    .join('\n');
  await mkdir('bench/results', { recursive: true });
  const stamp = results.at.replaceAll(':', '-');
  await writeFile(`bench/results/${stamp}.json`, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(`bench/results/${stamp}.md`, `${table}\n${profileText}\n`);
  process.stdout.write(`\n${table}\n${profileText}\n\nWritten to bench/results/${stamp}.json\n`);
} finally {
  await nats.stop();
}
