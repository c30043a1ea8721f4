// One measured window of the fan-out phase: updates are offered to a broadcaster (the raw `ws`
// server or realtime through NATS) either at a fixed rate, or closed-loop — the next update goes
// out once nearly every viewer has the one `inFlight` before it, so the pipeline stays full
// without an unbounded backlog (as fast as the viewers take it). Counts what the viewers receive
// while it lasts, then lets the last update arrive to see how many each viewer missed.
import { availableParallelism } from 'node:os';
import { cpuMs, machineTicks, rssKiB } from './fanout-processes.ts';
import type { Crowd } from './fanout-viewers.ts';

export interface Broadcaster {
  /** Sends these updates (increasing sequences) on their way; does not wait for them. */
  publish(sequences: readonly number[]): void;
}

export type Offered = { kind: 'rate'; perSecond: number } | { kind: 'closed-loop'; inFlight: number };

export interface WindowFigures {
  offered: string;
  seconds: number;
  updates: number;
  updatesPerSecond: number;
  /** Snapshots the viewers received per second during the window. */
  deliveredPerSecond: number;
  /** Updates a viewer never received, on average: coalesced away, or still on their way after the drain. */
  missedPerViewer: number;
  /** Every viewer had the last update within the drain time (else `missedPerViewer` counts what was still on its way). */
  drained: boolean;
  /** Seconds from the end of the window until every viewer had the last update (or gave up). */
  drainSeconds: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** The server process's CPU, in % of one core, and per delivered snapshot. */
  serverCpuPercent: number;
  serverCpuUsPerMessage: number;
  /** The bench process (the viewers), in % of one core. */
  viewersCpuPercent: number;
  /** Both cores, whoever used them. */
  machineBusyPercent: number;
  /** Everything else (NATS, the kernel's softirqs, other work on the box), in % of one core. */
  otherCpuPercent: number;
  /** The server's resident memory at the end of the window. */
  serverRssKiB: number;
  /** The slowest answer to an HTTP probe of the server during the window: how long its event loop stalled. */
  serverStallMs: number;
}

const CLOSED_LOOP_SHARE = 0.95;
const STALL_MS = 1_000;
const PROBE_MS = 200;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const round1 = (value: number) => Math.round(value * 10) / 10;

export async function measureWindow(options: {
  crowd: Crowd;
  broadcaster: Broadcaster;
  /** The first sequence to publish. */
  first: number;
  offered: Offered;
  seconds: number;
  serverPid: number;
  /** Any URL the server answers over HTTP, probed every PROBE_MS while the window lasts. */
  probeUrl: string;
  drainMs: number;
}): Promise<{ figures: WindowFigures; next: number }> {
  const { crowd, broadcaster, offered, first } = options;
  crowd.takeLatencies();
  const cpuBefore = await cpuMs(options.serverPid);
  const machineBefore = await machineTicks();
  const benchBefore = process.cpuUsage();
  const deliveredBefore = crowd.delivered;
  const started = performance.now();
  const end = started + options.seconds * 1000;
  let next = first;
  let lastPublished = started;
  let probing = true;
  let serverStallMs = 0;
  const probes = (async () => {
    while (probing) {
      const sent = performance.now();
      await fetch(options.probeUrl).then(
        (response) => response.arrayBuffer(),
        () => undefined,
      );
      serverStallMs = Math.max(serverStallMs, performance.now() - sent);
      await sleep(PROBE_MS);
    }
  })();
  for (let now = started; now < end; now = performance.now()) {
    const due: number[] = [];
    if (offered.kind === 'rate') {
      const target = first + Math.floor(((now - started) / 1000) * offered.perSecond);
      while (next <= target) due.push(next++);
    } else {
      const wanted = Math.ceil(crowd.size * CLOSED_LOOP_SHARE);
      while (crowd.reached(next - offered.inFlight) >= wanted) due.push(next++);
      // A viewer set that stops answering must not stall the window: push one on.
      if (due.length === 0 && now - lastPublished > STALL_MS) due.push(next++);
    }
    if (due.length > 0) {
      broadcaster.publish(due);
      lastPublished = now;
    }
    await sleep(offered.kind === 'rate' ? 5 : 1);
  }
  const elapsed = (performance.now() - started) / 1000;
  const delivered = crowd.delivered - deliveredBefore;
  const cpu = (await cpuMs(options.serverPid)) - cpuBefore;
  const machineAfter = await machineTicks();
  const bench = process.cpuUsage(benchBefore);
  const serverRssKiB = await rssKiB(options.serverPid);
  probing = false;
  await probes;
  const busyShare =
    (machineAfter.busy - machineBefore.busy) / Math.max(1, machineAfter.total - machineBefore.total);
  const cores = availableParallelism();

  const last = next - 1;
  const ended = performance.now();
  while (crowd.reached(last) < crowd.size - crowd.dropped && performance.now() < ended + options.drainMs) {
    await sleep(20);
  }
  const drainSeconds = round1((performance.now() - ended) / 1000);
  const drained = crowd.reached(last) >= crowd.size - crowd.dropped;
  // Sampled during the window and the drain: a backlog shows as latency.
  const latencies = crowd.takeLatencies().sort((a, b) => a - b);
  const updates = next - first;

  return {
    next,
    figures: {
      offered:
        offered.kind === 'rate'
          ? `${offered.perSecond} updates/s`
          : `closed loop, ${offered.inFlight} update(s) in flight`,
      seconds: round1(elapsed),
      updates,
      updatesPerSecond: round1(updates / elapsed),
      deliveredPerSecond: Math.round(delivered / elapsed),
      missedPerViewer: round1(updates - crowd.receivedBetween(first, last) / Math.max(1, crowd.size)),
      drained,
      drainSeconds,
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
      serverCpuPercent: Math.round(cpu / 10 / elapsed),
      serverCpuUsPerMessage: round1((cpu * 1000) / Math.max(1, delivered)),
      viewersCpuPercent: Math.round((bench.user + bench.system) / 10_000 / elapsed),
      machineBusyPercent: Math.round(busyShare * 100),
      otherCpuPercent: Math.round(
        busyShare * cores * 100 - cpu / 10 / elapsed - (bench.user + bench.system) / 10_000 / elapsed,
      ),
      serverRssKiB,
      serverStallMs: Math.round(serverStallMs),
    },
  };
}
