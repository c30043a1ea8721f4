import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomText(length: number): string {
  let text = '';
  while (text.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 × 62: bytes above it would make some characters likelier than others.
      if (byte < 248 && text.length < length) text += ALPHABET[byte % 62];
    }
  }
  return text;
}

/** A Stripe-style object id: its prefix (`pi`, `ch`, `re`, `cus`, `evt`, `we`, `req`) and 24 characters. */
export const objectId = (prefix: string): string => `${prefix}_${randomText(24)}`;

/** A PaymentIntent's client secret, as Stripe builds it: `<id>_secret_<random>`. */
export const clientSecretFor = (paymentIntentId: string): string =>
  `${paymentIntentId}_secret_${randomText(25)}`;

/** A webhook signing secret, `whsec_` and 32 characters. */
export const newWebhookSecret = (): string => `whsec_${randomText(32)}`;

/** Seconds since the epoch, as Stripe's `created` fields hold. */
export const unixNow = (): number => Math.floor(Date.now() / 1000);
