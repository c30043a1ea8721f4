// Which addresses and endpoint URLs a webhook may be sent to. Pure checks, no I/O: the outbound client
// (outbound.ts) applies checkAddress to every resolved and every connected address, and checkEndpointUrl
// when an endpoint is saved and before each delivery.
import { isIPv4, isIPv6 } from 'node:net';

export type AddressVerdict = { ok: true } | { ok: false; reason: string };
export type EndpointVerdict =
  | { ok: true; url: URL }
  | { ok: false; reason: string; code: 'invalid-url' | 'address-refused' };
export interface AddressPolicy {
  /** Opens 127.0.0.0/8 and ::1 (and the name localhost) only: for tests and local development. */
  allowLoopback?: boolean;
}

const cidr4 = (text: string, what: string) => {
  const [base, bits] = text.split('/');
  return { base: parseIPv4(base!)!, bits: Number(bits), what };
};
// IANA IPv4 special-purpose registry, minus the few blocks that are globally reachable (AS112, AMT).
const specialIPv4 = [
  cidr4('0.0.0.0/8', 'a "this network" address'),
  cidr4('10.0.0.0/8', 'a private address'),
  cidr4('100.64.0.0/10', 'a shared (carrier-grade NAT) address'),
  cidr4('169.254.0.0/16', 'a link-local address (cloud metadata lives here)'),
  cidr4('172.16.0.0/12', 'a private address'),
  cidr4('192.0.0.0/24', 'an IETF protocol assignment address'),
  cidr4('192.0.2.0/24', 'a documentation address'),
  cidr4('192.88.99.0/24', 'a 6to4 relay anycast address'),
  cidr4('192.168.0.0/16', 'a private address'),
  cidr4('198.18.0.0/15', 'a benchmarking address'),
  cidr4('198.51.100.0/24', 'a documentation address'),
  cidr4('203.0.113.0/24', 'a documentation address'),
  cidr4('224.0.0.0/4', 'a multicast address'),
  cidr4('240.0.0.0/4', 'a reserved or broadcast address'),
];

