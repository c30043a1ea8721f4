// Fan-out: N viewers on one realtime process receiving live results updates, beside a raw `ws`
// broadcast of the same snapshot to the same number of clients from a process of its own. Each
// side is measured at the product's ceiling (10 updates/s per poll) and closed-loop (as fast as
// the viewers take them); reports delivered snapshots per second, the ratio to raw `ws`, what
// viewers missed, CPU per delivered snapshot and resident memory per connection. The viewers
// live in the bench process; realtime gets its updates as analytics publishes them
// (analytics.results.updated.v1 on the bench's private NATS) and asks a stub about access.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResultsUpdatedV1 } from '@canvass/contracts';
import { createEvent, type EventBus } from '@canvass/eventing';
import { createNatsBus } from '@canvass/eventing-nats';
import { startAnalyticsStub } from './fanout-analytics-stub.ts';
import { FANOUT_POLL_ID, resultsBody } from './fanout-payload.ts';
import { rssKiB, startRawServer, startRealtime, stopChild } from './fanout-processes.ts';
import { connectViewers } from './fanout-viewers.ts';
import { type Broadcaster, measureWindow, type WindowFigures } from './fanout-window.ts';
import { type ProfileSummary, summarizeProfiles } from './profile-summary.ts';

export interface FanoutSide {
  /** Viewers connected (and still connected at the end). */
  viewers: number;
  connectSeconds: number;
  rssBeforeKiB: number;
  rssConnectedKiB: number;
  memoryPerConnectionKiB: number;
  /** 10 updates/s: the product's coalescing ceiling per poll. */
  productRate: WindowFigures;
  /** Closed loop: as fast as the viewers take them. */
  saturated: WindowFigures;
  /** Every update published, the warm-up included. */
  updates: number;
  dropped: number;
  disordered: number;
}

export interface FanoutResult {
  /** Viewers asked for, and connected on realtime. */
  viewers: number;
  connected: number;
  /** Raw `ws` broadcast, delivered snapshots per second (closed loop). */
  rawDeliveredPerSecond: number;
  /** One realtime process, delivered snapshots per second (closed loop). */
  realtimeDeliveredPerSecond: number;
  /** realtime ÷ raw, closed loop; the target is ≥ 0.9. */
  ratio: number;
  /** The same at 10 updates/s. */
  ratioAtProductRate: number;
  /** Raw `ws` server CPU per delivered snapshot ÷ realtime's (closed loop): 1 is as cheap as raw. */
  cpuRatio: number;
  /** Realtime's RSS growth from no viewers to all connected and idle, per viewer. */
  memoryPerConnectionKiB: number;
  /** Updates published to realtime (warm-up and both windows). */
  updatesPublished: number;
  /** Updates a realtime viewer missed on average (coalesced, or not there 5 s after the window). */
  missedPerViewer: { productRate: number; saturated: number };
  /** Realtime's own count of snapshots it coalesced away (canvass_live_snapshots_coalesced_total). */
  coalescedByRealtime: number | null;
  raw: FanoutSide;
  realtime: FanoutSide;
  profile?: ProfileSummary[];
  note?: string;
}

const PRODUCT_RATE = 10;
const INITIAL_SEQUENCE = 1;
const silent = { warn() {}, info() {} };

