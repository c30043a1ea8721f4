// The relay: publishes an ordered log (log.ts) partition by partition, in sequence order, from a
// checkpoint per partition in `relay_checkpoints`. No row is written or updated per event: one
// checkpoint update per published batch. Woken by the NOTIFY appends raise, swept every second so
// nothing is stranded after a crash or a lost notification.
//
// Order: a partition's batch is published, and only then its checkpoint moves; a failed publish
// leaves the checkpoint where it was and holds that partition back (with backoff) while the other
// partitions go on, so no later event of a partition passes an earlier one. Ownership: a relay
// takes a lease on the partitions it publishes (owner + lease_until), renews it with every
// checkpoint, and moves a checkpoint only while it is still the owner; so two relay processes
// never interleave one partition, and a relay that died hands its partitions over after the lease
// (one that stops cleanly hands them over at once). A batch published twice after a takeover is
// dropped by the broker's de-duplication (event id) and by consumers (stream versions, inbox).
import { hostname } from 'node:os';
import type { Database } from '@canvass/database';
import { sql } from 'kysely';
import type { EventBus } from './bus.ts';
import { type EventLog, logChannel } from './log.ts';

export interface RelayLogger {
  warn(object: object, message: string): void;
}

export interface RelayOptions {
  db: Database;
  bus: EventBus;
  log: EventLog;
  logger: RelayLogger;
  batchSize?: number;
  sweepIntervalMs?: number;
  leaseMs?: number;
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
  // Under load the relay is bound by round trips (read, publish and await acks, checkpoint), so
  // big batches pay (docs/performance.md).
  const batchSize = options.batchSize ?? 2_000;
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

  /** Takes (or renews) the lease on every partition that is free or already ours. */
  async function claim(): Promise<Map<number, number>> {
    const result = await sql<{ partition: number; published_seq: number }>`
      update relay_checkpoints set owner = ${owner}, lease_until = now() + ${lease}::interval
      where log = ${log.name} and (owner = ${owner} or owner is null or lease_until < now())
      returning partition, published_seq`.execute(db.kysely);
    return new Map(result.rows.map((row) => [row.partition, Number(row.published_seq)]));
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

  async function drainPartition(partition: number, from: number): Promise<void> {
    let published = from;
    for (;;) {
      if ((retryAt.get(partition) ?? 0) > Date.now()) return;
      const entries = await log.read(db.kysely, partition, published, batchSize);
      if (entries.length === 0) return;
      try {
        await bus.publish(entries.map((entry) => entry.event));
      } catch (error) {
        await failed(partition, error);
        return;
      }
      retryAt.delete(partition);
      options.afterPublish?.();
      const last = entries.at(-1)!.seq;
      const moved = await sql`
        update relay_checkpoints set published_seq = ${last}, attempts = 0, last_error = null,
          failing_since = null, lease_until = now() + ${lease}::interval
        where log = ${log.name} and partition = ${partition} and owner = ${owner}`.execute(db.kysely);
      // Another relay took the partition over (our lease ran out): it goes on from its checkpoint.
      if (Number(moved.numAffectedRows ?? 0) === 0) return;
      published = last;
      if (entries.length < batchSize) return;
    }
  }

  async function drain(): Promise<void> {
    do {
      again = false;
      try {
        const owned = await claim();
        await Promise.all([...owned].map(([partition, from]) => drainPartition(partition, from)));
        if (log.prune && Date.now() - lastPrune > 60_000) {
          lastPrune = Date.now();
          await log.prune(db.kysely);
        }
      } catch (error) {
        logger.warn({ err: error, log: log.name }, 'relay could not read its log; will retry');
        return;
      }
    } while (again && !stopped);
  }

  function run(): Promise<void> {
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
      timer ??= setInterval(() => void run(), options.sweepIntervalMs ?? 1_000);
      timer.unref();
      db.listen(logChannel(db.schema), () => void run()).then(
        (stop) => {
          unlisten = stop;
        },
        (error: unknown) => logger.warn({ err: error }, 'cannot listen for log notifications; sweeping only'),
      );
      void run();
    },
    flush: run,
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await unlisten?.();
      unlisten = undefined;
      await run();
      while (running) await running;
      stopped = true;
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
      for (const p of partitions) {
        if (p.pending === 0) continue;
        const [first] = await log.read(db.kysely, p.partition, p.published, 1);
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
