// The notifications service: mail (account mails identity asks for, organizers' notices, the
// daily digest), the in-app inbox, and signed webhooks with retries and a delivery log (see
// README.md and docs/notifications.md).
import {
  PollClaimedV1,
  PollClosedV1,
  PollCreatedV2,
  PollOpenedV1,
  PollUpdatedV1,
  VoteCastV3,
  VoteRetractedV1,
} from '@canvass/contracts';
import type { ServiceContext, ServiceModule } from '@canvass/service-kit';
import type { Kysely } from 'kysely';
import { Registry } from 'prom-client';
import { ACTIVITY_CONSUMER, applyPollsEvents } from './activity/consumer.ts';
import { applyBillingEvents, BILLING_CONSUMER, billingTypes } from './billing/consumer.ts';
import { applyIdentityEvents, DIRECTORY_CONSUMER, directoryTypes } from './directory/consumer.ts';
import { notificationsEntitlements } from './entitlements.ts';
import { inboxRoutes } from './inbox/routes.ts';
import { unsubscribeRoutes } from './inbox/unsubscribe-routes.ts';
import { InboxWaiters } from './inbox/waiters.ts';
import type { Mailbox } from './mail/mailbox.ts';
import { mailboxRoutes } from './mail/mailbox-routes.ts';
import type { MailTransport } from './mail/transport.ts';
import { createDigest } from './mailing/digest.ts';
import { createMailSender } from './mailing/sender.ts';
import { inboxChannel } from './notices/notify.ts';
import type { NotificationsTables } from './tables.ts';
import { webhookAdminRoutes } from './webhooks/admin-routes.ts';
import { createDeliverer } from './webhooks/deliverer.ts';
import { deliveryMetrics } from './webhooks/delivery-metrics.ts';
import { deliveryRoutes } from './webhooks/delivery-routes.ts';
import { endpointRoutes } from './webhooks/endpoint-routes.ts';
import { createOutboundClient } from './webhooks/outbound.ts';
import { createResultsTicker } from './webhooks/results-ticker.ts';
import { DEFAULT_RETRY_SCHEDULE_MS } from './webhooks/retry-schedule.ts';

export interface NotificationsOptions {
  /** Where mail goes: SMTP (`smtpTransport`), or memory in tests. */
  transport: MailTransport;
  /** Where links in mails point, e.g. http://localhost:8080. */
  publicUrl: string;
  internalSecret?: string | undefined;
  /** The embedded tier's local mailbox, served at /mailbox. */
  mailbox?: Mailbox;
  /** Webhooks may go to 127.0.0.1 and ::1: tests and local development only. */
  allowLoopback?: boolean;
  /** Waits between delivery attempts (default: the Standard Webhooks schedule, about 28 hours). */
  retryScheduleMs?: readonly number[];
  /** Whole-delivery timeout (default 10 s). */
  deliveryTimeoutMs?: number;
  /** How long votes gather before one `poll.results_changed` (default 10 s). */
  resultsEveryMs?: number;
  /** Time between two digests of one person (default a day), and how often it looks (default a minute). */
  digestEveryMs?: number;
  digestCheckMs?: number;
  /**
   * Where `canvass_webhook_deliveries_total` is registered: this, else the context's `metrics`
   * when the runtime hands one over, else a registry of its own that /metrics does not serve.
   */
  metrics?: Registry;
}

export function createNotificationsService(options: NotificationsOptions) {
  return (context: ServiceContext & { metrics?: Registry }): ServiceModule => {
    const secret = options.internalSecret ?? context.internalSecret;
    if (!secret)
      throw new Error('notifications needs CANVASS_INTERNAL_SECRET: account mails are sealed with it');
    const db = context.db.kysely as Kysely<NotificationsTables>;
    const schema = context.db.schema;
    const appUrl = options.publicUrl.replace(/\/$/, '');
    const allowLoopback = options.allowLoopback ?? false;
    const timeoutMs = options.deliveryTimeoutMs ?? 10_000;
    const client = createOutboundClient({ allowLoopback, timeoutMs });
    const waiters = new InboxWaiters();
    const logger = context.logger;
    const loops = [
      createDeliverer({
        db: context.db,
        logger,
        client,
        schedule: options.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS,
        allowLoopback,
        appUrl,
        timeoutMs,
        metrics: deliveryMetrics(options.metrics ?? context.metrics ?? new Registry()),
      }),
      createMailSender({
        db: context.db,
        logger,
        transport: options.transport,
        context: { appUrl, internalSecret: secret },
      }),
      createResultsTicker({
        db: context.db,
        logger,
        appUrl,
        intervalMs: Math.min(options.resultsEveryMs ?? 10_000, 1000),
      }),
      createDigest({
        db: context.db,
        logger,
        appUrl,
        everyMs: options.digestEveryMs ?? 24 * 3600_000,
        checkMs: options.digestCheckMs ?? 60_000,
      }),
    ];
    let unlisten: (() => Promise<void>) | undefined;
    let started: Promise<unknown> | undefined;
    const routeDeps = { db, schema, internalSecret: secret, allowLoopback };

    return {
      name: 'notifications',
      migrationsDir: new URL('../migrations/', import.meta.url),
      openapi: {
        tags: [
          {
            name: 'Webhooks',
            description: 'Signed webhook endpoints of a workspace, their delivery log, resends and replays.',
          },
          {
            name: 'Inbox',
            description: 'Your notifications (the bell), and what Canvass tells you and how.',
          },
        ],
      },
      routes(app) {
        endpointRoutes(app, routeDeps);
        deliveryRoutes(app, routeDeps);
        inboxRoutes(app, { db, schema, internalSecret: secret, waiters });
        unsubscribeRoutes(app, { db, internalSecret: secret });
        if (options.mailbox) mailboxRoutes(app, options.mailbox);
      },
      adminRoutes: (app) => webhookAdminRoutes(app, { db, schema }),
      consumers: [
        {
          name: DIRECTORY_CONSUMER,
          types: directoryTypes,
          handle: (trx, events) =>
            applyIdentityEvents(trx as Kysely<NotificationsTables>, schema, events, appUrl),
        },
        {
          name: ACTIVITY_CONSUMER,
          types: [
            PollCreatedV2.type,
            PollClaimedV1.type,
            PollUpdatedV1.type,
            PollOpenedV1.type,
            PollClosedV1.type,
            VoteCastV3.type,
            VoteRetractedV1.type,
          ],
          handle: (trx, events) =>
            applyPollsEvents(trx as Kysely<NotificationsTables>, events, {
              schema,
              appUrl,
              resultsEveryMs: options.resultsEveryMs ?? 10_000,
            }),
          maxBatch: 500,
          // Webhooks and notices can wait a tenth of a second: a batch then holds many votes.
          gatherMs: 100,
        },
        {
          name: BILLING_CONSUMER,
          types: billingTypes,
          handle: (trx, events) => applyBillingEvents(trx as Kysely<NotificationsTables>, schema, events),
        },
        notificationsEntitlements,
      ],
      background: {
        start() {
          started = Promise.all([
            ...loops.map((loop) => loop.start()),
            context.db
              .listen(inboxChannel(schema), (payload) => waiters.changed(payload))
              .then((stop) => {
                unlisten = stop;
              }),
          ]).catch((error) => logger.error({ err: error }, 'notifications background work did not start'));
        },
        async stop() {
          await started;
          waiters.wakeAll();
          await unlisten?.();
          for (const loop of loops) await loop.stop();
          await client.close();
        },
      },
    };
  };
}
