// The workspace's plan, usage and invoices (any member may look), and plan changes (owners):
// an upgrade starts a saga and answers 202 with it, to follow at /api/v1/billing/changes/{id};
// a downgrade or cancel takes effect at the end of the paid period.
import {
  BillingOverview,
  DowngradeRequest,
  InvoiceView,
  PLAN_IDS,
  PLANS,
  planRank,
  SagaView,
  UpgradeRequest,
} from '@canvass/contracts';
import {
  HttpProblem,
  identityOf,
  jsonResponse,
  newId,
  notFound,
  problemResponses,
  requireScope,
} from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import { type Kysely, sql } from 'kysely';
import Type, { type Static } from 'typebox';
import { invoiceWithLines } from '../invoices.ts';
import { FIRST_STEP } from '../saga/steps.ts';
import { invoiceView, sagaView } from '../saga/views.ts';
import { subscriptionOf } from '../subscription.ts';
import type { BillingTables } from '../tables.ts';
import { usageOf } from '../usage/consumer.ts';

export interface BillingRouteDeps {
  db: Kysely<BillingTables>;
  internalSecret: string | undefined;
  /** Wakes the orchestrator: a new saga runs at once. */
  wake(): void;
}

const tags = ['Billing'];
const security = [{ bearer: [] }];
const SagaParams = Type.Object({ sagaId: Type.String({ minLength: 1, maxLength: 64 }) });
const InvoiceParams = Type.Object({ invoiceId: Type.String({ minLength: 1, maxLength: 64 }) });

