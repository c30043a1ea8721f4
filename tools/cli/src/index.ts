export { run, usage } from './cli.ts';
