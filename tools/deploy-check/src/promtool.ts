// Runs promtool (Prometheus' checker, from Debian's `prometheus` package) and says loudly what to
// install when it is missing: a check that cannot run must not pass.
import { execFile } from 'node:child_process';

export const MISSING_PROMTOOL =
  'promtool was not found on PATH, so the Prometheus configuration, rules and dashboard cannot be checked. ' +
  'Install it: apt-get install prometheus (Debian/Ubuntu; .ci/run does this), or put the promtool of a ' +
  'Prometheus release on PATH.';

export class PromtoolMissing extends Error {
  override name = 'PromtoolMissing';
  readonly code = 'promtool-missing';
  constructor(cause?: unknown) {
    super(MISSING_PROMTOOL, { cause });
  }
}

export interface PromtoolResult {
  ok: boolean;
  output: string;
}

/** `promtool <args>`: whether it passed and what it printed; PromtoolMissing when there is none. */
export function promtool(args: readonly string[], command = 'promtool'): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') {
        reject(new PromtoolMissing(error));
        return;
      }
      resolve({ ok: !error, output: `${stdout}${stderr}`.trim() });
    });
  });
}
