// The HTTP client that posts webhooks to URLs workspace users typed in, without letting them reach our own
// network (SSRF). Addresses are checked at three points, because each alone has a gap:
// 1. checkEndpointUrl before each delivery: cheap, clear reasons, refuses internal names without DNS.
// 2. The DNS lookup hook: checks every address a name resolves to, so a name pointing at 10.0.0.1 is refused
//    at connect time, whatever it resolved to when the endpoint was saved (DNS rebinding).
// 3. The connector: undici and node:net skip the lookup hook for IP-literal hosts, so the connector refuses
//    a non-public literal before connecting and checks socket.remoteAddress after connecting, whatever
//    path led there. Redirects are never followed: a 3xx is returned as the result.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { type AddressPolicy, checkAddress, checkEndpointUrl } from './outbound-address.ts';

export type { AddressVerdict, EndpointVerdict } from './outbound-address.ts';
export { checkAddress, checkEndpointUrl };

export interface OutboundOptions {
  /** Opens 127.0.0.0/8 and ::1 only (CANVASS_WEBHOOKS_ALLOW_LOOPBACK, for tests). Default false. */
  allowLoopback?: boolean;
  /** Whole-request deadline, default 10_000 ms; the connect timeout is min(5_000, timeoutMs). */
  timeoutMs?: number;
  /** Bytes of response body read at most (then the socket is destroyed), default 64 KiB. */
  maxResponseBytes?: number;
  /** Resolver with the shape of dns.lookup (default node:dns lookup); tests inject a fake. */
  lookup?: typeof dnsLookup;
}

/**
 * Error codes, set only when status is null:
 * - 'invalid-url': not an http(s) URL, has credentials, too long.
 * - 'address-refused': the host is, resolves to or connected to a non-public address, or is an internal name.
 * - 'dns-failed': the name did not resolve.
 * - 'connect-failed': no connection, or it broke before a response status arrived.
 * - 'tls-failed': TLS handshake or certificate failure.
 * - 'timeout': connect timeout, or no response status within timeoutMs.
 */
export type OutboundErrorCode =
  | 'invalid-url'
  | 'address-refused'
  | 'dns-failed'
  | 'connect-failed'
  | 'tls-failed'
  | 'timeout';

export interface OutboundResult {
  /** HTTP status (a 3xx is returned as is, never followed), or null when no answer came. */
  status: number | null;
  latencyMs: number;
  /** First ≤ 1 KiB of the response body as UTF-8 text, '' when none. */
  excerpt: string;
  error?: OutboundErrorCode;
  /** Human detail, e.g. "10.0.0.1 is a private address". */
  detail?: string;
}

export interface OutboundClient {
  post(url: string, request: { headers: Record<string, string>; body: string }): Promise<OutboundResult>;
  close(): Promise<void>;
}

const excerptBytes = 1024;

/** Carries a refusal through undici's connect callback so post() can tell it from other failures. */
class RefusedAddressError extends Error {
  readonly code = 'ADDRESS_REFUSED';
}
class DnsFailedError extends Error {
  readonly code = 'DNS_FAILED';
}

/** dns.lookup that resolves every address and refuses the name if ANY of them is not public. Keeping only the
 * public ones is not enough: a rebinding name that mixes 127.0.0.1 into its answers is hostile, and happy
 * eyeballs, a retry or another resolver down the line could still pick the internal address. */