async function measureSide(
  options: {
    viewers: number;
    seconds: number;
    url: string;
    probeUrl: string;
    pid: number;
    broadcaster: Broadcaster;
  },
  progress: (text: string) => void,
): Promise<FanoutSide> {
  const rssBeforeKiB = await rssKiB(options.pid);
  const connecting = performance.now();
  const crowd = await connectViewers({
    url: options.url,
    count: options.viewers,
    batch: Math.min(250, Math.max(10, Math.ceil(options.viewers / 20))),
    budgetMs: Math.max(10_000, options.seconds * 2_000),
    progress,
  });
  const connectSeconds = Math.round((performance.now() - connecting) / 100) / 10;
  try {
    // Idle a moment: the last handshakes' garbage, and realtime's viewer counts (once a second).
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const rssConnectedKiB = await rssKiB(options.pid);
    const window = {
      crowd,
      broadcaster: options.broadcaster,
      serverPid: options.pid,
      probeUrl: options.probeUrl,
    };
    // Enough in flight to keep the pipeline busy (about 30k snapshots), however many viewers.
    const inFlight = Math.max(3, Math.ceil(30_000 / Math.max(1, crowd.size)));
    const closedLoop = { kind: 'closed-loop', inFlight } as const;
    // Unreported: the JIT warms up and the connections' buffers grow.
    const warm = await measureWindow({
      ...window,
      first: INITIAL_SEQUENCE + 1,
      offered: closedLoop,
      seconds: Math.min(1, options.seconds / 4),
      drainMs: 2_000,
    });
    progress(`    closed loop (${inFlight} update(s) in flight) for ${options.seconds} s`);
    const saturated = await measureWindow({
      ...window,
      first: warm.next,
      offered: closedLoop,
      seconds: options.seconds,
      drainMs: 3_000,
    });
    // Last, since a server that cannot keep up builds a backlog: given time to deliver it.
    progress(`    ${PRODUCT_RATE} updates/s for ${options.seconds} s`);
    const rate = await measureWindow({
      ...window,
      first: saturated.next,
      offered: { kind: 'rate', perSecond: PRODUCT_RATE },
      seconds: options.seconds,
      drainMs: 5_000,
    });
    return {
      viewers: crowd.size - crowd.dropped,
      connectSeconds,
      rssBeforeKiB,
      rssConnectedKiB,
      memoryPerConnectionKiB:
        Math.round(((rssConnectedKiB - rssBeforeKiB) / Math.max(1, crowd.size)) * 10) / 10,
      productRate: rate.figures,
      saturated: saturated.figures,
      updates: rate.next - INITIAL_SEQUENCE - 1,
      dropped: crowd.dropped,
      disordered: crowd.disordered,
    };
  } finally {
    crowd.close();
  }
}

function describe(side: FanoutSide): string {
  const { productRate: r, saturated: s } = side;
  return `${side.viewers} viewers: ${r.deliveredPerSecond}/s at ${PRODUCT_RATE} updates/s, ${s.deliveredPerSecond}/s closed loop (${s.updatesPerSecond} updates/s, server ${s.serverCpuPercent}% CPU, ${s.serverCpuUsPerMessage} µs/snapshot), ${side.memoryPerConnectionKiB} KiB/connection, stalls up to ${Math.max(r.serverStallMs, s.serverStallMs)} ms`;
}

