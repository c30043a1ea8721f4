// Browsers cannot set `Authorization` on a WebSocket, but they may offer subprotocols. A signed-in
// browser offers `canvass.v1, canvass.bearer.<access token>`: the gateway takes the token out and
// authenticates it as a bearer token, and forwards the other protocols only, so the token never
// reaches realtime (nor is echoed back: realtime answers `canvass.v1`).
import type { IncomingMessage } from 'node:http';
import { BEARER_PROTOCOL_PREFIX } from '@canvass/contracts';

const HEADER = 'sec-websocket-protocol';

/**
 * Removes every `canvass.bearer.<token>` entry from the offered subprotocols, in the parsed and
 * the raw headers (the cluster tier's tunnel forwards the raw ones), and returns the first token:
 * `undefined` when none was offered, possibly `''` when one was offered empty.
 */
export function takeBearerProtocol(request: IncomingMessage): string | undefined {
  const offered = request.headers[HEADER];
  if (typeof offered !== 'string' || !offered.includes(BEARER_PROTOCOL_PREFIX)) return undefined;
  const protocols = offered.split(',').map((protocol) => protocol.trim());
  const token = protocols.find((protocol) => protocol.startsWith(BEARER_PROTOCOL_PREFIX));
  if (token === undefined) return undefined;
  const others = protocols.filter(
    (protocol) => protocol !== '' && !protocol.startsWith(BEARER_PROTOCOL_PREFIX),
  );
  if (others.length > 0) request.headers[HEADER] = others.join(', ');
  else delete request.headers[HEADER];
  const raw = request.rawHeaders;
  for (let i = raw.length - 2; i >= 0; i -= 2) {
    if (raw[i]!.toLowerCase() === HEADER) raw.splice(i, 2);
  }
  if (others.length > 0) raw.push('Sec-WebSocket-Protocol', others.join(', '));
  return token.slice(BEARER_PROTOCOL_PREFIX.length);
}
