import { readFile } from 'node:fs/promises';
import { loadConfig } from '@canvass/config';
import Type from 'typebox';

const CliConfig = Type.Object({
  CANVASS_URL: Type.String({ pattern: '^https?://', default: 'http://localhost:8080' }),
  CANVASS_ADMIN_TOKEN: Type.Optional(Type.String()),
  CANVASS_ADMIN_TOKEN_FILE: Type.String({ default: '.canvass/admin-token' }),
  NATS_URL: Type.String({ default: 'nats://127.0.0.1:4222' }),
  /** The cluster launcher's log folder (`canvass logs`). */
  CANVASS_LOG_DIR: Type.String({ minLength: 1, default: '.canvass/logs' }),
});

export interface CliSettings {
  url: string;
  token: string | undefined;
  natsUrl: string;
  logDir: string;
}

/** Flags win over the environment; the token falls back to the file `npm start` writes. */
export async function cliSettings(flags: { url?: string; token?: string }): Promise<CliSettings> {
  const env = loadConfig(CliConfig);
  let token = flags.token ?? env.CANVASS_ADMIN_TOKEN;
  if (!token)
    token = (await readFile(env.CANVASS_ADMIN_TOKEN_FILE, 'utf8').catch(() => '')).trim() || undefined;
  return { url: flags.url ?? env.CANVASS_URL, token, natsUrl: env.NATS_URL, logDir: env.CANVASS_LOG_DIR };
}
