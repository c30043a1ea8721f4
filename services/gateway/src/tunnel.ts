// A WebSocket upgrade passed on at the TCP level: the request line and the client's headers
// (minus those only the gateway may set, plus the verified identity) go to the realtime process,
// then bytes flow both ways untouched. The gateway never speaks WebSocket itself.
import { type IncomingMessage, STATUS_CODES } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as connectTls } from 'node:tls';
import type { InternalTls } from '@canvass/service-kit';

const NOT_PASSED = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'x-canvass-identity',
  'x-canvass-client-address',
  'x-canvass-address-rate',
  'x-request-id',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
]);

/**
 * Answers an upgrade that will not happen with a plain HTTP problem, then closes. `extensions`
 * join the body; a numeric `retryAfter` (seconds) is also sent as Retry-After.
 */
export function refuseUpgrade(
  socket: Duplex,
  status: number,
  type: string,
  title: string,
  detail: string,
  extensions: Record<string, unknown> = {},
): void {
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify({ ...extensions, type: `/problems/${type}`, title, status, detail });
  const retryAfter =
    typeof extensions.retryAfter === 'number' ? `retry-after: ${Math.ceil(extensions.retryAfter)}\r\n` : '';
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: application/problem+json\r\n${retryAfter}` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

function requestHead(target: URL, request: IncomingMessage, headers: Record<string, string>): string {
  const lines = [`${request.method ?? 'GET'} ${request.url ?? '/'} HTTP/1.1`, `host: ${target.host}`];
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (!NOT_PASSED.has(name.toLowerCase())) lines.push(`${name}: ${raw[i + 1]}`);
  }
  if (request.headers.host) lines.push(`x-forwarded-host: ${request.headers.host}`);
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Tunnels to the first target that accepts a TCP connection. */
export function tunnelUpgrade(
  targets: readonly URL[],
  request: IncomingMessage,
  client: Duplex,
  head: Buffer,
  headers: Record<string, string>,
  tls?: InternalTls,
): void {
  const [target, ...others] = targets;
  if (!target) {
    refuseUpgrade(client, 502, 'live-unavailable', 'Live results are unavailable', 'Try again shortly.');
    return;
  }
  const secure = target.protocol === 'https:';
  const upstream = secure
    ? connectTls({ host: target.hostname, port: Number(target.port || 443), ...tls?.current() })
    : connect(Number(target.port || 80), target.hostname);
  let connected = false;
  const destroy = () => {
    client.destroy();
    upstream.destroy();
  };
  upstream.once(secure ? 'secureConnect' : 'connect', () => {
    connected = true;
    if (client.destroyed) return void upstream.destroy();
    upstream.setNoDelay(true);
    upstream.write(requestHead(target, request, headers));
    if (head.length > 0) upstream.write(head);
    client.pipe(upstream);
    upstream.pipe(client);
    client.once('close', () => upstream.destroy());
    // Either side gone: end the other (pipe has flushed what was in flight).
    upstream.once('close', () => {
      if (!client.destroyed) client.end();
      setTimeout(() => client.destroy(), 5_000).unref();
    });
  });
  upstream.on('error', () => {
    if (connected) return destroy();
    if (!client.destroyed) tunnelUpgrade(others, request, client, head, headers, tls);
  });
  client.on('error', destroy);
}
