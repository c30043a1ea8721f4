// `npm run bench`: how fast Canvass is against this machine's own ceilings, in one run. Writes
// bench/results/<timestamp>.json and a markdown table, and prints the table. Phases grow with the
// platform (see docs/performance.md); numbers are reported, never asserted.
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '@canvass/config';
import Type from 'typebox';
import { eventingPhase } from './eventing-phase.ts';
import { startBenchNats } from './private-nats.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean' } } });
const env = loadConfig(
  Type.Object({
    POSTGRES_URL: Type.String({ default: 'postgres://postgres@127.0.0.1:5432/postgres' }),
    NATS_SERVER_BIN: Type.String({ default: '/usr/sbin/nats-server' }),
  }),
);
const events = values.quick ? 2_000 : 50_000;
const progress = (text: string) => process.stderr.write(`${text}\n`);

const nats = await startBenchNats(env.NATS_SERVER_BIN);
try {
  progress(`Phase: event backbone (${events} events)`);
  const eventing = await eventingPhase(nats.url, env.POSTGRES_URL, events, progress);
  const results = { at: new Date().toISOString(), quick: values.quick ?? false, eventing };
  const table = [
    '| measure | events/s | ratio |',
    '|---|---:|---:|',
    `| raw JetStream async publish (baseline) | ${Math.round(eventing.rawPublishPerSecond)} | 1.00 |`,
    `| outbox → relay → JetStream → consumer | ${Math.round(eventing.pipelinePerSecond)} | ${eventing.ratio.toFixed(2)} |`,
  ].join('\n');
  await mkdir('bench/results', { recursive: true });
  const stamp = results.at.replaceAll(':', '-');
  await writeFile(`bench/results/${stamp}.json`, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(`bench/results/${stamp}.md`, `${table}\n`);
  process.stdout.write(`\n${table}\n\nWritten to bench/results/${stamp}.json\n`);
} finally {
  await nats.stop();
}
