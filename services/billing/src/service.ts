// The billing service: plans and quotas, usage metered from events, invoices, and the
// subscription sagas (upgrade, renewal with dunning) run by a persisted orchestrator against a
// PaymentProvider (see docs/billing.md).
import type { ServiceContext, ServiceModule } from '@canvass/service-kit';
import type { Kysely } from 'kysely';
import { Registry } from 'prom-client';
import type { PaymentProvider } from './payments/port.ts';
import { endPeriods } from './periods.ts';
import { sagaAdminRoutes } from './routes/admin-routes.ts';
import { billingRoutes } from './routes/billing-routes.ts';
import { providerWebhookRoutes } from './routes/provider-webhook.ts';
import { registerSagaMetrics } from './saga/metrics.ts';
import { createOrchestrator, type OrchestratorOptions } from './saga/orchestrator.ts';
import type { BillingTables } from './tables.ts';
import {
  applyDirectoryEvents,
  applyUsageEvents,
  DIRECTORY_CONSUMER,
  directoryTypes,
  USAGE_CONSUMER,
  usageTypes,
} from './usage/consumer.ts';

export interface BillingOptions {
  provider: PaymentProvider;
  internalSecret?: string | undefined;
  /** Each provider call's timeout (default 10 s). */
  callTimeoutMs?: number;
  /** Waits between declined renewals (default 1, 3 and 5 days); after the last, Free. */
  dunningMs?: readonly number[];
  /** A billing period (default: a calendar month). */
  periodMs?: number;
  /** How often period ends are looked for (default 10 s). */
  periodCheckMs?: number;
  /**
   * Where `canvass_sagas` is registered: this, else the context's `metrics` when the runtime hands
   * one over, else a registry of its own that /metrics does not serve.
   */
  metrics?: Registry;
  /** Orchestrator tuning and fault hooks (tests). */
  orchestrator?: Partial<
    Pick<
      OrchestratorOptions,
      | 'intervalMs'
      | 'leaseMs'
      | 'retryBaseMs'
      | 'retryMaxMs'
      | 'deadlineScale'
      | 'beforeStep'
      | 'afterStep'
      | 'onStep'
    >
  >;
}

export const DEFAULT_DUNNING_MS = [1, 3, 5].map((days) => days * 86_400_000);

export function createBillingService(options: BillingOptions) {
  return (context: ServiceContext & { metrics?: Registry }): ServiceModule => {
    const db = context.db.kysely as Kysely<BillingTables>;
    registerSagaMetrics(options.metrics ?? context.metrics ?? new Registry(), db);
    const secret = options.internalSecret ?? context.internalSecret;
    const orchestrator = createOrchestrator({
      db: context.db,
      outbox: context.outbox,
      logger: context.logger,
      provider: options.provider,
      callTimeoutMs: options.callTimeoutMs ?? 10_000,
      dunningMs: options.dunningMs ?? DEFAULT_DUNNING_MS,
      periodMs: options.periodMs,
      ...options.orchestrator,
    });
    const wake = () => orchestrator.wake();
    let periods: NodeJS.Timeout | undefined;
    let ending: Promise<unknown> | undefined;
    const endDuePeriods = () => {
      ending ??= endPeriods(db, context.outbox, { periodMs: options.periodMs })
        .then(({ renewals }) => {
          if (renewals > 0) wake();
        })
        .catch((error) => context.logger.error({ err: error }, 'period ends could not be applied'))
        .finally(() => {
          ending = undefined;
        });
    };

    return {
      name: 'billing',
      migrationsDir: new URL('../migrations/', import.meta.url),
      openapi: {
        tags: [{ name: 'Billing', description: 'Plans, usage, upgrades and invoices of a workspace.' }],
      },
      routes(app) {
        billingRoutes(app, { db, internalSecret: secret, wake });
        providerWebhookRoutes(app, { db, provider: options.provider, wake });
      },
      adminRoutes: (app) => sagaAdminRoutes(app, { db, wake }),
      consumers: [
        {
          name: DIRECTORY_CONSUMER,
          types: directoryTypes,
          handle: (trx, events) => applyDirectoryEvents(trx as Kysely<BillingTables>, events),
        },
        {
          name: USAGE_CONSUMER,
          types: usageTypes,
          handle: (trx, events) => applyUsageEvents(trx as Kysely<BillingTables>, context.outbox, events),
          maxBatch: 500,
          // Usage can wait a tenth of a second: a batch then holds many votes.
          gatherMs: 100,
        },
      ],
      background: {
        start() {
          orchestrator.start();
          periods = setInterval(endDuePeriods, options.periodCheckMs ?? 10_000);
          periods.unref();
          endDuePeriods();
        },
        async stop() {
          clearInterval(periods);
          await ending;
          await orchestrator.stop();
        },
      },
    };
  };
}
