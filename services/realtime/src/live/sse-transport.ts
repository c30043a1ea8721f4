// Server-Sent Events transport. `write()` returning false means the response's buffer is full
// (the socket's own buffer is full too): the viewer holds back, keeping only the newest snapshot,
// until 'drain'. Frames are the shared bytes of sseFrameBytes(): a snapshot written to many slow
// readers is one buffer in memory, not a copy per reader.
import type { ServerResponse } from 'node:http';
import { type LiveMessage, sseFrameBytes } from './messages.ts';
import type { Transport, TransportLimits } from './transport.ts';

/** How long EventSource waits before reconnecting by itself. */
const RECONNECT_MS = 3_000;

export function sseTransport(
  response: ServerResponse,
  limits: TransportLimits,
  headers: Record<string, string>,
): Transport {
  let blocked = false;
  let drainWaiter: (() => void) | undefined;
  response.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    // Proxies such as nginx would otherwise buffer the stream.
    'x-accel-buffering': 'no',
  });
  response.write(`retry: ${RECONNECT_MS}\n\n`);
  const send = (text: string | Buffer) => {
    if (response.writableEnded || response.destroyed) return;
    if (!response.write(text)) blocked = true;
  };
  const ping = setInterval(() => {
    if (!blocked) send(': keep-alive\n\n');
  }, limits.ssePingMs);
  ping.unref();
  response.once('close', () => clearInterval(ping));
  // Always listened for, so `blocked` ends with the drain even when no message waited for it.
  response.on('drain', () => {
    blocked = false;
    const waiter = drainWaiter;
    drainWaiter = undefined;
    waiter?.();
  });

  return {
    kind: 'sse',
    write: (message: LiveMessage) => send(sseFrameBytes(message)),
    congested: () => blocked,
    onDrain(callback) {
      if (blocked) drainWaiter = callback;
      else queueMicrotask(callback);
    },
    end() {
      if (!response.writableEnded) response.end();
    },
    cutOff() {
      response.destroy();
    },
    onClose(callback) {
      if (response.destroyed || response.closed) callback();
      else response.once('close', () => callback());
    },
  };
}
