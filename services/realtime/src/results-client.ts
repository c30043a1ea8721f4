// The cluster tier's FetchResults: analytics' results endpoint over HTTP (and, with `path`, polls'
// event stage for events' live route, docs/events.md). A service-to-service
// call, so it runs under a policy: a 2 s timeout per attempt, one retry with jittered backoff
// (a GET is idempotent), a circuit breaker so a down analytics fails viewers fast instead of
// piling them up, and a bulkhead bounding calls in flight. 4xx answers are answers, not failures.

import type { InternalTls } from '@canvass/service-kit';
import { traceHeaders } from '@canvass/telemetry';
import {
  bulkhead,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleWhen,
  isBrokenCircuitError,
  isBulkheadRejectedError,
  retry,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import { Agent, request } from 'undici';
import type { FetchResults } from './live/access.ts';

class UpstreamError extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`upstream answered ${status}`);
    this.name = 'UpstreamError';
    this.status = status;
  }
}

const failure = handleWhen((error) => !isBrokenCircuitError(error) && !isBulkheadRejectedError(error));

export function httpResultsClient(
  baseUrl: string,
  options: {
    timeoutMs?: number;
    tls?: InternalTls | undefined;
    /** The resource asked about `id` (default: its results). */
    path?: (id: string) => string;
  } = {},
): FetchResults {
  const path = options.path ?? ((pollId: string) => `/api/v1/polls/${encodeURIComponent(pollId)}/results`);
  const { tls } = options;
  const newAgent = () =>
    new Agent({ connections: 64, keepAliveTimeout: 10_000, ...(tls ? { connect: tls.current() } : {}) });
  // Rotated files: a new agent presents the new certificate; the old one finishes what it has.
  let agent = newAgent();
  tls?.onChange(() => {
    const old = agent;
    agent = newAgent();
    void old.close();
  });
  const policy = wrap(
    bulkhead(64, 2_000),
    retry(failure, {
      maxAttempts: 1,
      backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1_000 }),
    }),
    circuitBreaker(failure, { halfOpenAfter: 5_000, breaker: new ConsecutiveBreaker(5) }),
    timeout(options.timeoutMs ?? 2_000, TimeoutStrategy.Aggressive),
  );
  return (pollId, credentials) =>
    policy.execute(async ({ signal }) => {
      const response = await request(new URL(path(pollId), baseUrl), {
        method: 'GET',
        headers: { ...credentials, accept: 'application/json', ...traceHeaders() },
        dispatcher: agent,
        signal,
      });
      if (response.statusCode >= 500) {
        await response.body.dump();
        throw new UpstreamError(response.statusCode);
      }
      const text = await response.body.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {}
      return { status: response.statusCode, body };
    });
}
