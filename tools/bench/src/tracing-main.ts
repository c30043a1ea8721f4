// The tracing phase alone: `node tools/bench/src/tracing-main.ts [--quick] [--profile]
// [--modes on,keep-none,…] [--rounds N]` prints its report (markdown) on stdout and writes the
// result as JSON to bench/results/tracing-<timestamp>.json (progress on stderr). --profile takes a
// CPU profile of every process of every cluster and says how much of each is tracing code; --modes
// compares these settings with off (tracing-modes.ts names them), --rounds sets the rounds each.
// `--modes checkout` with CANVASS_BENCH_BASELINE=<another checkout> compares two versions of the code.
// `--modes node-options` with CANVASS_BENCH_NODE_OPTIONS=<flags> compares Node flags on the same code.
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '@canvass/config';
import Type from 'typebox';
import { startBenchNats } from './private-nats.ts';
import { TRACING_MODES, type TracingMode } from './tracing-modes.ts';
import { tracingOptions, tracingPhase } from './tracing-phase.ts';
import { renderTracing } from './tracing-report.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    profile: { type: 'boolean' },
    modes: { type: 'string' },
    rounds: { type: 'string' },
  },
});
const modes = values.modes?.split(',').map((mode) => {
  if (!(mode in TRACING_MODES) || mode === 'off')
    throw new Error(`--modes: no setting ${mode} to compare with off (${Object.keys(TRACING_MODES)})`);
  if (mode === 'checkout' && !process.env.CANVASS_BENCH_BASELINE)
    throw new Error('--modes checkout: set CANVASS_BENCH_BASELINE to the other checkout (after its npm ci)');
  if (mode === 'node-options' && !process.env.CANVASS_BENCH_NODE_OPTIONS)
    throw new Error('--modes node-options: set CANVASS_BENCH_NODE_OPTIONS to the flags to compare');
  return mode as Exclude<TracingMode, 'off'>;
});
const env = loadConfig(
  Type.Object({
    POSTGRES_URL: Type.String({ default: 'postgres://postgres@127.0.0.1:5432/postgres' }),
    NATS_SERVER_BIN: Type.String({ default: '/usr/sbin/nats-server' }),
    REDIS_URL: Type.String({ default: 'redis://127.0.0.1:6379' }),
  }),
);
const progress = (text: string) => process.stderr.write(`${text}\n`);
const started = performance.now();
const nats = await startBenchNats(env.NATS_SERVER_BIN);
try {
  const result = await tracingPhase(
    {
      ...tracingOptions(values.quick ?? false),
      ...(modes ? { modes } : {}),
      ...(values.rounds ? { rounds: Number(values.rounds) } : {}),
      natsUrl: nats.url,
      natsPid: nats.pid,
      natsBinary: env.NATS_SERVER_BIN,
      postgresUrl: env.POSTGRES_URL,
      redisUrl: env.REDIS_URL,
      profile: values.profile ?? false,
    },
    progress,
  );
  const at = new Date().toISOString();
  await mkdir('bench/results', { recursive: true });
  const file = `bench/results/tracing-${at.replaceAll(':', '-')}.json`;
  await writeFile(file, `${JSON.stringify({ at, tracing: result }, null, 2)}\n`);
  const seconds = Math.round((performance.now() - started) / 1000);
  process.stdout.write(`${renderTracing(result).join('\n')}\n\nWritten to ${file} (${seconds} s)\n`);
} finally {
  await nats.stop();
}
