// The webhook phase's receiver (webhooks-receiver.ts, its own process) seen from the bench, and the
// phase's baseline: a raw undici POST loop to that same receiver, with the same body and headers a
// delivery carried and the deliverer's concurrency.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Agent } from 'undici';
import { stopChild } from './processes.ts';
import type { Arrival } from './webhooks-receiver.ts';

export type { Arrival } from './webhooks-receiver.ts';

export interface Sink {
  url: string;
  pid: number;
  /** Receiver clock minus this process's clock, ms (both timeOrigin + now; estimated on start). */
  offsetMs: number;
  /** Every arrival since the last take, its `at` moved onto this process's clock. */
  take(): Promise<Arrival[]>;
  /** The first request (headers and body) since the last sample, if any came. */
  sample(): Promise<{ headers: Record<string, string>; body: string } | null>;
  stop(): Promise<void>;
}

export const wallNow = () => performance.timeOrigin + performance.now();

function ask<T>(child: ChildProcess, message: object, is: (answer: unknown) => answer is T): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (answer: unknown) => {
      if (!is(answer)) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(answer);
    };
    const onExit = (code: number | null) => reject(new Error(`the webhook receiver exited (${code})`));
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send(message);
  });
}

export async function startSink(): Promise<Sink> {
  const child = fork(fileURLToPath(new URL('./webhooks-receiver.ts', import.meta.url)), [], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`the webhook receiver exited (${code})`)));
  });
  // The two clocks should agree to well under a millisecond; the round trip with the least delay
  // of a few says by how much they do not.
  let best = { rtt: Number.POSITIVE_INFINITY, offset: 0 };
  for (let i = 0; i < 20; i++) {
    const sent = wallNow();
    const { at } = await ask(child, { clock: i }, (a): a is { clock: number; at: number } => {
      return (a as { clock?: number }).clock === i;
    });
    const received = wallNow();
    if (received - sent < best.rtt) best = { rtt: received - sent, offset: at - (sent + received) / 2 };
  }
  const offsetMs = best.offset;
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    offsetMs,
    async take() {
      const { arrivals } = await ask(child, { take: true }, (a): a is { arrivals: Arrival[] } =>
        Array.isArray((a as { arrivals?: unknown }).arrivals),
      );
      return arrivals.map((arrival) => ({ ...arrival, at: arrival.at - offsetMs }));
    },
    async sample() {
      const answer = await ask(
        child,
        { sample: true },
        (a): a is { sample: Awaited<ReturnType<Sink['sample']>> } => Object.hasOwn(a as object, 'sample'),
      );
      return answer.sample;
    },
    async stop() {
      await stopChild(child);
    },
  };
}

/** Waits until `count` arrivals have come (or `timeoutMs` passed); returns all taken. */
export async function collect(sink: Sink, count: number, timeoutMs: number): Promise<Arrival[]> {
  const arrivals: Arrival[] = [];
  const deadline = performance.now() + timeoutMs;
  while (arrivals.length < count && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    arrivals.push(...(await sink.take()));
  }
  return arrivals;
}

export interface RawPosts {
  requests: number;
  concurrency: number;
  bodyBytes: number;
  /** Arrivals per second at the receiver, first to last (the figure deliveries are held to). */
  perSecond: number;
  /** Sent → arrived at the receiver, per request. */
  latenciesMs: number[];
  failed: number;
}

/**
 * `requests` POSTs of `body` with `headers`, `concurrency` at a time (each worker sends its next
 * once its last is answered, as a deliverer slot does), through one undici Agent like the
 * deliverer's outbound client, and without its address checks or signing.
 */
export async function rawPostLoop(
  sink: Sink,
  options: { requests: number; concurrency: number; body: string; headers: Record<string, string> },
): Promise<RawPosts> {
  const agent = new Agent();
  const origin = sink.url;
  const sentAt = new Map<string, number>();
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < options.requests) {
      // As long as a real webhook-id (msg_ and 32 hex digits): the same header bytes.
      const id = `raw_${String(next++).padStart(32, '0')}`;
      sentAt.set(id, wallNow());
      try {
        const response = await agent.request({
          origin,
          path: '/raw',
          method: 'POST',
          headers: { ...options.headers, 'webhook-id': id },
          body: options.body,
        });
        await response.body.dump();
        if (response.statusCode >= 300) failed++;
      } catch {
        failed++;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    await agent.close();
  }
  const arrivals = await collect(sink, options.requests - failed, 10_000);
  const times = arrivals.map((arrival) => arrival.at).sort((a, b) => a - b);
  const span = (times.at(-1)! - times[0]!) / 1000;
  return {
    requests: options.requests,
    concurrency: options.concurrency,
    bodyBytes: Buffer.byteLength(options.body),
    perSecond: span > 0 ? (times.length - 1) / span : 0,
    latenciesMs: arrivals.map((arrival) => arrival.at - (sentAt.get(arrival.webhookId ?? '') ?? arrival.at)),
    failed,
  };
}
