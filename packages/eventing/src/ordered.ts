// Applying keyed streams in order, exactly once. An event that carries `streamversion` is the
// n-th event of its partition key's stream (a poll's). A consumer keeps, per key, the version it
// has applied (`stream_positions`, in the same transaction as its changes): an event at or below
// it is a duplicate and changes nothing; the next one is applied; one further ahead waits in
// `parked_events` until the gap fills. So a projection sees each key's events once and in order,
// whatever order and how often the broker hands them over (redeliveries, restarts, replays, two
// processes on one partition: the position rows are locked for the transaction).
import type { CloudEvent } from '@canvass/contracts';
import type { AnyTables } from '@canvass/database';
import { type Kysely, sql } from 'kysely';

export function isSequenced(
  event: CloudEvent,
): event is CloudEvent & { partitionkey: string; streamversion: number } {
  return typeof event.streamversion === 'number' && typeof event.partitionkey === 'string';
}

export interface StreamPlan {
  /** To apply now, each key's in version order. */
  apply: CloudEvent[];
  /** Ahead of a gap: keep until the gap fills. */
  park: CloudEvent[];
  /** Parked events no longer parked (applied now, or found to be duplicates). */
  unpark: { stream: string; version: number }[];
  /** Each touched key's applied version and parked count afterwards. */
  positions: Map<string, { version: number; parked: number }>;
}

/**
 * Pure: given each key's applied version and the events at hand (new ones and parked ones), what
 * to apply, park and drop. Duplicates (at or below the applied version, or twice at hand) drop.
 */
export function planStreams(
  applied: ReadonlyMap<string, number>,
  fresh: readonly CloudEvent[],
  parked: readonly CloudEvent[] = [],
): StreamPlan {
  const byStream = new Map<string, Map<number, { event: CloudEvent; wasParked: boolean }>>();
  const add = (event: CloudEvent, wasParked: boolean) => {
    if (!isSequenced(event)) return;
    const versions = byStream.get(event.partitionkey) ?? new Map();
    byStream.set(event.partitionkey, versions);
    const known = versions.get(event.streamversion);
    if (!known || (wasParked && !known.wasParked)) versions.set(event.streamversion, { event, wasParked });
  };
  for (const event of parked) add(event, true);
  for (const event of fresh) add(event, false);
  const plan: StreamPlan = { apply: [], park: [], unpark: [], positions: new Map() };
  for (const [stream, versions] of byStream) {
    let version = applied.get(stream) ?? 0;
    let parkedCount = 0;
    for (const v of [...versions.keys()].sort((a, b) => a - b)) {
      const { event, wasParked } = versions.get(v)!;
      if (v <= version) {
        if (wasParked) plan.unpark.push({ stream, version: v });
      } else if (v === version + 1) {
        plan.apply.push(event);
        version = v;
        if (wasParked) plan.unpark.push({ stream, version: v });
      } else {
        parkedCount++;
        if (!wasParked) plan.park.push(event);
      }
    }
    plan.positions.set(stream, { version, parked: parkedCount });
  }
  return plan;
}

/**
 * Applies sequenced events in the caller's transaction: locks the keys' positions, plans, hands
 * what is due to `handle`, stores positions and parked events. Returns the events applied.
 * `streams` adds keys to look at with no new event (to apply what waits after a skipped version).
 */
export async function applyInOrder(
  trx: Kysely<AnyTables>,
  consumer: string,
  events: readonly CloudEvent[],
  handle: (events: readonly CloudEvent[]) => Promise<void>,
  streams: readonly string[] = [],
): Promise<CloudEvent[]> {
  const keys = [
    ...new Set([...events.filter(isSequenced).map((event) => event.partitionkey), ...streams]),
  ].sort();
  if (keys.length === 0) return [];
  // An upsert that changes nothing still locks each row and returns it: one round trip.
  // Every statement of a batch here is of fixed text (keys go in as arrays), so it runs prepared.
  const locked = await sql<{ stream: string; version: number; parked: number }>`/* prepared */
    insert into stream_positions (consumer, stream)
      select ${consumer}, unnest(${keys}::text[])
    on conflict (consumer, stream) do update set version = stream_positions.version
    returning stream, version, parked`.execute(trx);
  const applied = new Map(locked.rows.map((row) => [row.stream, Number(row.version)]));
  const withParked = locked.rows.filter((row) => row.parked > 0).map((row) => row.stream);
  const parked = withParked.length
    ? (
        await sql<{ payload: CloudEvent }>`/* prepared */ select payload from parked_events
          where consumer = ${consumer} and stream = any(${withParked}::text[]) order by stream, version`.execute(
          trx,
        )
      ).rows.map((row) => row.payload)
    : [];
  const plan = planStreams(applied, events, parked);
  if (plan.apply.length > 0) await handle(plan.apply);
  const changed = [...plan.positions].filter(([stream, position]) => {
    const before = locked.rows.find((row) => row.stream === stream);
    return !before || Number(before.version) !== position.version || before.parked !== position.parked;
  });
  if (changed.length > 0) {
    await sql`/* prepared */ update stream_positions as s set version = v.version, parked = v.parked
      from unnest(${changed.map(([stream]) => stream)}::text[], ${changed.map(([, p]) => p.version)}::bigint[],
        ${changed.map(([, p]) => p.parked)}::int[]) as v(stream, version, parked)
      where s.consumer = ${consumer} and s.stream = v.stream`.execute(trx);
  }
  if (plan.unpark.length > 0) {
    await sql`/* prepared */ delete from parked_events as e
      using unnest(${plan.unpark.map((p) => p.stream)}::text[], ${plan.unpark.map((p) => p.version)}::bigint[])
        as v(stream, version)
      where e.consumer = ${consumer} and e.stream = v.stream and e.version = v.version`.execute(trx);
  }
  if (plan.park.length > 0) {
    await trx
      .insertInto('parked_events')
      .values(
        plan.park.map((event) => ({
          consumer,
          stream: event.partitionkey!,
          version: event.streamversion!,
          payload: JSON.stringify(event),
        })),
      )
      .onConflict((oc) => oc.columns(['consumer', 'stream', 'version']).doNothing())
      .execute();
  }
  return plan.apply;
}

/**
 * Moves a key past a version that will never apply (it was dead-lettered), if that version is the
 * next one; what waited behind it is applied by the next `applyInOrder` of that key.
 */
export async function skipVersion(
  trx: Kysely<AnyTables>,
  consumer: string,
  event: CloudEvent,
): Promise<void> {
  if (!isSequenced(event)) return;
  await sql`update stream_positions set version = ${event.streamversion}
    where consumer = ${consumer} and stream = ${event.partitionkey} and version = ${event.streamversion - 1}`.execute(
    trx,
  );
}