function parseIPv4(text: string): number | null {
  if (!isIPv4(text)) return null;
  return text.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

/** 16 bytes of an IPv6 address (zone id dropped), or null. */
function parseIPv6(text: string): Uint8Array | null {
  if (!isIPv6(text)) return null;
  let s = text.split('%')[0]!;
  const dotted = s.slice(s.lastIndexOf(':') + 1);
  if (dotted.includes('.')) {
    const v4 = parseIPv4(dotted)!;
    s = `${s.slice(0, s.length - dotted.length)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head, tail] = s.split('::') as [string, string | undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  const bytes = new Uint8Array(16);
  [...headGroups, ...zeros, ...tailGroups].forEach((group, i) => {
    const value = Number.parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  return bytes;
}

/** Why this IPv4 address is refused ("a private address"), or null when it is public. */
function refuseIPv4(v4: number, policy: AddressPolicy): string | null {
  if (v4 >>> 24 === 127) return policy.allowLoopback ? null : 'a loopback address';
  for (const range of specialIPv4) {
    if (v4 >>> (32 - range.bits) === range.base >>> (32 - range.bits)) return range.what;
  }
  return null;
}

const startsWith = (bytes: Uint8Array, prefix: number[]) => prefix.every((b, i) => bytes[i] === b);
const v4At = (bytes: Uint8Array, at: number) =>
  ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
const dottedV4 = (v4: number) => [v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255].join('.');

function refuseEmbedded(v4: number, form: string, policy: AddressPolicy): string | null {
  const why = refuseIPv4(v4, policy);
  return why && `${form} of ${dottedV4(v4)}, ${why}`;
}

function refuseIPv6(b: Uint8Array, policy: AddressPolicy): string | null {
  const zero = (from: number, to: number) => b.subarray(from, to).every((x) => x === 0);
  if (zero(0, 16)) return 'the unspecified address';
  if (zero(0, 15) && b[15] === 1) return policy.allowLoopback ? null : 'a loopback address';
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff)
    return refuseEmbedded(v4At(b, 12), 'an IPv4-mapped form', policy);
  if (zero(0, 12)) return 'an IPv4-compatible address (deprecated)';
  // NAT64 well-known prefix: the gateway forwards to the embedded IPv4 address.
  if (startsWith(b, [0, 0x64, 0xff, 0x9b]) && zero(4, 12))
    return refuseEmbedded(v4At(b, 12), 'a NAT64 form', policy);
  if (startsWith(b, [0x20, 0x02])) return refuseEmbedded(v4At(b, 2), 'a 6to4 form', policy);
  // Everything outside global unicast 2000::/3: ::/8 rest, 64:ff9b:1::/48, 100::/64, fc00::/7, fe80::/10, ff00::/8…
  if (b[0]! >> 5 !== 1) {
    if (b[0] === 0xff) return 'a multicast address';
    if ((b[0]! & 0xfe) === 0xfc) return 'a unique local (private) address';
    if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return 'a link-local address';
    return 'outside the global unicast range 2000::/3';
  }
  // 2001::/23 holds Teredo (2001::/32, which tunnels to an IPv4 address), ORCHID, benchmarking…
  if (b[0] === 0x20 && b[1] === 0x01 && b[2]! < 2) return 'an IETF protocol assignment address (e.g. Teredo)';
  if (startsWith(b, [0x20, 0x01, 0x0d, 0xb8])) return 'a documentation address';
  if (b[0] === 0x3f && b[1] === 0xff && b[2]! < 0x10) return 'a documentation address';
  return null;
}

/** Is this IP (v4 or v6 text) a public unicast address a webhook may be sent to? */
export function checkAddress(address: string, options: AddressPolicy = {}): AddressVerdict {
  const v4 = parseIPv4(address);
  const v6 = v4 === null ? parseIPv6(address) : null;
  if (v4 === null && v6 === null) return { ok: false, reason: `${address || '(none)'} is not an IP address` };
  const why = v4 !== null ? refuseIPv4(v4, options) : refuseIPv6(v6!, options);
  return why ? { ok: false, reason: `${address} is ${why}` } : { ok: true };
}

// Names that only mean something inside a network; refused without asking DNS.
const internalSuffixes = ['.local', '.internal', '.localdomain', '.home.arpa', '.lan', '.intranet', '.corp'];

/** Syntactic check of an endpoint URL as a user typed it; IP literals get checkAddress. */
export function checkEndpointUrl(raw: string, options: AddressPolicy = {}): EndpointVerdict {
  const invalid = (reason: string) => ({ ok: false, reason, code: 'invalid-url' }) as const;
  const refused = (reason: string) => ({ ok: false, reason, code: 'address-refused' }) as const;
  if (raw.length > 2048) return invalid('the URL is longer than 2048 characters');
  const url = URL.parse(raw);
  if (!url) return invalid('not a valid URL');
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return invalid('only http: and https: URLs are allowed');
  if (url.username || url.password) return invalid('the URL must not contain a user name or password');
  // WHATWG parsing already turned 2130706433, 0x7f000001, 0177.0.0.1 and 127.1 into 127.0.0.1.
  const host = url.hostname.replace(/\.+$/, '');
  if (!host) return invalid('the URL has no host');
  if (host.startsWith('[')) {
    const verdict = checkAddress(host.slice(1, -1), options);
    return verdict.ok ? { ok: true, url } : refused(verdict.reason);
  }
  if (isIPv4(host)) {
    const verdict = checkAddress(host, options);
    return verdict.ok ? { ok: true, url } : refused(verdict.reason);
  }
  if (host === 'localhost' || host.endsWith('.localhost')) {
    return options.allowLoopback ? { ok: true, url } : refused(`${host} is a loopback name`);
  }
  if (!host.includes('.')) return refused(`${host} is a single-label (intranet) name`);
  if (internalSuffixes.some((suffix) => host.endsWith(suffix))) return refused(`${host} is an internal name`);
  return { ok: true, url };
}
