// Standard Webhooks signatures (the `standardwebhooks` package): `webhook-id`, `webhook-timestamp`
// and `webhook-signature`. After a rotation the previous secret signs too until its overlap ends,
// so a receiver can switch secrets at its own pace: the header then holds two `v1,` signatures.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A new signing secret: `whsec_` and 24 random bytes, base64. */
export const newWebhookSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

export interface SigningKeys {
  secret: string;
  previousSecret: string | null;
  previousSecretUntil: Date | null;
}

export function signedHeaders(
  keys: SigningKeys,
  messageId: string,
  at: Date,
  body: string,
): Record<string, string> {
  const secrets = [keys.secret];
  if (keys.previousSecret && keys.previousSecretUntil && keys.previousSecretUntil > at)
    secrets.push(keys.previousSecret);
  return {
    'content-type': 'application/json',
    'user-agent': 'Canvass-Webhooks/1',
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(messageId, at, body)).join(' '),
  };
}
