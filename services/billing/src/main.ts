import { loadConfigOrExit } from '@canvass/config';
import { startService } from '@canvass/service-kit';
import { BillingConfig } from './config.ts';
import { stripeProvider } from './payments/stripe.ts';
import { createBillingService } from './service.ts';

const config = loadConfigOrExit(BillingConfig, 'billing');
const provider = stripeProvider({
  apiKey: config.STRIPE_API_KEY,
  apiBase: config.STRIPE_API_BASE,
  webhookSecret: config.STRIPE_WEBHOOK_SECRET,
});
// Fault tests: `billing-crash:<step>` kills this process right after that step's work, before it
// is recorded, so the step runs again after the restart (docs/billing.md, "Crashes").
const crashAfter = new Set(
  config.CANVASS_CHAOS.split(',')
    .filter((entry) => entry.startsWith('billing-crash:'))
    .map((entry) => entry.slice('billing-crash:'.length)),
);

await startService({
  name: 'billing',
  create: createBillingService({
    provider,
    internalSecret: config.CANVASS_INTERNAL_SECRET,
    callTimeoutMs: config.CANVASS_PAYMENT_TIMEOUT_MS,
    ...(config.CANVASS_DUNNING_MS ? { dunningMs: config.CANVASS_DUNNING_MS.split(',').map(Number) } : {}),
    ...(config.CANVASS_BILLING_PERIOD_MS ? { periodMs: config.CANVASS_BILLING_PERIOD_MS } : {}),
    orchestrator: {
      retryBaseMs: config.CANVASS_SAGA_RETRY_MS,
      leaseMs: config.CANVASS_SAGA_LEASE_MS,
      deadlineScale: config.CANVASS_SAGA_DEADLINE_SCALE,
      ...(crashAfter.size > 0
        ? {
            afterStep: (saga) => {
              if (crashAfter.has(saga.state)) process.kill(process.pid, 'SIGKILL');
            },
          }
        : {}),
    },
  }),
});