export async function fanoutPhase(
  options: { viewers: number; seconds: number; natsUrl: string; profile?: boolean },
  progress: (text: string) => void,
): Promise<FanoutResult> {
  const children: ChildProcess[] = [];
  let bus: EventBus | undefined;
  const stub = await startAnalyticsStub(INITIAL_SEQUENCE);
  const profileDir = options.profile ? await mkdtemp(join(tmpdir(), 'canvass-bench-fanout-')) : undefined;
  try {
    progress(`  raw ws broadcast (own process), ${options.viewers} viewers`);
    const raw = await startRawServer();
    children.push(raw.child);
    const rawSide = await measureSide(
      {
        ...options,
        url: `ws://127.0.0.1:${raw.port}/`,
        // A plain GET: ws answers 426 Upgrade Required.
        probeUrl: `http://127.0.0.1:${raw.port}/`,
        pid: raw.child.pid!,
        broadcaster: {
          publish: (sequences) => {
            const at = Date.now();
            for (const sequence of sequences) raw.child.send({ sequence, at });
          },
        },
      },
      progress,
    );
    await stopChild(raw.child);
    progress(`    raw ws: ${describe(rawSide)}`);

    progress(`  one realtime process, ${options.viewers} viewers, updates through NATS`);
    const realtime = await startRealtime({ natsUrl: options.natsUrl, analyticsUrl: stub.url, profileDir });
    children.push(realtime.child);
    const publisher = await createNatsBus({ url: options.natsUrl, name: 'bench-fanout', logger: silent });
    bus = publisher;
    let publishFailures = 0;
    const realtimeSide = await measureSide(
      {
        ...options,
        url: `ws://127.0.0.1:${realtime.port}/api/v1/polls/${FANOUT_POLL_ID}/live`,
        probeUrl: `http://127.0.0.1:${realtime.port}/healthz`,
        pid: realtime.child.pid!,
        broadcaster: {
          publish(sequences) {
            stub.sequence = sequences.at(-1) ?? stub.sequence;
            const events = sequences.map((sequence) =>
              createEvent(ResultsUpdatedV1, {
                source: '/bench/fanout',
                partitionkey: FANOUT_POLL_ID,
                data: {
                  pollId: FANOUT_POLL_ID,
                  sequence,
                  status: 'open',
                  visibility: 'live',
                  public: true,
                  results: resultsBody(sequence),
                },
              }),
            );
            publisher.publish(events).catch(() => {
              publishFailures += events.length;
            });
          },
        },
      },
      progress,
    );
    const coalescedByRealtime = await fetch(`http://127.0.0.1:${realtime.port}/metrics`)
      .then((response) => response.text())
      .then((text) => Number(/^canvass_live_snapshots_coalesced_total (\S+)/m.exec(text)?.[1] ?? Number.NaN))
      .catch(() => Number.NaN);
    await stopChild(realtime.child, 'SIGINT');
    progress(`    realtime: ${describe(realtimeSide)}`);

    const notes: string[] = [];
    if (realtimeSide.viewers < options.viewers || rawSide.viewers < options.viewers) {
      notes.push(
        `asked for ${options.viewers} viewers; raw ws held ${rawSide.viewers}, realtime ${realtimeSide.viewers}`,
      );
    }
    if (realtimeSide.viewers < 1_000) notes.push('below ~1000 viewers, memory per connection is noise');
    const behind = realtimeSide.productRate;
    if (!behind.drained) {
      notes.push(
        `realtime fell behind at ${PRODUCT_RATE} updates/s: p99 ${Math.round(behind.latencyP99Ms)} ms publish-to-viewer, event loop stalled up to ${behind.serverStallMs} ms`,
      );
    }
    if (publishFailures > 0) notes.push(`${publishFailures} updates failed to publish`);
    const ratio = (a: number, b: number) => Math.round((a / Math.max(1, b)) * 100) / 100;
    return {
      viewers: options.viewers,
      connected: realtimeSide.viewers,
      rawDeliveredPerSecond: rawSide.saturated.deliveredPerSecond,
      realtimeDeliveredPerSecond: realtimeSide.saturated.deliveredPerSecond,
      ratio: ratio(realtimeSide.saturated.deliveredPerSecond, rawSide.saturated.deliveredPerSecond),
      ratioAtProductRate: ratio(
        realtimeSide.productRate.deliveredPerSecond,
        rawSide.productRate.deliveredPerSecond,
      ),
      cpuRatio: ratio(rawSide.saturated.serverCpuUsPerMessage, realtimeSide.saturated.serverCpuUsPerMessage),
      memoryPerConnectionKiB: realtimeSide.memoryPerConnectionKiB,
      updatesPublished: realtimeSide.updates,
      missedPerViewer: {
        productRate: realtimeSide.productRate.missedPerViewer,
        saturated: realtimeSide.saturated.missedPerViewer,
      },
      coalescedByRealtime: Number.isFinite(coalescedByRealtime) ? coalescedByRealtime : null,
      raw: rawSide,
      realtime: realtimeSide,
      ...(profileDir ? { profile: await summarizeProfiles(profileDir, 12) } : {}),
      ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
    };
  } finally {
    await bus?.close().catch(() => {});
    for (const child of children.reverse()) await stopChild(child, 'SIGINT');
    await stub.close();
    if (profileDir) await rm(profileDir, { recursive: true, force: true });
  }
}
