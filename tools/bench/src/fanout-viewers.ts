// The fan-out phase's viewers: thousands of `ws` clients in the bench process, kept cheap enough
// that one process holds 10k of them. No compression, no UTF-8 validation, and no JSON parsing:
// a snapshot is told by its first bytes and its sequence read from where it always sits; one
// message in SAMPLE_EVERY is parsed in full to check that sequence and time its delivery.
import WebSocket from 'ws';
import { SNAPSHOT_PREFIX } from './fanout-payload.ts';

const SAMPLE_EVERY = 64;
const MAX_SAMPLES = 50_000;
const TYPE_INITIAL = SNAPSHOT_PREFIX.indexOf('snapshot');
const S = SNAPSHOT_PREFIX.charCodeAt(TYPE_INITIAL);
const DIGITS_AT = SNAPSHOT_PREFIX.length;

export interface Crowd {
  readonly size: number;
  /** Snapshots received after each viewer's first (the one on connect), in total. */
  readonly delivered: number;
  /** Other messages (viewer counts, errors). */
  readonly other: number;
  /** Snapshots not newer than the viewer's previous one, or whose sequence the sample disputes. */
  readonly disordered: number;
  /** Connections that closed while the phase still wanted them. */
  readonly dropped: number;
  /** How many viewers have a snapshot at least this new. */
  reached(sequence: number): number;
  /** Snapshots received with a sequence from `first` to `last`, over all viewers. */
  receivedBetween(first: number, last: number): number;
  /** Update-to-viewer times (ms) of the sampled snapshots since the last call. */
  takeLatencies(): number[];
  close(): void;
}

export interface ConnectOptions {
  url: string;
  count: number;
  /** Connections opened at once. */
  batch: number;
  /** Stop opening more once this is spent (the crowd is then smaller than asked). */
  budgetMs: number;
  progress(text: string): void;
}

export async function connectViewers(options: ConnectOptions): Promise<Crowd> {
  const sockets: WebSocket[] = [];
  const last: number[] = [];
  const reachedCounts: number[] = [];
  const arrivals: number[] = [];
  let base = -1;
  let delivered = 0;
  let other = 0;
  let disordered = 0;
  let dropped = 0;
  let sampled = 0;
  let closing = false;
  let latencies: number[] = [];

  function onSnapshot(viewer: number, data: Buffer): void {
    let sequence = 0;
    for (let i = DIGITS_AT; i < data.length; i++) {
      const digit = data[i]! - 48;
      if (digit < 0 || digit > 9) break;
      sequence = sequence * 10 + digit;
    }
    const previous = last[viewer]!;
    if (previous < 0) {
      // The snapshot on connect: where this viewer starts.
      last[viewer] = sequence;
      if (base < 0) base = sequence;
      return;
    }
    if (sequence <= previous) {
      disordered++;
      return;
    }
    delivered++;
    arrivals[sequence] = (arrivals[sequence] ?? 0) + 1;
    last[viewer] = sequence;
    for (let s = Math.max(previous + 1, base + 1); s <= sequence; s++) {
      reachedCounts[s] = (reachedCounts[s] ?? 0) + 1;
    }
    if (++sampled % SAMPLE_EVERY === 0) {
      const message = JSON.parse(data.toString()) as { sequence: number; results: { updatedAt: string } };
      if (message.sequence !== sequence) disordered++;
      if (latencies.length < MAX_SAMPLES) latencies.push(Date.now() - Date.parse(message.results.updatedAt));
    }
  }

  function open(viewer: number): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = new WebSocket(options.url, {
        perMessageDeflate: false,
        skipUTF8Validation: true,
        handshakeTimeout: 30_000,
      });
      let connected = false;
      last[viewer] = -1;
      socket.on('message', (data: Buffer, isBinary) => {
        if (!isBinary && data[TYPE_INITIAL] === S) {
          onSnapshot(viewer, data);
          if (!connected) {
            connected = true;
            resolve(true);
          }
        } else other++;
      });
      socket.on('error', () => {});
      socket.on('close', () => {
        if (!connected) resolve(false);
        else if (!closing) dropped++;
      });
      sockets.push(socket);
    });
  }

  const started = performance.now();
  let failed = 0;
  let viewer = 0;
  while (viewer < options.count) {
    const size = Math.min(options.batch, options.count - viewer);
    const opened = await Promise.all(Array.from({ length: size }, (_, i) => open(viewer + i)));
    viewer += size;
    failed += opened.filter((ok) => !ok).length;
    if (viewer % (options.batch * 8) === 0 || viewer === options.count) {
      options.progress(`    ${viewer - failed}/${options.count} viewers connected (${failed} failed)`);
    }
    // Stop short when the server refuses more or the time is up: measure with what holds.
    if (failed > options.count / 100 || performance.now() - started > options.budgetMs) break;
  }
  if (failed > 0 || viewer < options.count) {
    options.progress(`    stopped at ${viewer - failed} viewers (${failed} failed to connect)`);
  }
  const live = sockets.filter((socket) => socket.readyState === WebSocket.OPEN).length;

  return {
    size: live,
    get delivered() {
      return delivered;
    },
    get other() {
      return other;
    },
    get disordered() {
      return disordered;
    },
    get dropped() {
      return dropped;
    },
    reached: (sequence) => (sequence <= base ? live : (reachedCounts[sequence] ?? 0)),
    receivedBetween(first, last) {
      let total = 0;
      for (let sequence = first; sequence <= last; sequence++) total += arrivals[sequence] ?? 0;
      return total;
    },
    takeLatencies() {
      const taken = latencies;
      latencies = [];
      return taken;
    },
    close() {
      closing = true;
      for (const socket of sockets) socket.terminate();
    },
  };
}
