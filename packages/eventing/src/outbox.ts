// Transactional outbox. `append` writes events in the caller's transaction, so a state change and
// its events commit or roll back together. The relay publishes pending rows in order, in batches,
// woken by the NOTIFY that `append` raises (delivered at commit) and swept periodically so nothing
// is stranded after a crash or a lost notification. Rows are leased
// while being published so that replicas relaying the same outbox do not publish the same batch at
// once; the bus de-duplicates by event id if a lease runs out mid-publish.
import type { CloudEvent } from '@canvass/contracts';
import type { AnyTables, Database } from '@canvass/database';
import { type Kysely, sql } from 'kysely';
import type { EventBus } from './bus.ts';
import { validateEvent } from './events.ts';

export interface RelayLogger {
  warn(object: object, message: string): void;
}

export interface OutboxOptions {
  db: Database;
  bus: EventBus;
  logger: RelayLogger;
  batchSize?: number;
  sweepIntervalMs?: number;
  leaseMs?: number;
  /** Sent rows are deleted after this long (default one day); the poll streams keep history. */
  retainSentMs?: number;
  /** Rows relayed between the relay's own vacuums of the outbox (default 20,000). */
  vacuumEveryRows?: number;
  /** Fault injection for chaos tests: runs after a batch is published, before it is marked sent. */
  afterPublish?: () => void;
}

export interface OutboxStatus {
  pending: number;
  oldestPendingAgeSeconds: number;
  failing: number;
  lastError: string | null;
  sent: number;
}

export interface Outbox {
  /** Validates the events against their contracts and writes them in the caller's transaction. */
  append(trx: Kysely<AnyTables>, events: readonly CloudEvent[]): Promise<void>;
  start(): void;
  /** Publishes everything pending now; resolves when the outbox is empty or the bus refuses. */
  flush(): Promise<void>;
  /** Stops the sweep, then flushes what is pending. */
  stop(): Promise<void>;
  status(): Promise<OutboxStatus>;
}

interface ClaimedRow {
  seq: number;
  event: CloudEvent;
}

export function createOutbox(options: OutboxOptions): Outbox {
  const { db, bus, logger } = options;
  // Under load the relay is bound by round trips (claim, publish and await acks, mark sent), so
  // big batches pay: 2000 relayed 1.5x what 500 did in `npm run bench` (docs/performance.md).
  const batchSize = options.batchSize ?? 2_000;
  // Long enough for a batch to publish, short enough that a relay that crashed holding a lease
  // delays its rows only briefly (another relay, or its own restart, takes them after this).
  const leaseMs = options.leaseMs ?? 5_000;
  const channel = `canvass_outbox_${db.schema}`;
  let timer: NodeJS.Timeout | undefined;
  let unlisten: (() => Promise<void>) | undefined;
  let lastPrune = 0;
  let running: Promise<void> | undefined;
  let again = false;
  // Every relayed row is updated once (pending → sent), leaving a dead entry in the pending index
  // until a vacuum; without one (autovacuum off, or behind) the claim scans them all: 100 ms per
  // claim at 170k dead entries, measured. So the relay vacuums its own outbox after heavy use.
  let sentSinceVacuum = 0;
  let vacuuming: Promise<void> | undefined;
  const vacuumEvery = options.vacuumEveryRows ?? 20_000;

  async function claim(): Promise<ClaimedRow[]> {
    const result = await sql<ClaimedRow>`
      update outbox set lease_until = now() + ${`${leaseMs} milliseconds`}::interval
      where seq in (
        select seq from outbox
        where state = 'pending' and (lease_until is null or lease_until < now())
        order by seq limit ${batchSize}
        for update skip locked)
      returning seq, event`.execute(db.kysely);
    return result.rows.sort((a, b) => a.seq - b.seq);
  }

  async function publishBatch(): Promise<boolean> {
    const rows = await claim();
    if (rows.length === 0) return false;
    const seqs = rows.map((row) => row.seq);
    try {
      await bus.publish(rows.map((row) => row.event));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Back off: the rows stay leased for a while, then the sweep tries again.
      await sql`update outbox set attempts = attempts + 1, last_error = ${message},
        lease_until = now() + ${`${Math.min(leaseMs, 1_000)} milliseconds`}::interval
        where seq = any(${seqs})`.execute(db.kysely);
      logger.warn({ err: error, rows: rows.length }, 'outbox publish failed; will retry');
      return false;
    }
    options.afterPublish?.();
    await sql`update outbox set state = 'sent', sent_at = now(), lease_until = null,
      attempts = attempts + 1, last_error = null where seq = any(${seqs})`.execute(db.kysely);
    sentSinceVacuum += rows.length;
    if (sentSinceVacuum >= vacuumEvery && !vacuuming) {
      sentSinceVacuum = 0;
      // In the background: VACUUM takes no lock that blocks appends, claims or updates.
      vacuuming = sql`vacuum outbox`
        .execute(db.kysely)
        .then(
          () => undefined,
          (error: unknown) => logger.warn({ err: error }, 'outbox vacuum failed'),
        )
        .finally(() => {
          vacuuming = undefined;
        });
    }
    return rows.length === batchSize;
  }

  async function prune(): Promise<void> {
    if (Date.now() - lastPrune < 60_000) return;
    lastPrune = Date.now();
    const retain = `${options.retainSentMs ?? 86_400_000} milliseconds`;
    await sql`delete from outbox where state = 'sent' and sent_at < now() - ${retain}::interval`.execute(
      db.kysely,
    );
  }

  async function drain(): Promise<void> {
    do {
      again = false;
      try {
        while (await publishBatch()) {}
        await prune();
      } catch (error) {
        logger.warn({ err: error }, 'outbox relay could not read the outbox; will retry');
        return;
      }
    } while (again);
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
    async append(trx, events) {
      if (events.length === 0) return;
      const rows = events.map((event) => ({
        id: event.id,
        type: event.type,
        event: JSON.stringify(validateEvent(event)),
      }));
      await trx.insertInto('outbox').values(rows).execute();
      await sql`select pg_notify(${channel}, '')`.execute(trx);
    },
    start() {
      timer ??= setInterval(() => void run(), options.sweepIntervalMs ?? 1_000);
      timer.unref();
      db.listen(channel, () => void run()).then(
        (stop) => {
          unlisten = stop;
        },
        (error: unknown) =>
          logger.warn({ err: error }, 'cannot listen for outbox notifications; sweeping only'),
      );
      void run();
    },
    flush: run,
    async status() {
      const result = await sql<OutboxStatus>`
        select count(*) filter (where state = 'pending')::int as pending,
          coalesce(extract(epoch from now() - min(created_at) filter (where state = 'pending')), 0)::float8
            as "oldestPendingAgeSeconds",
          count(*) filter (where state = 'pending' and last_error is not null)::int as failing,
          (select last_error from outbox where state = 'pending' and last_error is not null order by seq limit 1)
            as "lastError",
          count(*) filter (where state = 'sent')::int as sent
        from outbox`.execute(db.kysely);
      return result.rows[0]!;
    },
    async stop() {
      await vacuuming;
      if (timer) clearInterval(timer);
      timer = undefined;
      await unlisten?.();
      unlisten = undefined;
      await run();
      if (running) await running;
    },
  };
}
