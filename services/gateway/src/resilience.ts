// Every upstream service sits behind the same policies, in both tiers: a bulkhead (at most so
// many calls in flight and queued), a circuit breaker (after consecutive failures the gateway
// answers 503 at once, with Retry-After, until a trial call succeeds), retries with exponential
// backoff and jitter for idempotent methods only (a POST is never sent twice), and a timeout per
// attempt. A service with several instances is balanced round robin; an instance that fails
// repeatedly is ejected for a while (passive health checks) and readmitted on its next turn after.
import { Readable } from 'node:stream';
import { HttpProblem } from '@canvass/service-kit';
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  bulkhead,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleWhen,
  retry,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
} from 'cockatiel';
import type { ForwardRequest, ForwardResponse, Upstream } from './upstream.ts';

export interface ResilienceOptions {
  /** Per attempt, until the response headers arrive (bodies may stream longer). */
  timeoutMs: number;
  /** Attempts for idempotent requests (GET, HEAD, OPTIONS), including the first. */
  attempts: number;
  breakerFailures: number;
  halfOpenAfterMs: number;
  maxConcurrent: number;
  maxQueued: number;
  /** Consecutive failures that eject one instance, and for how long at first (doubling after). */
  ejectAfterFailures: number;
  ejectForMs: number;
}

export const defaultResilience: ResilienceOptions = {
  timeoutMs: 10_000,
  attempts: 3,
  breakerFailures: 5,
  halfOpenAfterMs: 5_000,
  maxConcurrent: 1_024,
  maxQueued: 4_096,
  ejectAfterFailures: 3,
  ejectForMs: 2_000,
};

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Statuses that mean the instance, not the request, failed. */
const UPSTREAM_FAILURE = new Set([502, 503, 504]);

/** An instance answered with a failure status: counts as a failure, but the answer is kept. */
class FailedAnswer extends Error {
  readonly response: ForwardResponse;
  constructor(response: ForwardResponse) {
    super(`upstream answered ${response.status}`);
    this.response = response;
  }
}

interface Instance {
  upstream: Upstream;
  failures: number;
  ejections: number;
  ejectedUntil: number;
}

export interface ResilientUpstream extends Upstream {
  /** Breaker state and instance health, for /admin/v1/services and metrics. */
  health(): { breaker: 'closed' | 'open' | 'half-open'; instances: { name: string; ejected: boolean }[] };
}

async function discard(body: ForwardResponse['body']): Promise<void> {
  if (body instanceof Readable) {
    body.resume();
    await new Promise((resolve) => body.once('end', resolve).once('error', resolve).once('close', resolve));
  }
}

export function resilientUpstream(
  name: string,
  instances: readonly Upstream[],
  overrides: Partial<ResilienceOptions> = {},
): ResilientUpstream {
  if (instances.length === 0) throw new Error(`no instance for upstream ${name}`);
  const options = { ...defaultResilience, ...overrides };
  const pool: Instance[] = instances.map((upstream) => ({
    upstream,
    failures: 0,
    ejections: 0,
    ejectedUntil: 0,
  }));
  let turn = 0;

  /** The next instance in turn that is not ejected; if all are, the one back soonest. */
  function pick(): Instance {
    const now = Date.now();
    for (let i = 0; i < pool.length; i++) {
      const instance = pool[turn++ % pool.length]!;
      if (instance.ejectedUntil <= now) return instance;
    }
    return pool.reduce((soonest, instance) =>
      instance.ejectedUntil < soonest.ejectedUntil ? instance : soonest,
    );
  }

  function failed(instance: Instance) {
    instance.failures++;
    if (instance.failures >= options.ejectAfterFailures && pool.length > 1) {
      instance.ejectedUntil = Date.now() + Math.min(60_000, options.ejectForMs * 2 ** instance.ejections);
      instance.ejections++;
      instance.failures = 0;
    }
  }

  function succeeded(instance: Instance) {
    instance.failures = 0;
    instance.ejections = 0;
  }

  const isFailure = (error: unknown) => !(error instanceof HttpProblem);
  const breaker = circuitBreaker(handleWhen(isFailure), {
    halfOpenAfter: options.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(options.breakerFailures),
  });
  const limit = bulkhead(options.maxConcurrent, options.maxQueued);
  const retrying = retry(handleWhen(isFailure), {
    maxAttempts: options.attempts - 1,
    backoff: new ExponentialBackoff({ initialDelay: 25, maxDelay: 500 }),
  });
  // Not aborted on return: the body may still be streaming when the headers have come.
  const perAttempt = timeout(options.timeoutMs, {
    strategy: TimeoutStrategy.Aggressive,
    abortOnReturn: false,
  });

  async function attempt(request: ForwardRequest, signal: AbortSignal): Promise<ForwardResponse> {
    const instance = pick();
    try {
      const response = await instance.upstream.forward({ ...request, signal });
      if (UPSTREAM_FAILURE.has(response.status)) {
        failed(instance);
        throw new FailedAnswer(response);
      }
      succeeded(instance);
      return response;
    } catch (error) {
      if (!(error instanceof FailedAnswer)) failed(instance);
      throw error;
    }
  }

  async function call(request: ForwardRequest): Promise<ForwardResponse> {
    const once = () => perAttempt.execute(({ signal }) => attempt(request, signal));
    if (!IDEMPOTENT.has(request.method)) return once();
    return retrying.execute(async ({ attempt: n }) => {
      try {
        return await once();
      } catch (error) {
        // A failed answer we will not use: free its connection before trying again.
        if (error instanceof FailedAnswer && n < options.attempts) await discard(error.response.body);
        throw error;
      }
    });
  }

  return {
    name,
    async forward(request) {
      try {
        return await limit.execute(() => breaker.execute(() => call(request)));
      } catch (error) {
        if (error instanceof FailedAnswer) return error.response;
        throw toProblem(name, error, options);
      }
    },
    health() {
      const now = Date.now();
      const state = breaker.state;
      return {
        breaker:
          state === CircuitState.Open || state === CircuitState.Isolated
            ? 'open'
            : state === CircuitState.HalfOpen
              ? 'half-open'
              : 'closed',
        instances: pool.map((instance) => ({
          name: instance.upstream.name,
          ejected: instance.ejectedUntil > now,
        })),
      };
    },
  };
}

function toProblem(name: string, error: unknown, options: ResilienceOptions): unknown {
  if (error instanceof HttpProblem) return error;
  if (error instanceof BrokenCircuitError) {
    return new HttpProblem(
      503,
      'upstream-unavailable',
      'Temporarily unavailable',
      `The ${name} service is failing; the gateway is giving it a moment. Try again shortly.`,
      { retryAfter: Math.ceil(options.halfOpenAfterMs / 1000) },
    );
  }
  if (error instanceof BulkheadRejectedError) {
    return new HttpProblem(
      503,
      'upstream-busy',
      'Too busy',
      `The ${name} service has too many requests waiting.`,
      {
        retryAfter: 1,
      },
    );
  }
  if (error instanceof TaskCancelledError) {
    return new HttpProblem(
      504,
      'upstream-timeout',
      'The service took too long',
      `The ${name} service did not answer in time.`,
    );
  }
  return new HttpProblem(
    502,
    'upstream-unreachable',
    'The service cannot be reached',
    `The ${name} service did not answer.`,
    {
      retryAfter: 1,
    },
  );
}
