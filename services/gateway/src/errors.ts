// How reaching a service can fail, as the resilience policy (resilience.ts) tells the cases apart:
// whether a retry can help, and whether it is safe for a request that is not idempotent.

/**
 * The connection failed before any byte of the request was sent (refused, reset or timed out
 * while connecting): the service never saw the request, so any method may be sent again.
 */
export class UpstreamNotReachedError extends Error {
  readonly code = 'UPSTREAM_NOT_REACHED';
  constructor(upstream: string, options?: ErrorOptions) {
    super(`${upstream}: the connection failed before the request was sent`, options);
    this.name = 'UpstreamNotReachedError';
  }
}

/** No answer (status and headers) within the attempt's time: the service may have seen it. */
export class UpstreamTimeoutError extends Error {
  readonly code = 'UPSTREAM_TIMEOUT';
  constructor(upstream: string, timeoutMs: number) {
    super(`${upstream}: no answer within ${timeoutMs} ms`);
    this.name = 'UpstreamTimeoutError';
  }
}
