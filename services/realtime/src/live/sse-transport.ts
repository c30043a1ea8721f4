// Server-Sent Events transport. `write()` returning false means the response's buffer is full
// (the socket's own buffer is full too): the viewer holds back, keeping only the newest snapshot,
// until 'drain'.
import type { ServerResponse } from 'node:http';
import { type LiveMessage, sseFrame } from './messages.ts';
import type { Transport, TransportLimits } from './transport.ts';

/** How long EventSource waits before reconnecting by itself. */
const RECONNECT_MS = 3_000;

export function sseTransport(
  response: ServerResponse,
  limits: TransportLimits,
  headers: Record<string, string>,
): Transport {
  let blocked = false;
  response.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    // Proxies such as nginx would otherwise buffer the stream.
    'x-accel-buffering': 'no',
  });
  response.write(`retry: ${RECONNECT_MS}\n\n`);
  const send = (text: string) => {
    if (response.writableEnded || response.destroyed) return;
    if (!response.write(text)) blocked = true;
  };
  const ping = setInterval(() => {
    if (!blocked) send(': keep-alive\n\n');
  }, limits.ssePingMs);
  ping.unref();
  response.once('close', () => clearInterval(ping));

  return {
    kind: 'sse',
    write: (message: LiveMessage) => send(sseFrame(message)),
    congested: () => blocked,
    onDrain(callback) {
      response.once('drain', () => {
        blocked = false;
        callback();
      });
    },
    end() {
      if (!response.writableEnded) response.end();
    },
    onClose(callback) {
      if (response.destroyed || response.closed) callback();
      else response.once('close', () => callback());
    },
  };
}
