// Secrets that must cross the event log (a password-reset link on its way to the mailer) travel
// sealed: AES-256-GCM under a key derived from the internal secret for one purpose, with the
// purpose as associated data. The log and the broker keep their events for days; what they hold
// of such a link is ciphertext, and its own expiry makes it worthless soon after anyway.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const keyFor = (secret: string, purpose: string) =>
  Buffer.from(hkdfSync('sha256', secret, 'canvass-sealed', purpose, 32));

/** Seals `value` for `purpose`: base64url of nonce, ciphertext and tag. */
export function sealSecret(secret: string, purpose: string, value: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(secret, purpose), nonce);
  cipher.setAAD(Buffer.from(purpose));
  const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url');
}

/** The sealed value, or undefined when it was sealed under another secret or purpose, or altered. */
export function openSealed(secret: string, purpose: string, sealed: string): string | undefined {
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length < 12 + 16) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFor(secret, purpose), bytes.subarray(0, 12));
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return undefined;
  }
}
