export { PLANS } from '@canvass/contracts';
export {
  type ChargeRequest,
  type ChargeResult,
  type PaymentProvider,
  PaymentRejected,
  PaymentUnavailable,
  type ProviderEvent,
  WebhookRejected,
} from './payments/port.ts';
export { type StripeProviderOptions, stripeProvider } from './payments/stripe.ts';
export { StepFailed } from './saga/steps.ts';
export { type BillingOptions, createBillingService, DEFAULT_DUNNING_MS } from './service.ts';