export function billingRoutes(app: FastifyInstance, deps: BillingRouteDeps): void {
  const { db } = deps;
  const member = async (request: Parameters<typeof identityOf>[0]) =>
    requireScope(await identityOf(request, deps.internalSecret), 'polls:read');
  const owner = async (request: Parameters<typeof identityOf>[0]) =>
    requireScope(await identityOf(request, deps.internalSecret), 'workspace:manage');

  const openSaga = (workspaceId: string) =>
    db
      .selectFrom('sagas')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where((eb) =>
        eb.or([eb('outcome', 'is', null), eb('updated_at', '>', sql<Date>`now() - interval '10 minutes'`)]),
      )
      .where('kind', '=', 'upgrade')
      .orderBy('created_at', 'desc')
      .executeTakeFirst();

  async function overview(workspaceId: string): Promise<Static<typeof BillingOverview>> {
    const subscription = await subscriptionOf(db, workspaceId);
    const [usage, change] = await Promise.all([usageOf(db, workspaceId), openSaga(workspaceId)]);
    return {
      plan: subscription.plan,
      status: subscription.status,
      periodStart: subscription.periodStart?.toISOString() ?? null,
      periodEnd: subscription.periodEnd?.toISOString() ?? null,
      pendingPlan: subscription.pendingPlan,
      paymentMethod: subscription.paymentMethod,
      quotas: PLANS[subscription.plan].quotas,
      usage,
      plans: PLAN_IDS.map((id) => PLANS[id]),
      change: change ? await sagaView(db, change) : null,
    };
  }

  app.get(
    '/api/v1/billing',
    {
      schema: {
        tags,
        summary: "The workspace's plan, quotas and usage",
        description: 'Every plan is listed, to compare. Any member may look.',
        security,
        response: {
          200: jsonResponse('The plan and its use.', BillingOverview),
          ...problemResponses(401, 403),
        },
      },
    },
    async (request) => overview((await member(request)).workspace),
  );

  app.post<{ Body: Static<typeof UpgradeRequest> }>(
    '/api/v1/billing/upgrade',
    {
      schema: {
        tags,
        summary: 'Upgrade to a higher plan',
        description:
          'Starts the upgrade: check, reserve, charge the payment method (a token, never a card number), ' +
          'activate, send the receipt. Answers at once with the change to follow; ' +
          'a declined card ends it with nothing charged.',
        security,
        body: UpgradeRequest,
        response: {
          202: jsonResponse('The change, under way.', SagaView),
          ...problemResponses(
            400,
            401,
            [403, 'Only owners change the plan.'],
            [409, 'A change is already under way, or the plan is not higher.'],
          ),
        },
      },
    },
    async (request, reply) => {
      const identity = await owner(request);
      const { plan, paymentMethod } = request.body;
      const current = await subscriptionOf(db, identity.workspace);
      if (planRank(plan) <= planRank(current.plan)) {
        throw new HttpProblem(
          409,
          'not-an-upgrade',
          'That is not an upgrade',
          `The workspace is on ${PLANS[current.plan].name} already. To move to a lower plan, use downgrade: it takes effect at the end of the paid period.`,
        );
      }
      const id = `saga_${newId(16)}`;
      try {
        await db
          .insertInto('sagas')
          .values({
            id,
            kind: 'upgrade',
            workspace_id: identity.workspace,
            requested_by: identity.subject,
            plan,
            previous_plan: current.plan,
            amount_cents: PLANS[plan].priceCents,
            currency: PLANS[plan].currency,
            payment_method: paymentMethod,
            state: FIRST_STEP.upgrade,
            outcome: null,
            lease_until: null,
            payment_id: null,
            refund_id: null,
            invoice_id: null,
            error: null,
          })
          .execute();
      } catch (error) {
        if ((error as { code?: string }).code === '23505')
          throw new HttpProblem(
            409,
            'change-in-progress',
            'A plan change is already under way',
            'Wait for it to finish (see GET /api/v1/billing), then try again.',
          );
        throw error;
      }
      deps.wake();
      const saga = await db.selectFrom('sagas').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      reply.header('location', `/api/v1/billing/changes/${id}`);
      return reply.code(202).send(await sagaView(db, saga));
    },
  );

  app.get<{ Params: Static<typeof SagaParams> }>(
    '/api/v1/billing/changes/:sagaId',
    {
      schema: {
        tags,
        summary: 'Follow a plan change',
        description: 'Each step with its time and outcome.',
        security,
        params: SagaParams,
        response: { 200: jsonResponse('The change.', SagaView), ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const identity = await member(request);
      const saga = await db
        .selectFrom('sagas')
        .selectAll()
        .where('id', '=', request.params.sagaId)
        .where('workspace_id', '=', identity.workspace)
        .executeTakeFirst();
      if (!saga) throw notFound('plan-change', `This workspace has no plan change ${request.params.sagaId}.`);
      return sagaView(db, saga);
    },
  );

  app.post<{ Body: Static<typeof DowngradeRequest> }>(
    '/api/v1/billing/downgrade',
    {
      schema: {
        tags,
        summary: 'Move to a lower plan (or Free, to cancel) at the end of the period',
        description: 'Nothing changes until the paid period ends; undo with DELETE.',
        security,
        body: DowngradeRequest,
        response: {
          200: jsonResponse('The plan, with the change pending.', BillingOverview),
          ...problemResponses(400, 401, 403, 409),
        },
      },
    },
    async (request) => {
      const identity = await owner(request);
      const current = await subscriptionOf(db, identity.workspace);
      if (planRank(request.body.plan) >= planRank(current.plan) || !current.periodEnd) {
        throw new HttpProblem(
          409,
          'not-a-downgrade',
          'That is not a downgrade',
          `The workspace is on ${PLANS[current.plan].name}; choose a lower plan.`,
        );
      }
      await db
        .updateTable('subscriptions')
        .set({ pending_plan: request.body.plan, updated_at: new Date() })
        .where('workspace_id', '=', identity.workspace)
        .execute();
      return overview(identity.workspace);
    },
  );

  app.delete(
    '/api/v1/billing/downgrade',
    {
      schema: {
        tags,
        summary: 'Keep the current plan (undo a pending downgrade or cancel)',
        security,
        response: {
          204: { description: 'No change is pending now.', type: 'null' },
          ...problemResponses(401, 403),
        },
      },
    },
    async (request, reply) => {
      const identity = await owner(request);
      await db
        .updateTable('subscriptions')
        .set({ pending_plan: null, updated_at: new Date() })
        .where('workspace_id', '=', identity.workspace)
        .execute();
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v1/billing/invoices',
    {
      schema: {
        tags,
        summary: 'Invoices, newest first',
        security,
        response: {
          200: jsonResponse(
            'Paid, refunded and void invoices.',
            Type.Object({ invoices: Type.Array(InvoiceView) }),
          ),
          ...problemResponses(401, 403),
        },
      },
    },
    async (request) => {
      const identity = await owner(request);
      const rows = await db
        .selectFrom('invoices')
        .select('id')
        .where('workspace_id', '=', identity.workspace)
        .where('status', '!=', 'draft')
        .orderBy('created_at', 'desc')
        .limit(100)
        .execute();
      const invoices = await Promise.all(rows.map((row) => invoiceWithLines(db, row.id)));
      return { invoices: invoices.filter((found) => found !== undefined).map(invoiceView) };
    },
  );

  app.get<{ Params: Static<typeof InvoiceParams> }>(
    '/api/v1/billing/invoices/:invoiceId',
    {
      schema: {
        tags,
        summary: 'One invoice with its lines',
        security,
        params: InvoiceParams,
        response: { 200: jsonResponse('The invoice.', InvoiceView), ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const identity = await owner(request);
      const found = await invoiceWithLines(db, request.params.invoiceId);
      if (!found || found.invoice.workspace_id !== identity.workspace)
        throw notFound('invoice', `This workspace has no invoice ${request.params.invoiceId}.`);
      return invoiceView(found);
    },
  );
}
