import { execFile } from 'node:child_process';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `canvass` command line against a running platform. Asynchronous on purpose: in
 * the embedded tier the platform answers from this very process.
 */
export function canvass(url: string, token: string, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['tools/cli/src/main.ts', ...args, '--url', url, '--token', token],
      { encoding: 'utf8', timeout: 120_000 },
      (error, stdout, stderr) => {
        const status = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ status, stdout, stderr });
      },
    );
  });
}
