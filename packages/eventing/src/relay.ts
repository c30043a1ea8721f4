// The relay: publishes an ordered log (log.ts) partition by partition, in sequence order, from a
// checkpoint per partition in `relay_checkpoints`. No row is written or updated per event: one
// checkpoint update per published batch. Woken by the NOTIFY appends raise, swept every second so
// nothing is stranded after a crash or a lost notification. Under load, rounds begin at least
// `gatherMs` apart, so each publishes longer runs.
//
// Order: a partition's batch is published, and only then its checkpoint moves; a failed publish
// leaves the checkpoint where it was and holds that partition back (with backoff) while the other
// partitions go on, so no later event of a partition passes an earlier one. Ownership: a relay
// takes a lease on the partitions it publishes (owner + lease_until), renews it with every
// checkpoint, and moves a checkpoint only while it is still the owner; so two relay processes
// never interleave one partition, and a relay that died hands its partitions over after the lease
// (one that stops cleanly hands them over at once). A batch published twice after a takeover is
// dropped by the broker's de-duplication when it is read the same (a run's first and last event
// id), and otherwise by consumers (stream versions, inbox).
import { hostname } from 'node:os';
import type { Database } from '@canvass/database';
import { inSpan, linksTo, SpanKind } from '@canvass/telemetry';
import { sql } from 'kysely';
import type { EventBus } from './bus.ts';
import { type EventLog, type LogEntry, logChannel } from './log.ts';

export interface RelayLogger {
  warn(object: object, message: string): void;
}

export interface RelayOptions {
  db: Database;
  bus: EventBus;
  log: EventLog;
  logger: RelayLogger;
  batchSize?: number;
  /**
   * A busy relay's rounds begin at least this far apart (default 20 ms): what commits meanwhile
   * goes in the next round, in longer runs (fewer messages for the broker and every consumer).
   * A relay that published nothing for this long publishes at once.
   */
  gatherMs?: number;
  sweepIntervalMs?: number;
  leaseMs?: number;
  /** The service its spans are named for (default: the log's name). */
  service?: string;
  /** Fault injection for chaos tests: runs after a batch is published, before its checkpoint moves. */
  afterPublish?: () => void;
}

export interface PartitionStatus {
  partition: number;
  head: number;
  published: number;
  pending: number;
  owner: string | null;
  attempts: number;
  lastError: string | null;
}

export interface RelayStatus {
  log: string;
  pending: number;
  oldestPendingAgeSeconds: number;
  failing: number;
  lastError: string | null;
  partitions: PartitionStatus[];
}

export interface Relay {
  start(): void;
  /** Publishes what is pending now; resolves when every owned partition is drained or held back. */
  flush(): Promise<void>;
  /** Stops the sweep, flushes, and hands the partitions over. */
  stop(): Promise<void>;
  status(): Promise<RelayStatus>;
}

