// `npm run check:deploy`: runs deploy-check.ts from the repository's root and prints each check;
// exits 1 if any failed or promtool or kubectl is missing.
import { fileURLToPath } from 'node:url';
import { checkDeploy } from './deploy-check.ts';
import { KubectlMissing } from './kubectl.ts';
import { PromtoolMissing } from './promtool.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const say = (line: string) => process.stdout.write(`${line}\n`);

try {
  const results = await checkDeploy({ root });
  for (const result of results) {
    say(`${result.ok ? 'ok  ' : 'FAIL'} ${result.name}`);
    if (!result.ok && result.detail) say(result.detail.replace(/^/gm, '     '));
  }
  const failed = results.filter((result) => !result.ok).length;
  if (failed > 0) {
    say(`${failed} of ${results.length} deploy checks failed`);
    process.exit(1);
  }
  say(`deploy/: all ${results.length} checks passed`);
} catch (error) {
  if (!(error instanceof PromtoolMissing || error instanceof KubectlMissing)) throw error;
  process.stderr.write(`\n!!! ${error.message}\n\n`);
  process.exit(1);
}
