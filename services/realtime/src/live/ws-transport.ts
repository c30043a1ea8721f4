// WebSocket transport. `bufferedAmount` counts what the socket has not flushed yet; while it is
// over the limit the viewer holds back (keeping only the newest snapshot), and we look again
// after each write completes and on a short timer, since a stuck peer completes no writes.
import type { WebSocket } from 'ws';
import type { Transport, TransportLimits } from './transport.ts';

const DRAIN_POLL_MS = 100;
const CLOSE_GRACE_MS = 5_000;
/** Each message serialized once, however many viewers it goes to (half the CPU per snapshot). */
const frames = new WeakMap<object, Buffer>();

export function wsTransport(socket: WebSocket, limits: TransportLimits): Transport {
  let drainWaiter: (() => void) | undefined;
  let drainTimer: NodeJS.Timeout | undefined;
  let alive = true;
  const congested = () => socket.bufferedAmount > limits.bufferBytes;

  function checkDrained(): void {
    if (!drainWaiter || congested() || socket.readyState !== socket.OPEN) return;
    const waiter = drainWaiter;
    drainWaiter = undefined;
    clearInterval(drainTimer);
    waiter();
  }

  socket.on('pong', () => {
    alive = true;
  });
  const ping = setInterval(() => {
    if (!alive) return socket.terminate();
    alive = false;
    socket.ping();
  }, limits.wsPingMs);
  ping.unref();
  socket.once('close', () => {
    clearInterval(ping);
    clearInterval(drainTimer);
    drainWaiter = undefined;
  });

  return {
    kind: 'websocket',
    write(message) {
      if (socket.readyState !== socket.OPEN) return;
      let frame = frames.get(message);
      if (!frame) {
        frame = Buffer.from(JSON.stringify(message));
        frames.set(message, frame);
      }
      socket.send(frame, { binary: false }, () => checkDrained());
    },
    congested,
    onDrain(callback) {
      drainWaiter = callback;
      clearInterval(drainTimer);
      drainTimer = setInterval(checkDrained, DRAIN_POLL_MS);
      drainTimer.unref();
    },
    cutOff() {
      socket.terminate();
    },
    end(code, reason) {
      if (socket.readyState === socket.CLOSED) return;
      socket.close(code, reason);
      // A peer that does not answer the closing handshake is cut off.
      setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
    },
    onClose(callback) {
      if (socket.readyState === socket.CLOSED) callback();
      else socket.once('close', () => callback());
    },
  };
}
