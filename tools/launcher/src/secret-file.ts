// A secret kept in a file of its own (the operator token, the embedded tier's internal secret):
// made once, readable by its owner only (0600), and checked every time it is reused. A file that
// others can read, that belongs to someone else, or that is not a plain file is refused with what
// to do about it, never trusted or silently replaced: whoever could read or swap it could sign
// identities or use the operator API.
import { randomBytes } from 'node:crypto';
import { link, lstat, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export class SecretFileError extends Error {
  readonly code = 'SECRET_FILE_UNSAFE';
  constructor(message: string) {
    super(message);
    this.name = 'SecretFileError';
  }
}

export interface SecretFileOptions {
  /** What the file holds, for messages ("the operator token"). */
  what: string;
  /** Shortest acceptable content (after trimming). */
  minLength: number;
  /** Makes a new secret when the file does not exist yet. */
  create?: () => string;
}

/** For a launcher's top level: an unsafe secret file ends the start with its message, no stack trace. */
export function exitOnUnsafeSecret(error: unknown): never {
  if (!(error instanceof SecretFileError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/** The file's secret, after checking the file is safe to trust; made (0600) when there is none. */
export async function readOrCreateSecret(file: string, options: SecretFileOptions): Promise<string> {
  try {
    return await readChecked(file, options);
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
  const secret = (options.create ?? (() => randomBytes(32).toString('base64url')))();
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // Written whole under a temporary name, then linked into place: never half a secret on disk,
  // and a link fails if another process made the file meanwhile (then we use theirs).
  const temporary = join(
    dirname(file),
    `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}`,
  );
  await writeFile(temporary, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(temporary, file);
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return await readChecked(file, options);
    // A file system without hard links: create the file itself, still exclusively.
    await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } finally {
    await unlink(temporary).catch(() => {});
  }
}

async function readChecked(file: string, options: SecretFileOptions): Promise<string> {
  const refuse = await checkSecretFile(file, options.what);
  const secret = (await readFile(file, 'utf8')).trim();
  if (secret.length < options.minLength) {
    throw refuse(
      `it holds fewer than ${options.minLength} characters`,
      'Delete it and start again to make a new one.',
    );
  }
  return secret;
}

/**
 * Throws SecretFileError unless the file is a regular file of the user running Canvass that only
 * they can read (also used for private keys, tools/launcher/src/pki.ts). Returns how to refuse it
 * for another reason.
 */
export async function checkSecretFile(
  file: string,
  what: string,
): Promise<(problem: string, fix: string) => SecretFileError> {
  const stats = await lstat(file);
  const refuse = (problem: string, fix: string) =>
    new SecretFileError(`Refusing to use ${what} in ${file}: ${problem}. ${fix}`);
  if (!stats.isFile()) {
    throw refuse(
      'it is not a regular file (a link or a folder)',
      `Delete it and start again to make a new one.`,
    );
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw refuse(
      `it belongs to user ${stats.uid}, not to the user running Canvass (${uid})`,
      `Run Canvass as that user, or delete the file (a new one is made) or take it over: chown ${uid} '${file}'.`,
    );
  }
  // Permission bits mean little on Windows, where getuid does not exist either.
  if (uid !== undefined && (stats.mode & 0o077) !== 0) {
    throw refuse(
      `its mode is ${(stats.mode & 0o777).toString(8).padStart(4, '0')}, so other users may read it`,
      `Make it readable by its owner only: chmod 600 '${file}' (or delete it, and a new one is made).`,
    );
  }
  return refuse;
}
