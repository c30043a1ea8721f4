// Live results updates: after a batch commits, each poll it touched gets a fresh snapshot
// published as analytics.results.updated.v1, at most one per poll per interval (about 10 a
// second): changes in between are coalesced into the next snapshot. Published on the bus directly,
// not through the outbox: a snapshot supersedes every earlier one and live clients fetch one when
// they (re)connect, so losing one in a crash costs nothing the next change does not repair.
import { ResultsUpdatedV1 } from '@canvass/contracts';
import { createEvent, type EventBus } from '@canvass/eventing';
import type { Logger } from '@canvass/service-kit';
import { inSpan, SpanKind } from '@canvass/telemetry';
import type { Kysely } from 'kysely';
import type { AnalyticsTables } from '../tables.ts';
import { resultsArePublic } from './access.ts';
import { readResults } from './view.ts';

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
  const lastPublished = new Map<string, number>();
  const timers = new Map<string, NodeJS.Timeout>();
  /** Per poll, the earliest vote counted since its last snapshot (realtime measures vote → screen). */
  const oldestVote = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  let stopped = false;

  /**
   * A span in the trace of the consumer batch that made the change (the live event carries it,
   * so each viewer's push joins that trace, which links to the votes it counted).
   */
  function publish(pollId: string): Promise<void> {
    return inSpan(
      'analytics publish results',
      { kind: SpanKind.PRODUCER, attributes: { 'canvass.service': 'analytics', 'canvass.poll_id': pollId } },
      () => publishNow(pollId),
    );
  }

  async function publishNow(pollId: string): Promise<void> {
    lastPublished.set(pollId, Date.now());
    const oldestVoteAt = oldestVote.get(pollId);
    oldestVote.delete(pollId);
    const results = await readResults(deps.db, pollId, deps.region);
    if (!results) return;
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

  function run(pollId: string) {
    timers.delete(pollId);
    const task = publish(pollId)
      .catch((error: unknown) => deps.logger.warn({ err: error, pollId }, 'results update not published'))
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  }

  return {
    touched(changes) {
      if (stopped) return;
      const now = Date.now();
      const pollIds = new Set<string>();
      for (const { pollId, castAt } of changes) {
        pollIds.add(pollId);
        const at = castAt ? Date.parse(castAt) : Number.NaN;
        if (Number.isFinite(at) && !(at >= (oldestVote.get(pollId) ?? Number.POSITIVE_INFINITY)))
          oldestVote.set(pollId, at);
      }
      for (const pollId of pollIds) {
        if (timers.has(pollId)) continue; // already due: that snapshot will include this change
        const wait = (lastPublished.get(pollId) ?? 0) + interval - now;
        if (wait <= 0) run(pollId);
        else
          timers.set(
            pollId,
            setTimeout(() => run(pollId), wait),
          );
      }
      // Forget polls idle for a minute, so the map does not grow with every poll ever seen.
      if (lastPublished.size > 10_000) {
        for (const [pollId, at] of lastPublished) if (now - at > 60_000) lastPublished.delete(pollId);
        for (const pollId of oldestVote.keys()) if (!timers.has(pollId)) oldestVote.delete(pollId);
      }
    },
    async stop() {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await Promise.all(inFlight);
    },
  };
}
