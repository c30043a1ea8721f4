// `npm run build:web` builds the web app; with `--if-stale` (the `prestart` scripts) only when
// web/dist is missing or older than its sources, so starting stays fast.
import { buildWebApp, buildWebAppIfStale } from './web-app.ts';

try {
  if (process.argv.includes('--if-stale')) buildWebAppIfStale((line) => process.stdout.write(`${line}\n`));
  else buildWebApp();
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
