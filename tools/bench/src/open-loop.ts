// An open-loop load generator: requests leave at a fixed rate whatever the answers do, and each
// latency counts from when its request was due, not when it was sent. A closed-loop tool waits for
// answers before sending more, so a slow server slows the load and its worst latencies never get
// measured (coordinated omission); here a stall shows as the queue it really causes.
import { Pool } from 'undici';

export interface OpenLoopRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface OpenLoopResult {
  offeredPerSecond: number;
  sent: number;
  ok: number;
  failed: number;
  /** Requests never sent: the backlog passed `maxBacklog` (the server cannot keep up at all). */
  shed: number;
  achievedPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

export const percentile = (sorted: ArrayLike<number>, p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const round = (ms: number) => Math.round(ms * 10) / 10;

export async function openLoop(options: {
  origin: string;
  rate: number;
  seconds: number;
  connections: number;
  request(index: number): OpenLoopRequest;
  /** Called with each answer's status (and index), e.g. to count acknowledged votes. */
  onAnswer?(status: number, index: number): void;
  maxBacklog?: number;
}): Promise<OpenLoopResult> {
  const pool = new Pool(options.origin, { connections: options.connections, pipelining: 1 });
  const total = Math.round(options.rate * options.seconds);
  const latencies = new Float64Array(total);
  const maxBacklog = options.maxBacklog ?? 20_000;
  let sent = 0;
  let done = 0;
  let ok = 0;
  let failed = 0;
  let shed = 0;
  const started = performance.now();
  const interval = 1000 / options.rate;

  await new Promise<void>((resolve) => {
    const finish = () => {
      if (sent + shed === total && done === sent) resolve();
    };
    const fire = (index: number) => {
      const due = started + index * interval;
      const request = options.request(index);
      sent++;
      const settle = (status: number | undefined) => {
        latencies[done++] = performance.now() - due;
        if (status !== undefined && status < 400) ok++;
        else failed++;
        if (status !== undefined) options.onAnswer?.(status, index);
        finish();
      };
      pool
        .request({
          method: request.method,
          path: request.path,
          headers: request.headers,
          body: request.body ?? null,
        })
        .then(
          async (response) => {
            await response.body.dump();
            settle(response.statusCode);
          },
          () => settle(undefined),
        );
    };
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - started) / interval) + 1);
      while (sent + shed < due) {
        if (sent - done >= maxBacklog) shed++;
        else fire(sent + shed);
      }
      if (sent + shed < total) setTimeout(tick, 1);
      else finish();
    };
    tick();
  });
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  const measured = latencies.subarray(0, done).sort();
  return {
    offeredPerSecond: options.rate,
    sent,
    ok,
    failed,
    shed,
    achievedPerSecond: Math.round(ok / elapsed),
    p50Ms: round(percentile(measured, 50)),
    p99Ms: round(percentile(measured, 99)),
    p999Ms: round(percentile(measured, 99.9)),
    maxMs: round(measured.length ? measured[measured.length - 1]! : 0),
  };
}
