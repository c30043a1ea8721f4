// Sends webhook deliveries. A delivery is claimed with a lease (so replicas never send one twice
// at once, and one claimed by a process that died is claimed again when its lease runs out), sent
// outside any transaction, and its outcome recorded: succeeded, tried again later by the retry
// schedule, or failed. A crash between sending and recording means the receiver may see the
// message again, with the same `webhook-id`: receivers de-duplicate by it (Standard Webhooks).
// Deliveries are independent: one failing never holds back the next (see docs/notifications.md,
// "Order").
import type { Database } from '@canvass/database';
import type { Logger } from '@canvass/service-kit';
import { type Kysely, sql } from 'kysely';
import { membersWithRoles, notify } from '../notices/notify.ts';
import type { NotificationsTables } from '../tables.ts';
import { createWorkLoop } from '../work-loop.ts';
import type { DeliveryMetrics } from './delivery-metrics.ts';
import { deliveryChannel } from './fan-out.ts';
import { checkEndpointUrl, type OutboundClient, type OutboundResult } from './outbound.ts';
import { retryDelay } from './retry-schedule.ts';
import { signedHeaders } from './signing.ts';

export interface DelivererOptions {
  db: Database;
  logger: Logger;
  client: OutboundClient;
  schedule: readonly number[];
  allowLoopback: boolean;
  appUrl: string;
  /** Deliveries sent at once by this process. */
  concurrency?: number;
  /** The client's whole-request timeout: a claim outlives it, so only a dead process's claims lapse. */
  timeoutMs: number;
  /** Counts each recorded attempt's outcome (`canvass_webhook_deliveries_total`). */
  metrics?: DeliveryMetrics;
}

/** An attempt's outcome: the client's, or why none was made (`endpoint-deleted`, `endpoint-disabled`). */
type AttemptResult = Omit<OutboundResult, 'error'> & { error?: string };

interface Claimed {
  id: string;
  endpoint_id: string;
  message_id: string;
  attempts: number;
}

