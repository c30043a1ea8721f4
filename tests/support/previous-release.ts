// An earlier release of the services, run as processes beside today's: its tree extracted from git
// (git archive) into a temporary folder, with a node_modules of its own made of links. Third-party
// packages are today's, which holds while package-lock.json is the same in both releases; each
// `@canvass/*` package is the old tree's own workspace folder, so old code only imports old code.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceProcess } from './processes.ts';

/** The repository this test file belongs to (not the process's cwd). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Release {
  commit: string;
  dir: string;
  /** Runs `services/<name>/src/main.ts` of this release (cwd: its tree). */
  startService(name: string, env: Record<string, string>): ServiceProcess;
  dispose(): Promise<void>;
}

const WORKSPACE_FOLDERS = ['packages', 'services', 'tools'];

function git(args: string[]): Buffer {
  return execFileSync('git', ['-C', REPO_ROOT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The commit's tree in `dir`, with a node_modules of links (see the header). */
async function extract(commit: string, dir: string): Promise<void> {
  const archive = join(dir, 'release.tar');
  git(['archive', '--format=tar', `--output=${archive}`, commit]);
  execFileSync('tar', ['-x', '-f', archive, '-C', dir]);
  await rm(archive);

  const modules = join(dir, 'node_modules');
  await mkdir(join(modules, '@canvass'), { recursive: true });
  for (const entry of await readdir(join(REPO_ROOT, 'node_modules'))) {
    if (entry === '@canvass' || entry === '.bin') continue;
    await symlink(join(REPO_ROOT, 'node_modules', entry), join(modules, entry));
  }
  for (const folder of WORKSPACE_FOLDERS) {
    if (!existsSync(join(dir, folder))) continue;
    for (const workspace of await readdir(join(dir, folder))) {
      const manifest = join(dir, folder, workspace, 'package.json');
      if (!existsSync(manifest)) continue;
      const { name } = JSON.parse(await readFile(manifest, 'utf8')) as { name?: string };
      if (!name?.startsWith('@canvass/')) continue;
      await symlink(join(dir, folder, workspace), join(modules, name));
    }
  }
}

export async function materializeRelease(commit: string): Promise<Release> {
  try {
    git(['cat-file', '-e', `${commit}^{commit}`]);
  } catch {
    throw new Error(
      `commit ${commit} (the previous release) is not in the clone at ${REPO_ROOT}: ` +
        'fetch the full history (git fetch --unshallow) to run the upgrade test',
    );
  }
  const dir = await mkdtemp(join(tmpdir(), `canvass-release-${commit.slice(0, 7)}-`));
  try {
    await extract(commit, dir);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    commit,
    dir,
    startService(name, env) {
      let output = '';
      const child: ChildProcess = spawn(process.execPath, [`services/${name}/src/main.ts`], {
        cwd: dir,
        env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.on('data', (chunk) => {
        output += chunk;
      });
      child.stderr?.on('data', (chunk) => {
        output += chunk;
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once('exit', (code, signal) => resolve({ code, signal })),
      );
      return { child, output: () => output, exited };
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
