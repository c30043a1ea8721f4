// The fan-out phase alone, on a private NATS server: `node tools/bench/src/fanout-main.ts
// [--quick] [--viewers N] [--seconds S] [--profile]` prints its result as JSON. --profile adds a
// CPU profile of the realtime process, summarized.
import { parseArgs } from 'node:util';
import { loadConfig } from '@canvass/config';
import Type from 'typebox';
import { fanoutPhase } from './fanout-phase.ts';
import { startBenchNats } from './private-nats.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    viewers: { type: 'string' },
    seconds: { type: 'string' },
    profile: { type: 'boolean' },
  },
});
const env = loadConfig(Type.Object({ NATS_SERVER_BIN: Type.String({ default: '/usr/sbin/nats-server' }) }));
const quick = values.quick ?? false;
const progress = (text: string) => process.stderr.write(`${text}\n`);

const nats = await startBenchNats(env.NATS_SERVER_BIN);
try {
  const result = await fanoutPhase(
    {
      viewers: Number(values.viewers ?? (quick ? 200 : 10_000)),
      seconds: Number(values.seconds ?? (quick ? 1 : 10)),
      natsUrl: nats.url,
      profile: values.profile ?? false,
    },
    progress,
  );
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await nats.stop();
}