export function createDeliverer(options: DelivererOptions) {
  const db = options.db.kysely as Kysely<NotificationsTables>;
  const concurrency = options.concurrency ?? 16;
  const leaseMs = 2 * options.timeoutMs + 5_000;

  async function claim(limit: number): Promise<Claimed[]> {
    const result = await sql<Claimed>`
      update webhook_deliveries set lease_until = now() + ${`${leaseMs} milliseconds`}::interval, attempts = attempts + 1
      where id in (
        select id from webhook_deliveries
        where status = 'pending' and next_attempt_at <= now() and (lease_until is null or lease_until < now())
        order by next_attempt_at limit ${limit} for update skip locked)
      returning id, endpoint_id, message_id, attempts`.execute(db);
    return result.rows;
  }

  async function deliver(delivery: Claimed): Promise<void> {
    const endpoint = await db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', delivery.endpoint_id)
      .executeTakeFirst();
    const message = await db
      .selectFrom('webhook_messages')
      .select(['payload'])
      .where('id', '=', delivery.message_id)
      .executeTakeFirst();
    const at = new Date();
    let result: AttemptResult;
    if (!endpoint || endpoint.deleted_at || !message) {
      result = {
        status: null,
        latencyMs: 0,
        excerpt: '',
        error: 'endpoint-deleted',
        detail: 'The endpoint was deleted.',
      };
    } else if (!endpoint.enabled) {
      result = {
        status: null,
        latencyMs: 0,
        excerpt: '',
        error: 'endpoint-disabled',
        detail: 'The endpoint is switched off.',
      };
    } else {
      const checked = checkEndpointUrl(endpoint.url, { allowLoopback: options.allowLoopback });
      const body = JSON.stringify(message.payload);
      result = checked.ok
        ? await options.client.post(endpoint.url, {
            headers: signedHeaders(
              {
                secret: endpoint.secret,
                previousSecret: endpoint.previous_secret,
                previousSecretUntil: endpoint.previous_secret_until,
              },
              delivery.message_id,
              at,
              body,
            ),
            body,
          })
        : { status: null, latencyMs: 0, excerpt: '', error: 'address-refused', detail: checked.reason };
    }
    await record(delivery, at, result, endpoint?.enabled === true && !endpoint.deleted_at);
  }

  async function record(delivery: Claimed, at: Date, result: AttemptResult, endpointLive: boolean) {
    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    const delay = ok || !endpointLive ? null : retryDelay(options.schedule, delivery.attempts);
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('webhook_attempts')
        .values({
          delivery_id: delivery.id,
          attempt: delivery.attempts,
          at,
          status: result.status,
          latency_ms: Math.round(result.latencyMs),
          error: result.error ? `${result.error}${result.detail ? `: ${result.detail}` : ''}` : null,
          excerpt: result.excerpt,
        })
        .onConflict((oc) => oc.columns(['delivery_id', 'attempt']).doNothing())
        .execute();
      await trx
        .updateTable('webhook_deliveries')
        .set({
          status: ok ? 'succeeded' : delay === null ? 'failed' : 'pending',
          next_attempt_at: delay === null ? null : new Date(Date.now() + delay),
          lease_until: null,
          finished_at: ok || delay === null ? new Date() : null,
        })
        .where('id', '=', delivery.id)
        .execute();
      if (!endpointLive) return;
      if (ok) {
        await trx
          .updateTable('webhook_endpoints')
          .set({ failing_since: null })
          .where('id', '=', delivery.endpoint_id)
          .execute();
        return;
      }
      await sql`update webhook_endpoints set failing_since = coalesce(failing_since, ${at}) where id = ${delivery.endpoint_id}`.execute(
        trx,
      );
      if (delay === null) await disableIfFailingThroughout(trx, delivery);
    });
    // Counted once recorded: an attempt whose record rolled back is made again, and counted then.
    options.metrics?.recorded(ok ? 'delivered' : delay === null ? 'gave_up' : 'failed');
  }

  /**
   * A delivery ran out of retries. If nothing reached the endpoint since this delivery's first
   * attempt, the endpoint has failed for the whole retry window: it is switched off and the
   * workspace's owners and admins are told.
   */
  async function disableIfFailingThroughout(trx: Kysely<NotificationsTables>, delivery: Claimed) {
    const first = await trx
      .selectFrom('webhook_attempts')
      .select('at')
      .where('delivery_id', '=', delivery.id)
      .orderBy('attempt')
      .executeTakeFirst();
    const disabled = await trx
      .updateTable('webhook_endpoints')
      .set({ enabled: false, disabled_reason: 'failing' })
      .where('id', '=', delivery.endpoint_id)
      .where('enabled', '=', true)
      .where('failing_since', '<=', first?.at ?? new Date())
      .returning(['id', 'workspace_id', 'url', 'failing_since'])
      .executeTakeFirst();
    if (!disabled) return;
    const last = await trx
      .selectFrom('webhook_attempts')
      .select(['error', 'status'])
      .where('delivery_id', '=', delivery.id)
      .orderBy('attempt', 'desc')
      .executeTakeFirst();
    const lastError = last?.error ?? (last?.status ? `HTTP ${last.status}` : 'no answer');
    options.logger.warn(
      { endpoint: disabled.id, lastError },
      'webhook endpoint disabled after failing throughout the retry window',
    );
    const recipients = await membersWithRoles(trx, disabled.workspace_id, ['owner', 'admin']);
    await notify(trx, options.db.schema, recipients, {
      kind: 'webhook.disabled',
      workspaceId: disabled.workspace_id,
      title: 'A webhook endpoint was switched off',
      body: `Every delivery to ${disabled.url} has failed since ${disabled.failing_since?.toISOString()}. Fix the receiver, then switch the endpoint back on.`,
      url: `/app/webhooks/${disabled.id}`,
      mail: {
        preference: 'webhook_mail',
        template: 'endpoint-disabled',
        params: {
          endpointUrl: disabled.url,
          failingSince: disabled.failing_since?.toISOString() ?? '',
          lastError,
          webhooksUrl: `${options.appUrl}/app/webhooks/${disabled.id}`,
        },
      },
    });
  }

  return createWorkLoop({
    name: 'webhook deliveries',
    db: options.db,
    logger: options.logger,
    channel: deliveryChannel(options.db.schema),
    intervalMs: 1000,
    batch: concurrency,
    claim,
    work: deliver,
  });
}
