// The provider's error catalogue, in Stripe's wire shape: `{ error: { type, code, decline_code,
// message, param } }` with Stripe's status codes, so the official SDK raises its own classes
// (402 → StripeCardError, 400/404 → StripeInvalidRequestError or StripeIdempotencyError,
// 401 → StripeAuthenticationError, 500 → StripeAPIError). Every code is listed in ERROR_CODES and
// documented in the README (a test checks both).

export type StripeErrorType = 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  [extra: string]: unknown;
}

/** Every `code` this provider answers with (Stripe's own names). */
export const ERROR_CODES = [
  'parameter_missing',
  'parameter_unknown',
  'parameter_invalid_integer',
  'parameter_invalid_empty',
  'parameter_invalid_string',
  'amount_too_small',
  'amount_too_large',
  'charge_already_refunded',
  'resource_missing',
  'payment_intent_unexpected_state',
  'url_invalid',
  'card_declined',
  'expired_card',
  'authentication_required',
  'payment_intent_authentication_failure',
  'idempotency_key_in_use',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** An answer in Stripe's error shape; thrown by the domain code, turned into a reply at the edge. */
export class StripeApiError extends Error {
  readonly statusCode: number;
  readonly body: StripeErrorBody;
  constructor(statusCode: number, body: StripeErrorBody, options?: ErrorOptions) {
    super(body.message, options);
    this.name = 'StripeApiError';
    this.statusCode = statusCode;
    this.body = body;
  }
}

export const invalidRequest = (code: ErrorCode | undefined, message: string, param?: string) =>
  new StripeApiError(400, {
    type: 'invalid_request_error',
    message,
    ...(code ? { code } : {}),
    ...(param ? { param } : {}),
  });

export const missingParam = (param: string) =>
  invalidRequest('parameter_missing', `Missing required param: ${param}.`, param);

/** A path's object is not there (404), or a parameter names one that is not (400). */
export const noSuchObject = (kind: string, id: string, param?: string) =>
  new StripeApiError(param ? 400 : 404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    message: `No such ${kind}: '${id}'`,
    param: param ?? 'id',
  });

export const cardError = (
  code: ErrorCode,
  declineCode: string | undefined,
  message: string,
  extra: Record<string, unknown>,
) =>
  new StripeApiError(402, {
    type: 'card_error',
    code,
    ...(declineCode ? { decline_code: declineCode } : {}),
    message,
    ...extra,
  });

export const apiError = (message = 'An unknown error occurred while processing your request.') =>
  new StripeApiError(500, { type: 'api_error', message });

/** Never built from what the client sent: the message must not echo a card number. */
export const rawCardDataRefused = (param: string) =>
  invalidRequest(
    undefined,
    'Sending credit card numbers directly to this provider is refused. Use a test PaymentMethod token such as pm_card_visa.',
    param,
  );

export function authenticationError(given: string | undefined): StripeApiError {
  const message =
    given === undefined
      ? "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
      : `Invalid API Key provided: ${given.length > 16 ? `${given.slice(0, 8)}****${given.slice(-4)}` : '****'}. This provider accepts test-mode secret keys (sk_test_...) only.`;
  return new StripeApiError(401, { type: 'invalid_request_error', message });
}
