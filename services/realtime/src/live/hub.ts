// Every live viewer in this process, grouped by poll. Results updates from the bus make a
// channel's newest snapshot and go to its viewers; viewer counts are reported and shown once a
// second at most. Channels of polls nobody here watches any more are kept (bounded, least
// recently used first out) so a viewer who comes back soon finds the newest snapshot.
import type { Logger } from '@canvass/service-kit';
import { contextFrom, SpanKind, startSpan } from '@canvass/telemetry';
import type { ViewerCounts } from '../viewers/viewer-counts.ts';
import type { CheckAccess, Credentials } from './access.ts';
import { type Channel, countedViewers, newChannel, offerSnapshot } from './channel.ts';
import type { LiveMetrics } from './metrics.ts';
import { createViewer, type Viewer } from './viewer.ts';

export interface ResultsUpdate {
  pollId: string;
  sequence: number;
  public: boolean;
  results: Record<string, unknown>;
  /** The W3C trace context of the event that brought it (analytics' publish span). */
  traceparent?: string;
  /** When the earliest vote it newly counts was accepted. */
  oldestVoteAt?: string;
}

export interface HubOptions {
  checkAccess: CheckAccess;
  counts: ViewerCounts;
  metrics: LiveMetrics;
  logger: Logger;
  /** Channels kept for polls without viewers here. */
  idleChannels: number;
  /** How long a viewer's connection may stay congested before it is cut off. */
  stallMs: number;
  countIntervalMs: number;
}

export interface Hub {
  /** Stopping: new viewers are turned away. */
  readonly stopped: boolean;
  watch(
    pollId: string,
    since: number | undefined,
    credentials: () => Credentials | Promise<Credentials>,
  ): Viewer;
  update(update: ResultsUpdate): void;
  /** Whether an update of this poll would go anywhere: it has a channel here (watched, or lately). */
  has(pollId: string): boolean;
  start(): void;
  /** Sends every viewer away (they reconnect elsewhere) and withdraws this process's counts. */
  stop(): Promise<void>;
}

export function createHub(options: HubOptions): Hub {
  const channels = new Map<string, Channel>();
  let timer: NodeJS.Timeout | undefined;
  let counting = false;
  let countsFailing = false;
  let stopped = false;

  function channelFor(pollId: string): Channel {
    let channel = channels.get(pollId);
    if (channel) {
      // Map order is the LRU order: most recently used last.
      channels.delete(pollId);
    } else {
      channel = newChannel(pollId);
      evictIdle();
    }
    channels.set(pollId, channel);
    return channel;
  }

  function evictIdle(): void {
    let excess = channels.size + 1 - options.idleChannels;
    for (const [pollId, channel] of channels) {
      if (excess <= 0) break;
      if (channel.viewers.size === 0 && channel.reported === 0) {
        channels.delete(pollId);
        excess--;
      }
    }
  }

  async function showCounts(): Promise<void> {
    const active = [...channels.values()].filter((c) => c.viewers.size > 0 || c.reported > 0);
    for (const channel of active) {
      const local = countedViewers(channel);
      if (local !== channel.reported) {
        channel.reported = local;
        await options.counts.report(channel.pollId, local);
      }
    }
    const watched = active.filter((channel) => channel.reported > 0);
    const totals = await options.counts.totals(watched.map((channel) => channel.pollId));
    for (const channel of watched) {
      const total = Math.max(totals.get(channel.pollId) ?? 0, channel.reported);
      for (const viewer of channel.viewers) viewer.showCount(total);
    }
  }

  function tick(): void {
    if (counting) return;
    counting = true;
    showCounts()
      .then(() => {
        if (countsFailing) options.logger.info('viewer counts are shared again');
        countsFailing = false;
      })
      .catch((error: unknown) => {
        if (!countsFailing) options.logger.warn({ err: error }, 'cannot share viewer counts; retrying');
        countsFailing = true;
      })
      .finally(() => {
        counting = false;
      });
  }

  return {
    get stopped() {
      return stopped;
    },
    watch(pollId, since, credentials) {
      const channel = channelFor(pollId);
      const viewer = createViewer({
        channel,
        since,
        credentials,
        checkAccess: options.checkAccess,
        metrics: options.metrics,
        logger: options.logger,
        stallMs: options.stallMs,
        onLeave: (gone) => channel.viewers.delete(gone),
      });
      channel.viewers.add(viewer);
      return viewer;
    },
    has(pollId) {
      return channels.has(pollId);
    },
    update(update) {
      const channel = channels.get(update.pollId);
      if (!channel) return; // nobody here watches it
      // The push joins the trace of the batch that changed the results (see analytics' publisher).
      const span = startSpan('realtime push', {
        parent: contextFrom(update.traceparent),
        kind: SpanKind.PRODUCER,
        attributes: {
          'canvass.service': 'realtime',
          'canvass.poll_id': update.pollId,
          'canvass.sequence': update.sequence,
          'canvass.viewers': channel.viewers.size,
        },
      });
      const trace = span.spanContext().traceId;
      const snapshot = {
        sequence: update.sequence,
        results: update.results,
        ...(/^0+$/.test(trace) ? {} : { trace }),
      };
      if (!offerSnapshot(channel, snapshot)) {
        // The same change we fetched already: still learn whether it is public.
        if (channel.newest?.sequence === update.sequence) channel.public ??= update.public;
        span.setAttribute('canvass.superseded', true);
        span.end();
        return;
      }
      channel.public = update.public;
      for (const viewer of channel.viewers) viewer.updated();
      const votedAt = update.oldestVoteAt ? Date.parse(update.oldestVoteAt) : Number.NaN;
      if (Number.isFinite(votedAt) && channel.viewers.size > 0)
        options.metrics.voteToScreen.observe(Math.max(0, Date.now() - votedAt) / 1000);
      span.end();
    },
    start() {
      timer ??= setInterval(tick, options.countIntervalMs);
      timer.unref();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      timer = undefined;
      for (const channel of channels.values()) for (const viewer of channel.viewers) viewer.goAway();
      await options.counts.close().catch(() => {});
    },
  };
}
