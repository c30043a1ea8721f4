// The events phase alone: `node tools/bench/src/events-main.ts [--quick] [--participants N]` prints
// its result as JSON (presenter's next → every participant's screen, upvotes per second).
import { parseArgs } from 'node:util';
import { eventsPhase } from './events-phase.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, participants: { type: 'string' } } });
const quick = values.quick ?? false;
const result = await eventsPhase(
  {
    participants: Number(values.participants ?? (quick ? 200 : 10_000)),
    presses: quick ? 5 : 20,
    loadSeconds: quick ? 2 : 10,
    connections: quick ? 16 : 64,
  },
  (text) => process.stderr.write(`${text}\n`),
);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
