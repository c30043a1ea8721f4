// Results across regions (docs/regions.md). Every region counts the votes cast in it, and keeps,
// per poll and key, what its ballots ever added and what withdrawals ever took away: two sums that
// only grow. It sends them to its peers (whole, not as changes) and keeps each peer's largest, so a
// snapshot that arrives twice, late or out of order counts nothing twice, and once every region
// has heard every other's newest snapshot, all show the same totals.
import { type CloudEvent, RegionCountersV1 } from '@canvass/contracts';
import { type ConsumerSpec, createEvent, type EventBus } from '@canvass/eventing';
import type { Logger, RegionConfig } from '@canvass/service-kit';
import { type Kysely, sql } from 'kysely';
import type { Static } from 'typebox';
import type { ResultsPublisher } from '../results/publisher.ts';
import type { AnalyticsTables } from '../tables.ts';

type Counters = CloudEvent<Static<(typeof RegionCountersV1)['data']>>;

export const REGION_COUNTERS_CONSUMER = 'analytics-region-counters';

/** How often polls whose counters changed are sent to the peers: changes in between coalesce. */
const SEND_EVERY_MS = 250;
const SEND_BATCH = 200;

/** Keeps the largest counters each peer region has sent, and refreshes live results with them. */
export function regionCountersConsumer(region: RegionConfig, publisher: ResultsPublisher): ConsumerSpec {
  return {
    name: REGION_COUNTERS_CONSUMER,
    types: [RegionCountersV1.type],
    maxBatch: 500,
    handle: async (trx, events) => {
      const rows = (events as Counters[])
        .filter((event) => event.data.region !== region.name)
        .flatMap(({ data }) =>
          Object.entries(data.counters).map(([key, value]) => ({
            poll_id: data.pollId,
            region: data.region,
            key,
            casts: value.cast,
            retractions: value.retracted,
          })),
        );
      // One row per key in a statement (several snapshots of one poll may share a batch).
      const largest = new Map<string, (typeof rows)[number]>();
      for (const row of rows) {
        const id = `${row.poll_id}\u0000${row.region}\u0000${row.key}`;
        const seen = largest.get(id);
        largest.set(
          id,
          seen
            ? {
                ...row,
                casts: Math.max(seen.casts, row.casts),
                retractions: Math.max(seen.retractions, row.retractions),
              }
            : row,
        );
      }
      if (largest.size === 0) return;
      await (trx as Kysely<AnalyticsTables>)
        .insertInto('region_counters')
        .values([...largest.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, row]) => row))
        .onConflict((oc) =>
          oc.columns(['poll_id', 'region', 'key']).doUpdateSet({
            casts: sql`greatest(region_counters.casts, excluded.casts)`,
            retractions: sql`greatest(region_counters.retractions, excluded.retractions)`,
          }),
        )
        .execute();
    },
    committed: (events) =>
      publisher.touched(
        (events as Counters[])
          .filter((event) => event.data.region !== region.name)
          .map((event) => ({ pollId: event.data.pollId })),
      ),
  };
}

/**
 * Sends this region's counters of every poll they changed in (region_pending, written with the
 * tallies) to the peers, a few times a second. A pending row is removed only if no change came
 * after the read, so nothing is left unsent; a crash re-sends, which the peers' maximum absorbs.
 */
export function createRegionSender(deps: {
  db: Kysely<AnalyticsTables>;
  bus: EventBus;
  region: RegionConfig;
  logger: Logger;
  everyMs?: number;
}) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  async function sendPending(): Promise<number> {
    const pending = await deps.db
      .selectFrom('region_pending')
      .select(['poll_id', 'change'])
      .orderBy('poll_id')
      .limit(SEND_BATCH)
      .execute();
    if (pending.length === 0) return 0;
    const rows = await deps.db
      .selectFrom('region_counters')
      .select(['poll_id', 'key', 'casts', 'retractions'])
      .where('region', '=', deps.region.name)
      .where(
        'poll_id',
        'in',
        pending.map((row) => row.poll_id),
      )
      .execute();
    const byPoll = new Map<string, Record<string, { cast: number; retracted: number }>>();
    for (const row of rows) {
      const counters = byPoll.get(row.poll_id) ?? {};
      counters[row.key] = { cast: Number(row.casts), retracted: Number(row.retractions) };
      byPoll.set(row.poll_id, counters);
    }
    await deps.bus.publish(
      [...byPoll].map(([pollId, counters]) =>
        createEvent(RegionCountersV1, {
          source: '/analytics',
          subject: pollId,
          partitionkey: deps.region.name,
          data: { region: deps.region.name, pollId, counters },
        }),
      ),
    );
    // One statement for the round: a row whose change moved on since the read stays for the next.
    const sent = sql.join(pending.map((row) => sql`(${row.poll_id}, ${row.change}::int)`));
    await sql`delete from region_pending p using (values ${sent}) as s(poll_id, change)
      where p.poll_id = s.poll_id and p.change = s.change`.execute(deps.db);
    return pending.length;
  }

  async function round(): Promise<void> {
    try {
      while ((await sendPending()) === SEND_BATCH) {}
    } catch (error) {
      deps.logger.warn({ err: error }, 'region counters not sent; retrying');
    }
  }

  return {
    sendPending,
    start() {
      timer ??= setInterval(() => {
        running = running.then(round);
      }, deps.everyMs ?? SEND_EVERY_MS);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
