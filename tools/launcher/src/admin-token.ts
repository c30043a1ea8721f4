// The operator token guarding /admin/v1: taken from CANVASS_ADMIN_TOKEN, else kept in a file
// (created on first start, readable by its owner only, refused when others could read it; see
// secret-file.ts) that the `canvass` CLI reads too.
import { randomBytes } from 'node:crypto';
import { readOrCreateSecret } from './secret-file.ts';

export const DEFAULT_ADMIN_TOKEN_FILE = '.canvass/admin-token';

export async function ensureAdminToken(fromEnv: string | undefined, file: string): Promise<string> {
  if (fromEnv) return fromEnv;
  return readOrCreateSecret(file, {
    what: 'the operator token',
    minLength: 16,
    create: () => randomBytes(24).toString('base64url'),
  });
}
