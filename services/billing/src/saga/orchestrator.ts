// The saga orchestrator. Sagas live in billing's own tables (`sagas`, `saga_steps`); a loop claims
// the ones that are due (a lease, so replicas never run one saga at once, and a crashed process's
// saga is picked up when its lease ends), runs one step, and commits in ONE transaction: the
// saga's next state, the step's record, the step's own writes and its events (the outbox). A crash
// anywhere repeats at most the step it was in, whose provider calls carry the same idempotency key.
import type { Database } from '@canvass/database';
import type { Outbox } from '@canvass/eventing';
import type { Logger } from '@canvass/service-kit';
import { type Kysely, sql } from 'kysely';
import { PaymentRejected } from '../payments/port.ts';
import type { BillingTables } from '../tables.ts';
import { type Saga, type SagaSettings, StepFailed, stepOf, type Transition } from './steps.ts';

export interface OrchestratorOptions extends SagaSettings {
  db: Database;
  outbox: Outbox;
  logger: Logger;
  /** How often it looks for due sagas, besides being woken (default 1 s). */
  intervalMs?: number;
  /** A claimed saga is its process's for this long (default 30 s); then another may take it. */
  leaseMs?: number;
  /** First wait after a passing failure; it doubles, with jitter, up to `retryMaxMs`. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Scales every step's deadline (tests shorten them). */
  deadlineScale?: number;
  /**
   * Fault tests only: called before a step runs; throwing fails the step (a StepFailed for good,
   * anything else passing). Also `CANVASS_CHAOS` entries `billing-step:<state>:once|always` (main.ts).
   */
  beforeStep?: (saga: Saga) => void | Promise<void>;
  /** Fault tests only: called after a step's work, before it is recorded (a crash here repeats the step). */
  afterStep?: (saga: Saga) => void;
  /** Told of every step taken (metrics). */
  onStep?: (saga: Saga, outcome: string, ms: number) => void;
}

export interface Orchestrator {
  wake(): void;
  start(): void;
  stop(): Promise<void>;
  /** Runs what is due now, once (tests and the bench). */
  runDue(): Promise<number>;
}

const CLAIM = 16;

export function createOrchestrator(options: OrchestratorOptions): Orchestrator {
  const db = options.db.kysely as Kysely<BillingTables>;
  const leaseMs = options.leaseMs ?? 30_000;
  const retryBaseMs = options.retryBaseMs ?? 1000;
  const retryMaxMs = options.retryMaxMs ?? 10 * 60_000;
  const deadlineScale = options.deadlineScale ?? 1;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let again = false;
  let stopped = true;

  async function claim(): Promise<Saga[]> {
    const until = new Date(Date.now() + leaseMs);
    return db
      .updateTable('sagas')
      .set({ lease_until: until })
      .where(
        'id',
        'in',
        db
          .selectFrom('sagas')
          .select('id')
          .where('outcome', 'is', null)
          .where('next_run_at', '<=', sql<Date>`now()`)
          .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', sql<Date>`now()`)]))
          .orderBy('next_run_at')
          .limit(CLAIM)
          .forUpdate()
          .skipLocked(),
      )
      .returningAll()
      .execute();
  }

  async function decide(
    saga: Saga,
  ): Promise<{ transition: Transition; outcome: string } | { retryInMs: number; error: string }> {
    const step = stepOf(saga.state);
    try {
      await options.beforeStep?.(saga);
      const transition = await step.run(saga, db, options);
      return { transition, outcome: 'ok' };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const forGood = error instanceof StepFailed || error instanceof PaymentRejected;
      const late =
        step.deadlineMs !== undefined &&
        Date.now() - saga.step_started_at.getTime() > step.deadlineMs * deadlineScale;
      if ((forGood || late) && step.onFailure) {
        return { transition: step.onFailure(saga, reason), outcome: forGood ? 'failed' : 'timed out' };
      }
      // A passing failure, or a step that only goes forward (after the charge): try again later.
      const wait = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(Number(saga.attempts), 20));
      return { retryInMs: Math.round(wait / 2 + Math.random() * (wait / 2)), error: reason };
    }
  }

  async function advance(saga: Saga): Promise<void> {
    const started = performance.now();
    const decided = await decide(saga);
    options.afterStep?.(saga);
    const ms = Math.round(performance.now() - started);
    await db.transaction().execute(async (trx) => {
      // Still ours and still where we found it: a saga another process took over is left alone.
      const current = await trx
        .selectFrom('sagas')
        .select(['state', 'lease_until'])
        .where('id', '=', saga.id)
        .forUpdate()
        .executeTakeFirst();
      if (
        !current ||
        current.state !== saga.state ||
        current.lease_until?.getTime() !== saga.lease_until?.getTime()
      )
        return;
      const seq = await trx
        .selectFrom('saga_steps')
        .select(sql<number>`coalesce(max(seq), 0) + 1`.as('next'))
        .where('saga_id', '=', saga.id)
        .executeTakeFirstOrThrow();
      const at = new Date();
      if ('retryInMs' in decided) {
        await trx
          .updateTable('sagas')
          .set({
            attempts: Number(saga.attempts) + 1,
            next_run_at: new Date(at.getTime() + decided.retryInMs),
            lease_until: null,
            error: decided.error.slice(0, 500),
            updated_at: at,
          })
          .where('id', '=', saga.id)
          .execute();
        await trx
          .insertInto('saga_steps')
          .values({
            saga_id: saga.id,
            seq: Number(seq.next),
            step: saga.state,
            outcome: 'retry',
            detail: decided.error.slice(0, 500),
            duration_ms: ms,
            at,
          })
          .execute();
        options.onStep?.(saga, 'retry', ms);
        return;
      }
      const { transition, outcome } = decided;
      const events = (await transition.write?.(trx, at)) ?? [];
      const ends = typeof transition.next === 'object' ? transition.next.end : null;
      await trx
        .updateTable('sagas')
        .set({
          ...transition.patch,
          state: ends ? saga.state : (transition.next as string),
          outcome: ends,
          attempts: 0,
          step_started_at: at,
          next_run_at: new Date(at.getTime() + (transition.waitMs ?? 0)),
          lease_until: null,
          updated_at: at,
        })
        .where('id', '=', saga.id)
        .execute();
      await trx
        .insertInto('saga_steps')
        .values({
          saga_id: saga.id,
          seq: Number(seq.next),
          step: saga.state,
          outcome,
          detail: transition.detail.slice(0, 500),
          duration_ms: ms,
          at,
        })
        .execute();
      await options.outbox.append(trx, events);
      options.onStep?.(saga, outcome, ms);
    });
  }

  async function runDue(): Promise<number> {
    let total = 0;
    for (;;) {
      const due = await claim();
      total += due.length;
      await Promise.all(
        due.map((saga) =>
          advance(saga).catch((error) =>
            options.logger.error(
              { err: error, sagaId: saga.id },
              'a saga step could not be recorded; it runs again',
            ),
          ),
        ),
      );
      if (due.length < CLAIM || stopped) return total;
    }
  }

  function wake() {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        // A step that moved a saga on makes the next one due at once: keep going while they do.
        while ((await runDue()) > 0 && !stopped) {}
      } while (again && !stopped);
    })()
      .catch((error) => options.logger.error({ err: error }, 'the saga orchestrator could not claim work'))
      .finally(() => {
        running = undefined;
      });
  }

  return {
    wake,
    runDue,
    start() {
      stopped = false;
      timer = setInterval(wake, options.intervalMs ?? 1000);
      timer.unref();
      wake();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
