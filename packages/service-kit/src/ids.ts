import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A random id of letters and digits (12 characters: 71 bits). No '-' or '_', so an id never looks
 * like a command-line option or gets cut at a word boundary when shared.
 */
export function newId(length = 12): string {
  let id = '';
  while (id.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 × 62: bytes above it would make some characters likelier than others.
      if (byte < 248 && id.length < length) id += ALPHABET[byte % 62];
    }
  }
  return id;
}

/** A secret token (256 bits), URL-safe. */
export const newSecret = (): string => randomBytes(32).toString('base64url');

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('base64url');

const mac = (secret: string, purpose: string, subject: string, random: string) =>
  createHmac('sha256', secret).update(`${purpose}\n${subject}\n${random}`).digest('base64url').slice(0, 22);

/**
 * A random token bound to a purpose and a subject by an HMAC under the internal secret, so any
 * service holding the secret can check it without a lookup: a vote receipt proves "voted in poll
 * X" to analytics, a manage token proves "created guest poll X". 128 random bits + 128-bit tag.
 */
export function newSignedToken(secret: string, purpose: string, subject: string): string {
  const random = randomBytes(16).toString('base64url');
  return `${random}.${mac(secret, purpose, subject, random)}`;
}

export function verifySignedToken(secret: string, purpose: string, subject: string, token: string): boolean {
  const [random, tag, extra] = token.split('.');
  if (!random || !tag || extra !== undefined) return false;
  const expected = Buffer.from(mac(secret, purpose, subject, random));
  const given = Buffer.from(tag);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
