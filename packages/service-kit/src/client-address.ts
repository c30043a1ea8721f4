// The client's address as the gateway saw it, in a form only the gateway can write. Behind the
// gateway a service's TCP peer is the gateway (or, in the embedded tier, nobody: an injected
// request), so a limit per peer address is one limit for every client; and `x-forwarded-for` is
// whatever the caller wrote, so any process that reaches a service directly could pick its own
// address. The gateway signs the address it saw with CANVASS_INTERNAL_SECRET (HMAC-SHA256, valid
// a minute or so) in `x-canvass-client-address`; a service takes the address from there, and
// otherwise from its own TCP peer, never from `x-forwarded-for` (services do not set trustProxy).

import type { FastifyRequest } from 'fastify';
import { hmacTag, tagsMatch } from './ids.ts';

export const CLIENT_ADDRESS_HEADER = 'x-canvass-client-address';

/** Signatures are made per window of this many seconds, and stay valid 60 to 90 seconds. */
const WINDOW_SECONDS = 30;
const MAX_HEADER_LENGTH = 256;

const macOf = (secret: string, address: string, expires: string) =>
  hmacTag(secret, ['canvass-client-address', address, expires]);

/**
 * The gateway's signer: `address` → header value `<address>;<expires>;<mac>`. A value is cached
 * per address for its window, so a busy client costs a map lookup, not an HMAC, per request.
 */
export function clientAddressSigner(secret: string): (address: string, now?: number) => string {
  const cache = new Map<string, { value: string; window: number }>();
  return (address, now = Date.now()) => {
    const window = Math.floor(now / 1000 / WINDOW_SECONDS);
    const hit = cache.get(address);
    if (hit?.window === window) return hit.value;
    const expires = String((window + 3) * WINDOW_SECONDS);
    const value = `${address};${expires};${macOf(secret, address, expires)}`;
    if (cache.size >= 10_000) cache.clear();
    cache.set(address, { value, window });
    return value;
  };
}

/** The address a header value names, if the gateway signed it and it has not expired. */
export function verifyClientAddress(
  value: unknown,
  secret: string | undefined,
  now = Date.now(),
): string | undefined {
  if (typeof value !== 'string' || !secret || value.length > MAX_HEADER_LENGTH) return undefined;
  const [address, expires, mac, extra] = value.split(';');
  if (!address || !expires || !mac || extra !== undefined || !/^\d{1,12}$/.test(expires)) return undefined;
  if (Number(expires) * 1000 < now) return undefined;
  return tagsMatch(macOf(secret, address, expires), mac) ? address : undefined;
}

/** Who is calling, by address: the gateway's signed word for it, else this connection's peer. */
export function clientAddressOf(
  request: Pick<FastifyRequest, 'headers' | 'ip'>,
  secret: string | undefined,
): string {
  return verifyClientAddress(request.headers[CLIENT_ADDRESS_HEADER], secret) ?? request.ip;
}
