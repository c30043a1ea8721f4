// Webhooks from the payment provider. Verified by signature, recorded by the provider's event id
// (a duplicate changes nothing), and applied so that the newest state of a payment wins by the
// provider's own time (one that arrives out of order does not step it back). A saga waiting on
// its charge is woken: the webhook may tell what a timed-out call did not.
import { HttpProblem, problemResponses } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { type PaymentProvider, WebhookRejected } from '../payments/port.ts';
import type { BillingTables } from '../tables.ts';

/** How far along a payment's state is: requires_action → failed → succeeded → refunded. */
const rank = (status: RawBuilder<unknown>) =>
  sql`case ${status} when 'refunded' then 3 when 'succeeded' then 2 when 'failed' then 1 else 0 end`;

export const PROVIDER_WEBHOOK_PATH = '/api/v1/billing/provider-webhook';

export function providerWebhookRoutes(
  app: FastifyInstance,
  deps: { db: Kysely<BillingTables>; provider: PaymentProvider; wake(): void },
): void {
  app.register(async (scope) => {
    // The signature covers the exact bytes: keep the body as text (in this scope only).
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser(
      'application/json',
      { parseAs: 'string', bodyLimit: 256 * 1024 },
      (_request, body, done) => done(null, body),
    );
    scope.post(
      PROVIDER_WEBHOOK_PATH,
      {
        schema: {
          tags: ['Billing'],
          summary: "The payment provider's webhooks",
          description: 'Signed by the provider; anything else is refused.',
          response: {
            200: { description: 'Received.', type: 'object', properties: { received: { type: 'boolean' } } },
            ...problemResponses(400),
          },
        },
      },
      async (request) => {
        let event: ReturnType<PaymentProvider['verifyWebhook']>;
        try {
          if (typeof request.body !== 'string') throw new WebhookRejected('no body');
          event = deps.provider.verifyWebhook(request.body, request.headers);
        } catch (error) {
          throw new HttpProblem(
            400,
            'webhook-signature',
            'This webhook is not signed by the payment provider',
            error instanceof Error ? error.message : undefined,
          );
        }
        await deps.db.transaction().execute(async (trx) => {
          const fresh = await trx
            .insertInto('provider_events')
            .values({ id: event.id, type: event.type, payment_id: event.paymentId })
            .onConflict((oc) => oc.column('id').doNothing())
            .returning('id')
            .executeTakeFirst();
          if (!fresh || !event.paymentId || event.type === 'other') return;
          const status =
            event.type === 'payment.succeeded'
              ? 'succeeded'
              : event.type === 'payment.failed'
                ? 'failed'
                : event.type === 'payment.requires_action'
                  ? 'requires_action'
                  : 'refunded';
          await trx
            .insertInto('provider_payments')
            .values({
              payment_id: event.paymentId,
              saga_id: event.sagaId,
              status,
              amount_refunded: event.amountRefunded,
              provider_time: event.created,
            })
            .onConflict((oc) =>
              oc.column('payment_id').doUpdateSet({
                // Newer by the provider's clock wins; within one second (its resolution), the state
                // further along does (a refund's event never loses to its charge's).
                status: sql`case when (excluded.provider_time, ${rank(sql`excluded.status`)}) >= (provider_payments.provider_time, ${rank(sql`provider_payments.status`)}) then excluded.status else provider_payments.status end`,
                provider_time: sql`greatest(excluded.provider_time, provider_payments.provider_time)`,
                amount_refunded: sql`greatest(excluded.amount_refunded, provider_payments.amount_refunded)`,
                saga_id: sql`coalesce(provider_payments.saga_id, excluded.saga_id)`,
              }),
            )
            .execute();
          if (event.sagaId)
            await trx
              .updateTable('sagas')
              .set({ next_run_at: sql`least(next_run_at, now())` })
              .where('id', '=', event.sagaId)
              .where('outcome', 'is', null)
              .where('state', 'in', ['charge', 'void'])
              .execute();
        });
        deps.wake();
        return { received: true };
      },
    );
  });
}
