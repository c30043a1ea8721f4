// Operator routes for sagas (`canvass sagas list|show|retry|compensate`), across workspaces,
// behind the operator token under /admin/v1 (the gateway's /admin/v1/billing/…).
import { SagaView } from '@canvass/contracts';
import { HttpProblem, notFound } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import { type Kysely, sql } from 'kysely';
import Type, { type Static } from 'typebox';
import { compensationOf } from '../saga/steps.ts';
import { sagaView } from '../saga/views.ts';
import type { BillingTables } from '../tables.ts';

const Params = Type.Object({ sagaId: Type.String({ minLength: 1, maxLength: 64 }) });
const ListQuery = Type.Object({
  workspace: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  /** The step it is at (or ended at): validate, reserve, charge, void, activate, receipt, refund, release, downgrade. */
  state: Type.Optional(Type.String({ pattern: '^[a-z_]{1,32}$' })),
  outcome: Type.Optional(
    Type.Union([
      Type.Literal('running'),
      Type.Literal('completed'),
      Type.Literal('compensated'),
      Type.Literal('failed'),
    ]),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
});

export function sagaAdminRoutes(app: FastifyInstance, deps: { db: Kysely<BillingTables>; wake(): void }) {
  const { db } = deps;
  const find = async (id: string) => {
    const saga = await db.selectFrom('sagas').selectAll().where('id', '=', id).executeTakeFirst();
    if (!saga) throw notFound('saga', `No saga ${id}.`);
    return saga;
  };

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/admin/v1/sagas',
    { schema: { querystring: ListQuery, response: { 200: Type.Object({ sagas: Type.Array(SagaView) }) } } },
    async (request) => {
      let query = db
        .selectFrom('sagas')
        .selectAll()
        .orderBy('created_at', 'desc')
        .limit(request.query.limit ?? 50);
      if (request.query.workspace) query = query.where('workspace_id', '=', request.query.workspace);
      if (request.query.state) query = query.where('state', '=', request.query.state);
      const outcome = request.query.outcome;
      if (outcome === 'running') query = query.where('outcome', 'is', null);
      else if (outcome) query = query.where('outcome', '=', outcome);
      const rows = await query.execute();
      return { sagas: await Promise.all(rows.map((saga) => sagaView(db, saga))) };
    },
  );

  app.get<{ Params: Static<typeof Params> }>(
    '/admin/v1/sagas/:sagaId',
    { schema: { params: Params, response: { 200: SagaView } } },
    async (request) => sagaView(db, await find(request.params.sagaId)),
  );

  // Run its current step now, with a fresh deadline (after a provider outage, say). Its attempts
  // stay counted: a retried charge still looks for an earlier one first.
  app.post<{ Params: Static<typeof Params> }>(
    '/admin/v1/sagas/:sagaId/retry',
    { schema: { params: Params, response: { 200: SagaView } } },
    async (request) => {
      const saga = await find(request.params.sagaId);
      if (saga.outcome)
        throw new HttpProblem(409, 'saga-ended', 'This saga has ended', `It ${saga.outcome}.`);
      await db
        .updateTable('sagas')
        .set({
          next_run_at: sql`now()`,
          step_started_at: sql`now()`,
          lease_until: null,
          updated_at: new Date(),
        })
        .where('id', '=', saga.id)
        .execute();
      deps.wake();
      return sagaView(db, await find(saga.id));
    },
  );

  // Turn it back: before the charge, release; after it, refund then release.
  app.post<{ Params: Static<typeof Params> }>(
    '/admin/v1/sagas/:sagaId/compensate',
    { schema: { params: Params, response: { 200: SagaView } } },
    async (request) => {
      const saga = await find(request.params.sagaId);
      const to = compensationOf(saga);
      if (!to)
        throw new HttpProblem(
          409,
          'saga-not-compensable',
          'This saga cannot be turned back',
          saga.outcome ? `It ${saga.outcome}.` : 'It is paid and active; only the receipt is left to send.',
        );
      if (to === saga.state)
        throw new HttpProblem(
          409,
          'saga-compensating',
          'This saga is already being turned back',
          `It is at ${saga.state}; retry runs that step now.`,
        );
      const moved = await db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('sagas')
          .set({
            state: to,
            // What the owners are told (billing.payment.failed.v1): not an internal error.
            error: 'The change was stopped by Canvass support.',
            next_run_at: sql`now()`,
            step_started_at: sql`now()`,
            attempts: 0,
            lease_until: null,
            updated_at: new Date(),
          })
          .where('id', '=', saga.id)
          .where('state', '=', saga.state)
          .where('outcome', 'is', null)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) return true;
        const seq = await trx
          .selectFrom('saga_steps')
          .select(sql<number>`coalesce(max(seq), 0) + 1`.as('next'))
          .where('saga_id', '=', saga.id)
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('saga_steps')
          .values({
            saga_id: saga.id,
            seq: Number(seq.next),
            step: saga.state,
            outcome: 'compensate',
            detail:
              `an operator turned it back to ${to}${saga.error ? ` (last error: ${saga.error})` : ''}`.slice(
                0,
                500,
              ),
            duration_ms: 0,
          })
          .execute();
        return false;
      });
      if (moved)
        throw new HttpProblem(
          409,
          'saga-moved',
          'This saga moved on meanwhile',
          'Look at it again, then decide.',
        );
      deps.wake();
      return sagaView(db, await find(saga.id));
    },
  );
}
