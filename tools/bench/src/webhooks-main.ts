// The webhook phase alone: `node tools/bench/src/webhooks-main.ts [--quick]` prints its result as
// JSON (progress on stderr). Add `--cpu-prof --cpu-prof-dir=<dir>` before the script to profile
// the platform (it runs in this process).
import { parseArgs } from 'node:util';
import { webhooksOptions, webhooksPhase } from './webhooks-phase.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean' } } });
const progress = (text: string) => process.stderr.write(`${text}\n`);
const result = await webhooksPhase(webhooksOptions(values.quick ?? false), progress);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
