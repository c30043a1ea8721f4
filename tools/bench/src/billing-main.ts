// The billing phase alone: `node tools/bench/src/billing-main.ts [--quick]` prints its result as
// JSON (progress on stderr).
import { parseArgs } from 'node:util';
import { billingOptions, billingPhase } from './billing-phase.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean' } } });
const progress = (text: string) => process.stderr.write(`${text}\n`);
const result = await billingPhase(billingOptions(values.quick ?? false), progress);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
