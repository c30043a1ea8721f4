// A live connection as the viewer logic sees it, whatever carries it (WebSocket or SSE).
import type { LiveMessage } from './messages.ts';

export interface Transport {
  readonly kind: 'websocket' | 'sse';
  write(message: LiveMessage): void;
  /** The peer is not keeping up: more than the buffer limit is waiting to go out. */
  congested(): boolean;
  /** Calls back once the peer has caught up (after `congested()` said true). */
  onDrain(callback: () => void): void;
  /** Ends the connection; `code` is the WebSocket close code (SSE just ends the stream). */
  end(code: number, reason: string): void;
  /**
   * Drops the connection now, with what is still buffered for it: the peer stopped reading, so a
   * closing handshake would only wait behind that.
   */
  cutOff(): void;
  /** Calls back once when the connection is gone, whoever ended it. */
  onClose(callback: () => void): void;
}

export interface TransportLimits {
  /** Bytes waiting to go out above which a viewer only keeps the newest snapshot. */
  bufferBytes: number;
  /** WebSocket ping interval; a peer that missed the previous pong is dropped. */
  wsPingMs: number;
  /** SSE comment interval: keeps proxies (the gateway reads with a 30 s body timeout) from giving up. */
  ssePingMs: number;
  /** A viewer whose connection stays over `bufferBytes` this long is cut off (it reconnects and resumes). */
  stallMs: number;
}

export const defaultTransportLimits: TransportLimits = {
  bufferBytes: 256 * 1024,
  wsPingMs: 20_000,
  ssePingMs: 15_000,
  stallMs: 30_000,
};
