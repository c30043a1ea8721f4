// A dev script for the ceilings and embedded phases on their own, with an example chart to look at:
// `node tools/bench/src/ceilings-main.ts [--quick] [--skip-ceilings] [--skip-embedded]`.
// Prints the results as JSON and writes /tmp/canvass-ceilings.{json,svg}.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '@canvass/config';
import Type from 'typebox';
import { type CeilingsResult, ceilingsPhase } from './ceilings-phase.ts';
import { type ChartData, renderChart } from './chart.ts';
import { type EmbeddedResult, embeddedPhase } from './embedded-phase.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    'skip-ceilings': { type: 'boolean' },
    'skip-embedded': { type: 'boolean' },
  },
});
const env = loadConfig(
  Type.Object({ POSTGRES_URL: Type.String({ default: 'postgres://postgres@127.0.0.1:5432/postgres' }) }),
);
const quick = values.quick ?? false;
const progress = (text: string) => process.stderr.write(`${text}\n`);

let ceilings: CeilingsResult | undefined;
if (!values['skip-ceilings']) {
  progress('Phase: this machine’s ceilings');
  ceilings = await ceilingsPhase(
    {
      seconds: quick ? 2 : 10,
      connections: quick ? 16 : 64,
      postgresUrl: env.POSTGRES_URL,
      rows: quick ? 20_000 : 1_000_000,
    },
    progress,
  );
}
let embedded: EmbeddedResult | undefined;
if (!values['skip-embedded']) {
  progress('Phase: the embedded tier (npm start)');
  embedded = await embeddedPhase({ seconds: quick ? 3 : 10, connections: quick ? 16 : 64 }, progress);
}

const chart: ChartData = {
  title: 'Canvass: this machine’s ceilings and the embedded tier',
  throughput: [],
  latency: [],
};
if (ceilings) {
  const hello = ceilings.helloPerSecond;
  const batched = ceilings.pgBatchedRowsPerSecond;
  chart.throughput.push(
    { label: 'node:http hello world (baseline)', perSecond: hello, ratio: 1, group: 'HTTP' },
    {
      label: 'bare undici proxy hop',
      perSecond: ceilings.bareProxy.perSecond,
      ratio: ceilings.bareProxy.perSecond / hello,
      group: 'HTTP',
    },
    { label: 'rows, 500 per INSERT (baseline)', perSecond: batched, ratio: 1, group: 'PostgreSQL' },
    {
      label: 'rows, 1 per INSERT',
      perSecond: ceilings.pgSingleRowsPerSecond,
      ratio: ceilings.pgSingleRowsPerSecond / batched,
      group: 'PostgreSQL',
    },
  );
  const { p50Ms, p99Ms, p999Ms } = ceilings.bareProxy;
  chart.latency.push({ label: 'bare undici proxy hop', p50Ms, p99Ms, p999Ms });
}
if (embedded) {
  const votes = embedded.votes;
  chart.throughput.push({
    label: `embedded: acked votes, one poll (${votes.rateLimited} rate-limited)`,
    perSecond: votes.perSecond,
    ...(ceilings ? { ratio: votes.perSecond / ceilings.helloPerSecond } : {}),
    group: 'embedded tier',
  });
  chart.latency.push({
    label: 'embedded: votes',
    p50Ms: votes.p50Ms,
    p99Ms: votes.p99Ms,
    p999Ms: votes.p999Ms,
  });
}
const results = { at: new Date().toISOString(), quick, ceilings, embedded };
await writeFile('/tmp/canvass-ceilings.json', `${JSON.stringify(results, null, 2)}\n`);
await writeFile('/tmp/canvass-ceilings.svg', renderChart(chart));
process.stdout.write(`${JSON.stringify(results, null, 2)}\nChart: /tmp/canvass-ceilings.svg\n`);
