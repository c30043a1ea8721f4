// Stripe's webhook signature: `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over
// `<t>.<payload>`, keyed with the endpoint's whole `whsec_...` secret, so the official SDK's
// `stripe.webhooks.constructEvent(payload, header, secret)` verifies it. Each attempt is signed
// anew, with the time it is sent.
import { createHmac } from 'node:crypto';
import { unixNow } from '../ids.ts';

export function signatureHeader(payload: string, secret: string, timestamp = unixNow()): string {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${signature}`;
}
