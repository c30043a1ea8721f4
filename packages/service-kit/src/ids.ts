import { createHash, createHmac, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

// Random bytes for ids, receipts and trace ids are cut from a pool refilled from the CSPRNG when
// used up: one call into OpenSSL per 4 KiB instead of one (and a Buffer) per id, which was about 2%
// of the polls service's CPU per vote. Each byte is handed out once.
const pool = Buffer.alloc(4096);
let poolAt = pool.length;

/** `size` CSPRNG bytes, a view into the pool: read them before the next call, never keep them. */
export function pooledRandom(size: number): Buffer {
  if (size > pool.length) return randomBytes(size);
  if (poolAt + size > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  poolAt += size;
  return pool.subarray(poolAt - size, poolAt);
}

/**
 * A random id of letters and digits (12 characters: 71 bits). No '-' or '_', so an id never looks
 * like a command-line option or gets cut at a word boundary when shared.
 */
export function newId(length = 12): string {
  let id = '';
  while (id.length < length) {
    for (const byte of pooledRandom(length * 2)) {
      // 248 = 4 × 62: bytes above it would make some characters likelier than others.
      if (byte < 248 && id.length < length) id += ALPHABET[byte % 62];
    }
  }
  return id;
}

/** A secret token (256 bits), URL-safe. */
export const newSecret = (): string => randomBytes(32).toString('base64url');

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('base64url');

/**
 * An HMAC-SHA256 under `secret` over fields joined by newlines (the first names the purpose, so a
 * tag made for one purpose never checks for another), base64url, cut to `length` when given.
 */
export function hmacTag(secret: string, fields: readonly string[], length?: number): string {
  const tag = createHmac('sha256', secret).update(fields.join('\n')).digest('base64url');
  return length === undefined ? tag : tag.slice(0, length);
}

/** Whether a given tag equals the expected one, in constant time. */
export function tagsMatch(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

const mac = (secret: string, purpose: string, subject: string, random: string) =>
  hmacTag(secret, [purpose, subject, random], 22);

/**
 * A random token bound to a purpose and a subject by an HMAC under the internal secret, so any
 * service holding the secret can check it without a lookup: a vote receipt proves "voted in poll
 * X" to analytics, a manage token proves "created guest poll X". 128 random bits + 128-bit tag.
 */
export function newSignedToken(secret: string, purpose: string, subject: string): string {
  const random = pooledRandom(16).toString('base64url');
  return `${random}.${mac(secret, purpose, subject, random)}`;
}

export function verifySignedToken(secret: string, purpose: string, subject: string, token: string): boolean {
  const [random, tag, extra] = token.split('.');
  if (!random || !tag || extra !== undefined) return false;
  return tagsMatch(mac(secret, purpose, subject, random), tag);
}