export function createRelay(options: RelayOptions): Relay {
  const { db, bus, log, logger } = options;
  const relayService = options.service ?? log.name;
  // Under load the relay is bound by round trips (read, publish and await acks, checkpoint), so
  // big batches pay (docs/performance.md).
  const batchSize = options.batchSize ?? 2_000;
  const gatherMs = options.gatherMs ?? 20;
  /** When the last round that published something began (monotonic clock). */
  let publishedAt = Number.NEGATIVE_INFINITY;
  /** Set by stop(): its last drain does not wait to gather. */
  let stopping = false;
  const leaseMs = options.leaseMs ?? 5_000;
  const lease = `${leaseMs} milliseconds`;
  const owner = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  const retryAt = new Map<number, number>();
  let timer: NodeJS.Timeout | undefined;
  let unlisten: (() => Promise<void>) | undefined;
  let lastPrune = 0;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let owned = new Map<number, number>();
  let claimAgainAt = 0;
  /** Partitions that may have events to publish; ALL: every owned one. */
  const ALL = -1;
  const dirty = new Set<number>([ALL]);

  // A checkpoint or lease lost in a database crash costs a republish (de-duplicated), never an
  // event: so these writes do not wait for the WAL flush, which would otherwise cost a disk sync
  // per published batch on top of the producers' own commits (measured: the relay's syncs were
  // most of the WALWrite waits of the vote path).
  const noSync = sql`select set_config('synchronous_commit', 'off', true)`;

  /** Takes (or renews) the lease on every partition that is free or already ours. */
  async function claim(): Promise<void> {
    const result = await sql<{ partition: number; published_seq: number }>`
      with async as (${noSync})
      update relay_checkpoints set owner = ${owner}, lease_until = now() + ${lease}::interval
      from async
      where log = ${log.name} and (owner = ${owner} or owner is null or lease_until < now())
      returning partition, published_seq`.execute(db.kysely);
    owned = new Map(result.rows.map((row) => [row.partition, Number(row.published_seq)]));
    claimAgainAt = Date.now() + Math.min(leaseMs / 3, options.sweepIntervalMs ?? 1_000);
  }

  async function failed(partition: number, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    const result = await sql<{ attempts: number }>`
      update relay_checkpoints set attempts = attempts + 1, last_error = ${message},
        failing_since = coalesce(failing_since, now())
      where log = ${log.name} and partition = ${partition} and owner = ${owner}
      returning attempts`.execute(db.kysely);
    const attempts = result.rows[0]?.attempts ?? 1;
    // Exponential backoff with jitter, up to 5 s; the sweep retries once it has passed.
    const delay = Math.min(5_000, 100 * 2 ** Math.min(attempts, 10)) * (0.5 + Math.random() / 2);
    retryAt.set(partition, Date.now() + delay);
    logger.warn({ err: error, log: log.name, partition, attempts }, 'publish failed; partition held back');
  }

  /**
   * Publishes one batch of a partition (read with the round's others); returns its last sequence,
   * or undefined if it failed.
   */
  async function publishBatch(partition: number, entries: readonly LogEntry[]): Promise<number | undefined> {
    const events = entries.map((entry) => entry.event);
    try {
      // A trace of its own per batch, linked to the spans that wrote its events.
      await inSpan(
        'relay publish',
        {
          root: true,
          kind: SpanKind.PRODUCER,
          links: linksTo(events.map((event) => event.traceparent)),
          attributes: {
            'canvass.service': relayService,
            'messaging.system': 'nats',
            'canvass.log': log.name,
            'canvass.partition': partition,
            'messaging.batch.message_count': events.length,
          },
        },
        () => bus.publish(events),
      );
    } catch (error) {
      await failed(partition, error);
      return undefined;
    }
    retryAt.delete(partition);
    options.afterPublish?.();
    return entries.at(-1)!.seq;
  }

  /**
   * One round: every due partition (not held back) read in one statement, each published in
   * order and in parallel with the others; returns the partitions whose batch was full.
   */
  async function round(due: readonly number[]): Promise<number[]> {
    const startedAt = performance.now();
    const now = Date.now();
    const after = new Map(
      due.filter((p) => (retryAt.get(p) ?? 0) <= now && owned.has(p)).map((p) => [p, owned.get(p)!]),
    );
    const read = await log.read(db.kysely, after, batchSize);
    const moved = new Map<number, number>();
    await Promise.all(
      [...read].map(async ([partition, entries]) => {
        if (entries.length === 0) return;
        const last = await publishBatch(partition, entries);
        if (last !== undefined) moved.set(partition, last);
      }),
    );
    if (moved.size > 0) {
      publishedAt = startedAt;
      await checkpoint(moved);
    }
    return [...read]
      .filter(([p, entries]) => entries.length === batchSize && moved.has(p) && owned.has(p))
      .map(([p]) => p);
  }

  /** Moves the checkpoints of a round in one statement, only where this relay still owns them. */
  async function checkpoint(moved: ReadonlyMap<number, number>): Promise<void> {
    const result = await sql<{ partition: number }>`/* prepared */
      with async as (${noSync})
      update relay_checkpoints as c set published_seq = v.seq, lease_until = now() + ${lease}::interval,
        attempts = 0, last_error = null, failing_since = null
      from unnest(${[...moved.keys()]}::int[], ${[...moved.values()]}::bigint[]) as v(partition, seq), async
      where c.log = ${log.name} and c.partition = v.partition and c.owner = ${owner}
      returning c.partition`.execute(db.kysely);
    const kept = new Set(result.rows.map((row) => row.partition));
    for (const [partition, seq] of moved) {
      // Another relay took the partition over (our lease ran out): it goes on from its checkpoint.
      if (kept.has(partition)) owned.set(partition, seq);
      else owned.delete(partition);
    }
  }

  async function drain(): Promise<void> {
    do {
      again = false;
      const wait = Math.min(gatherMs, publishedAt + gatherMs - performance.now());
      if (wait > 0 && !stopping) await new Promise((resolve) => setTimeout(resolve, wait));
      try {
        if (Date.now() >= claimAgainAt) await claim();
        // Partitions with new events (from NOTIFY payloads; every owned one on a sweep).
        let due = [...owned.keys()].filter((partition) => dirty.has(partition) || dirty.has(ALL));
        dirty.clear();
        while (due.length > 0 && !stopped) due = await round(due);
        if (log.prune && Date.now() - lastPrune > 60_000) {
          lastPrune = Date.now();
          await log.prune(db.kysely);
        }
      } catch (error) {
        logger.warn({ err: error, log: log.name }, 'relay could not read its log; will retry');
        dirty.add(ALL);
        return;
      }
    } while (again && !stopped);
  }

  function run(partitions?: string): Promise<void> {
    if (partitions) for (const p of partitions.split(',')) dirty.add(Number(p));
    else dirty.add(ALL);
    if (running) {
      again = true;
      return running;
    }
    running = drain().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    start() {
      stopped = false;
      stopping = false;
      timer ??= setInterval(() => {
        claimAgainAt = 0;
        void run();
      }, options.sweepIntervalMs ?? 1_000);
      timer.unref();
      // Appends notify the partitions they wrote to ('3,5'), so only those are read.
      db.listen(logChannel(db.schema), (payload) => void run(payload)).then(
        (stop) => {
          unlisten = stop;
        },
        (error: unknown) => logger.warn({ err: error }, 'cannot listen for log notifications; sweeping only'),
      );
      void run();
    },
    flush: () => {
      claimAgainAt = 0;
      return run();
    },
    async stop() {
      stopping = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      await unlisten?.();
      unlisten = undefined;
      claimAgainAt = 0;
      await run();
      while (running) await running;
      stopped = true;
      owned = new Map();
      await sql`update relay_checkpoints set owner = null, lease_until = null
        where log = ${log.name} and owner = ${owner}`
        .execute(db.kysely)
        .catch(() => {});
    },
    async status() {
      const result = await sql<PartitionStatus & { failingSince: Date | null }>`
        select h.partition, h.seq as head, c.published_seq as published, c.owner, c.attempts,
          c.last_error as "lastError", c.failing_since as "failingSince"
        from log_heads h join relay_checkpoints c on c.log = h.log and c.partition = h.partition
        where h.log = ${log.name} order by h.partition`.execute(db.kysely);
      const partitions = result.rows.map((row) => ({
        partition: row.partition,
        head: Number(row.head),
        published: Number(row.published),
        pending: Number(row.head) - Number(row.published),
        owner: row.owner,
        attempts: row.attempts,
        lastError: row.lastError,
      }));
      let oldest = 0;
      const pending = new Map(partitions.filter((p) => p.pending > 0).map((p) => [p.partition, p.published]));
      for (const [first] of (await log.read(db.kysely, pending, 1)).values()) {
        if (first) oldest = Math.max(oldest, (Date.now() - Date.parse(first.event.time)) / 1000);
      }
      const failing = partitions.filter((p) => p.lastError !== null);
      return {
        log: log.name,
        pending: partitions.reduce((sum, p) => sum + p.pending, 0),
        oldestPendingAgeSeconds: Math.max(0, oldest),
        failing: failing.length,
        lastError: failing[0]?.lastError ?? null,
        partitions,
      };
    },
  };
}
