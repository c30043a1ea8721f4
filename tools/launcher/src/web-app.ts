// Where the built web app lives, and building it when it is missing or older than its sources
// (`npm start` runs this first, so a fresh clone needs only `npm install`).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_DIR = fileURLToPath(new URL('../../../web', import.meta.url));
/** What the gateway serves (`webRoot`). */
export const WEB_ROOT = join(WEB_DIR, 'dist');

function newestChange(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, entry)));
  return newest;
}

/** Whether web/dist is missing or older than any source of the app. */
export function webAppIsStale(): boolean {
  const index = join(WEB_ROOT, 'index.html');
  if (!existsSync(index)) return true;
  // The app's tsconfig lists what it compiles, the shared import-free modules outside web/ too.
  const compiled = (JSON.parse(readFileSync(join(WEB_DIR, 'tsconfig.json'), 'utf8')) as { include: string[] })
    .include;
  const sources = [...compiled, 'index.html', 'package.json', 'tsconfig.json'].map((name) =>
    join(WEB_DIR, name),
  );
  const newestSource = Math.max(...sources.filter(existsSync).map(newestChange));
  return newestSource > statSync(index).mtimeMs;
}

/** Builds the web app with Vite (the workspace's own); throws when the build fails. */
export function buildWebApp(): void {
  const vitePackage = createRequire(join(WEB_DIR, 'package.json')).resolve('vite/package.json');
  const result = spawnSync(process.execPath, [join(dirname(vitePackage), 'bin', 'vite.js'), 'build'], {
    cwd: WEB_DIR,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`the web app build failed (exit ${result.status})`);
}

/** Builds the web app when web/dist is missing or older than its sources. */
export function buildWebAppIfStale(log: (line: string) => void = () => {}): void {
  if (!webAppIsStale()) return;
  log('building the web app (web/dist)');
  buildWebApp();
}
