// What operators watch of webhook deliveries (docs/observability.md): the outcome of every attempt
// the deliverer records. `failed` will be tried again by the retry schedule; `gave_up` was the
// last try (the schedule is done, or the endpoint was switched off or deleted meanwhile).
import { Counter, type Registry } from 'prom-client';

export const DELIVERY_OUTCOMES = ['delivered', 'failed', 'gave_up'] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

export interface DeliveryMetrics {
  recorded(outcome: DeliveryOutcome): void;
}

const NAME = 'canvass_webhook_deliveries_total';

export function deliveryMetrics(registry: Registry): DeliveryMetrics {
  const attempts =
    (registry.getSingleMetric(NAME) as Counter<'outcome'> | undefined) ??
    new Counter({
      name: NAME,
      help: 'Webhook delivery attempts by outcome: delivered, failed (tried again later), gave_up (the last try failed)',
      labelNames: ['outcome'],
      registers: [registry],
    });
  // Every outcome is exported from the first scrape: rate() over a series that appears with its
  // first failure cannot see that failure.
  for (const outcome of DELIVERY_OUTCOMES) attempts.inc({ outcome }, 0);
  return { recorded: (outcome) => attempts.inc({ outcome }) };
}
