export type {
  IdempotencyKeyView,
  LedgerView,
  PaymentProviderControl,
} from './control/control.ts';
export { ERROR_CODES, type ErrorCode } from './errors.ts';
export { FaultSpec, type QueuedFault } from './faults.ts';
export type { LedgerCharge, LedgerRefund } from './ledger/state.ts';
export type { EventType, PaymentIntent, StripeEvent } from './objects.ts';
export {
  type CreatePaymentProviderOptions,
  createPaymentProvider,
  type PaymentProvider,
} from './provider.ts';
export { type BuiltPaymentProvider, buildPaymentProvider, type PaymentProviderOptions } from './service.ts';
export { TEST_PAYMENT_METHODS } from './test-cards.ts';
export type { DeliveryAttempt } from './webhooks/dispatcher.ts';
export type { ConfiguredEndpoint } from './webhooks/endpoints.ts';
export { signatureHeader } from './webhooks/signing.ts';
