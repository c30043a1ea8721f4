// The operator token guarding /admin/v1: taken from CANVASS_ADMIN_TOKEN, else kept in a file
// (created on first start, readable by its owner only) that the `canvass` CLI reads too.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export const DEFAULT_ADMIN_TOKEN_FILE = '.canvass/admin-token';

export async function ensureAdminToken(fromEnv: string | undefined, file: string): Promise<string> {
  if (fromEnv) return fromEnv;
  try {
    const saved = (await readFile(file, 'utf8')).trim();
    if (saved.length >= 16) return saved;
  } catch {
    // No token yet: make one.
  }
  const token = randomBytes(24).toString('base64url');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return token;
}
