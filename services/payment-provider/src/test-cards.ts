// Payment methods are Stripe's test tokens, never card numbers. Each token decides what a
// confirmation does, with the code, decline code and message Stripe's test cards give.
import type { ErrorCode } from './errors.ts';

export type CardOutcome =
  | { kind: 'succeed' }
  | { kind: 'decline'; code: ErrorCode; declineCode: string; message: string }
  | { kind: 'authenticate' };

const declined = (declineCode: string, message = 'Your card was declined.'): CardOutcome => ({
  kind: 'decline',
  code: 'card_declined',
  declineCode,
  message,
});

export const TEST_PAYMENT_METHODS: Readonly<Record<string, CardOutcome>> = {
  pm_card_visa: { kind: 'succeed' },
  pm_card_mastercard: { kind: 'succeed' },
  pm_card_amex: { kind: 'succeed' },
  pm_card_chargeDeclined: declined('generic_decline'),
  pm_card_chargeDeclinedInsufficientFunds: declined(
    'insufficient_funds',
    'Your card has insufficient funds.',
  ),
  pm_card_chargeDeclinedLostCard: declined('lost_card'),
  pm_card_chargeDeclinedFraudulent: declined('fraudulent'),
  pm_card_chargeDeclinedExpiredCard: {
    kind: 'decline',
    code: 'expired_card',
    declineCode: 'expired_card',
    message: 'Your card has expired.',
  },
  pm_card_authenticationRequired: { kind: 'authenticate' },
  pm_card_threeDSecure2Required: { kind: 'authenticate' },
};

/** A decline forced by the `decline` fault, whatever the token. */
export const forcedDecline = (declineCode = 'generic_decline'): CardOutcome => declined(declineCode);
