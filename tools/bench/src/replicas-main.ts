// The replicas phase alone: `node tools/bench/src/replicas-main.ts [--quick]` prints its report
// (markdown) on stdout and writes the result as JSON to bench/results/replicas-<timestamp>.json
// (progress on stderr). --quick compares the two clusters briefly and skips the kill and the
// rolling restart.
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '@canvass/config';
import Type from 'typebox';
import { startBenchNats } from './private-nats.ts';
import { replicasPhase } from './replicas-phase.ts';
import { renderReplicas } from './report.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean' } } });
const quick = values.quick ?? false;
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
  const result = await replicasPhase(
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
  const at = new Date().toISOString();
  await mkdir('bench/results', { recursive: true });
  const file = `bench/results/replicas-${at.replaceAll(':', '-')}.json`;
  await writeFile(file, `${JSON.stringify({ at, replicas: result }, null, 2)}\n`);
  const seconds = Math.round((performance.now() - started) / 1000);
  process.stdout.write(`${renderReplicas(result).join('\n')}\n\nWritten to ${file} (${seconds} s)\n`);
} finally {
  await nats.stop();
}
