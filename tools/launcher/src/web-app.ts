// Where the built web app lives, and building it when it is missing or older than its sources
// (`npm start` runs this first, so a fresh clone needs only `npm install`).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib, { brotliCompressSync, gzipSync } from 'node:zlib';

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
  precompressAssets(join(WEB_ROOT, 'assets'));
}

/**
 * Writes a brotli (quality 11) and a gzip (level 9) copy beside every text asset, which the
 * gateway serves to clients that accept them: the best ratio costs nothing per request.
 */
export function precompressAssets(folder: string): void {
  if (!existsSync(folder)) return;
  for (const name of readdirSync(folder)) {
    if (!/\.(js|mjs|css|svg|json|html)$/.test(name)) continue;
    const file = join(folder, name);
    const content = readFileSync(file);
    writeFileSync(
      `${file}.br`,
      brotliCompressSync(content, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: content.length,
        },
      }),
    );
    writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }));
  }
}

/** Builds the web app when web/dist is missing or older than its sources. */
export function buildWebAppIfStale(log: (line: string) => void = () => {}): void {
  if (!webAppIsStale()) return;
  log('building the web app (web/dist)');
  buildWebApp();
}