export function guardLookup(lookup: typeof dnsLookup, policy: AddressPolicy): typeof dnsLookup {
  const guarded = (hostname: string, options: object, callback: (...args: unknown[]) => void) => {
    lookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error)
        return callback(new DnsFailedError(`${hostname} did not resolve: ${error.code}`, { cause: error }));
      if (addresses.length === 0) return callback(new DnsFailedError(`${hostname} resolved to no address`));
      for (const { address } of addresses) {
        const verdict = checkAddress(address, policy);
        if (!verdict.ok)
          return callback(new RefusedAddressError(`${hostname} resolves to ${verdict.reason}`));
      }
      if ('all' in options && options.all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
  return guarded as typeof dnsLookup;
}

/** Wraps a connector: refuses non-public IP-literal hosts before connecting, and any socket whose remote
 * address is not public after connecting (destroyed before a byte of the request is written). */
export function guardConnector(
  connect: buildConnector.connector,
  policy: AddressPolicy,
): buildConnector.connector {
  return (options, callback) => {
    if (isIP(options.hostname)) {
      const literal = checkAddress(options.hostname, policy);
      if (!literal.ok) return callback(new RefusedAddressError(literal.reason), null);
    }
    connect(options, (error, socket) => {
      if (error) return callback(error, null);
      const verdict = checkAddress(socket.remoteAddress ?? '', policy);
      if (verdict.ok) return callback(null, socket);
      socket.destroy();
      callback(new RefusedAddressError(`connected to ${verdict.reason}`), null);
    });
  };
}

/** The undici Agent with the lookup and connector guards; post() adds checkEndpointUrl in front. */
export function createOutboundAgent(options: OutboundOptions = {}): Agent {
  const policy = { allowLoopback: options.allowLoopback ?? false };
  const timeoutMs = options.timeoutMs ?? 10_000;
  const lookup = guardLookup(options.lookup ?? dnsLookup, policy);
  const connect = buildConnector({ lookup, timeout: Math.min(5_000, timeoutMs) });
  return new Agent({
    connect: guardConnector(connect, policy),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
}

function classify(error: unknown): { error: OutboundErrorCode; detail: string } {
  const err = error as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
  const code = typeof err?.code === 'string' ? err.code : '';
  const detail = String(err?.message ?? error);
  if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_CLOSED' || code === 'UND_ERR_DESTROYED')
    throw error;
  if (error instanceof RefusedAddressError) return { error: 'address-refused', detail };
  if (error instanceof DnsFailedError) return { error: 'dns-failed', detail };
  if (
    err?.name === 'TimeoutError' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'UND_ERR_HEADERS_TIMEOUT'
  ) {
    return { error: 'timeout', detail };
  }
  if (/^ERR_(TLS|SSL)_|CERT|UNABLE_TO_|SELF_SIGNED/.test(code)) return { error: 'tls-failed', detail };
  return { error: 'connect-failed', detail: code ? `${code}: ${detail}` : detail };
}

/** Reads at most maxBytes of the body, keeps the first KiB, and destroys the stream if there is more. */
async function readExcerpt(body: AsyncIterable<Buffer> & { destroy(): void }, maxBytes: number) {
  const kept: Buffer[] = [];
  let read = 0;
  try {
    for await (const chunk of body) {
      if (read < excerptBytes) kept.push(chunk.subarray(0, excerptBytes - read));
      read += chunk.length;
      if (read >= maxBytes) break; // leaving the loop destroys the stream and its socket
    }
  } catch {
    // A body cut short (timeout, reset) still leaves the status as the answer.
  } finally {
    body.destroy();
  }
  return new TextDecoder().decode(Buffer.concat(kept));
}

export function createOutboundClient(options: OutboundOptions = {}): OutboundClient {
  const policy = { allowLoopback: options.allowLoopback ?? false };
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxResponseBytes = options.maxResponseBytes ?? 64 * 1024;
  const agent = createOutboundAgent(options);
  return {
    async post(url, { headers, body }) {
      const started = performance.now();
      const latencyMs = () => Math.round(performance.now() - started);
      const checked = checkEndpointUrl(url, policy);
      if (!checked.ok)
        return { status: null, latencyMs: 0, excerpt: '', error: checked.code, detail: checked.reason };
      try {
        const response = await agent.request({
          origin: checked.url.origin,
          path: `${checked.url.pathname}${checked.url.search}`,
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        const excerpt = await readExcerpt(response.body, maxResponseBytes);
        return { status: response.statusCode, latencyMs: latencyMs(), excerpt };
      } catch (error) {
        return { status: null, latencyMs: latencyMs(), excerpt: '', ...classify(error) };
      }
    },
    close: () => agent.close(),
  };
}
