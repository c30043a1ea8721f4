/** An event that does not match its contract. Retrying cannot help, so it is never retried. */
export class EventValidationError extends Error {
  readonly code = 'EVENT_INVALID';
  readonly nonRetryable = true;
  readonly details: string[];
  constructor(message: string, details: string[] = [], options?: ErrorOptions) {
    super(details.length > 0 ? `${message}: ${details.join('; ')}` : message, options);
    this.name = 'EventValidationError';
    this.details = details;
  }
}
