// Live results updates: after a batch commits, each poll it touched gets a fresh snapshot
// published as analytics.results.updated.v1, at most one per poll per interval (about 10 a
// second): changes in between are coalesced into the next snapshot. The polls changed in an
// interval are read together, in one statement, however many they are. Published on the bus directly,
// not through the outbox: a snapshot supersedes every earlier one and live clients fetch one when
// they (re)connect, so losing one in a crash costs nothing the next change does not repair.
import { ResultsUpdatedV1 } from '@canvass/contracts';
import { createEvent, type EventBus } from '@canvass/eventing';
import type { Logger } from '@canvass/service-kit';
import { activeTraceparent, contextFrom, inSpan, SpanKind } from '@canvass/telemetry';
import type { Kysely } from 'kysely';
import type { AnalyticsTables } from '../tables.ts';
import { resultsArePublic } from './access.ts';
import { type ResultsSnapshot, readManyResults } from './view.ts';

export interface ResultsPublisher {
  /** Polls changed by a committed batch, with the acceptance time of each vote counted. */
  touched(changes: Iterable<{ pollId: string; castAt?: string }>): void;
  stop(): Promise<void>;
}

export function createResultsPublisher(deps: {
  db: Kysely<AnalyticsTables>;
  bus: EventBus;
  logger: Logger;
  intervalMs?: number;
  /** This region, whose peers' counters results add (docs/regions.md). */
  region?: string | undefined;
}): ResultsPublisher {
  const interval = deps.intervalMs ?? 100;
  /**
   * Polls changed since their last snapshot: the earliest vote counted since (realtime measures
   * vote → screen from it) and the trace of the first batch that changed it (its snapshot's parent).
   */
  const due = new Map<string, { oldestVoteAt?: number; traceparent?: string }>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let lastRound = 0;
  let stopped = false;

  /**
   * One round publishes every poll changed since the last: their results read in one statement,
   * then a snapshot each. Rounds are at least `interval` apart, so no poll gets more than one
   * snapshot per interval, and a change after a quiet spell goes out at once.
   */
  function schedule(): void {
    if (timer || running || stopped || due.size === 0) return;
    timer = setTimeout(round, Math.max(0, lastRound + interval - Date.now()));
  }

  function round(): void {
    timer = undefined;
    lastRound = Date.now();
    const polls = [...due];
    due.clear();
    running = publishAll(polls)
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'results updates not published'))
      .finally(() => {
        running = undefined;
        schedule();
      });
  }

  async function publishAll(polls: [string, { oldestVoteAt?: number; traceparent?: string }][]) {
    const results = await readManyResults(
      deps.db,
      polls.map(([pollId]) => pollId),
      deps.region,
    );
    await Promise.all(
      polls.map(([pollId, change]) => {
        const found = results.get(pollId);
        if (!found) return undefined;
        // A span in the trace of the consumer batch that made the change (the live event carries
        // it, so each viewer's push joins that trace, which links to the votes it counted).
        return inSpan(
          'analytics publish results',
          {
            kind: SpanKind.PRODUCER,
            attributes: { 'canvass.service': 'analytics', 'canvass.poll_id': pollId },
            ...(change.traceparent ? { parent: contextFrom(change.traceparent) } : {}),
          },
          () => publish(pollId, found, change.oldestVoteAt),
        ).catch((error: unknown) => deps.logger.warn({ err: error, pollId }, 'results update not published'));
      }),
    );
  }

  async function publish(pollId: string, results: ResultsSnapshot, oldestVoteAt: number | undefined) {
    const { access, body } = results;
    await deps.bus.publish([
      createEvent(ResultsUpdatedV1, {
        source: '/analytics',
        subject: pollId,
        partitionkey: pollId,
        data: {
          pollId,
          sequence: Math.max(1, Number(body.sequence)),
          status: access.status as 'open',
          visibility: access.settings?.resultsVisibility ?? 'live',
          public: resultsArePublic(access),
          results: body,
          ...(oldestVoteAt !== undefined ? { oldestVoteAt: new Date(oldestVoteAt).toISOString() } : {}),
        },
      }),
    ]);
  }

  return {
    touched(changes) {
      if (stopped) return;
      const traceparent = activeTraceparent();
      for (const { pollId, castAt } of changes) {
        let change = due.get(pollId);
        if (!change) {
          change = traceparent ? { traceparent } : {};
          due.set(pollId, change);
        }
        const at = castAt ? Date.parse(castAt) : Number.NaN;
        if (Number.isFinite(at) && !(at >= (change.oldestVoteAt ?? Number.POSITIVE_INFINITY)))
          change.oldestVoteAt = at;
      }
      schedule();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
