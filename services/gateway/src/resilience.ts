// Every upstream service sits behind the same policies, in both tiers: a bulkhead (at most so
// many calls in flight and queued), a circuit breaker (after consecutive failures the gateway
// answers 503 at once, with Retry-After, until a trial call succeeds), retries, and a timeout per
// attempt. Idempotent methods are retried on any failure, with exponential backoff and jitter; any
// method, POST included, is retried while its connection fails before anything was sent (a service
// restarting), or while the answer is a 503 that says the request was not handled (a process that
// was closing, service-kit's drain.ts): a POST that may have reached a service is never sent twice. A service with several
// instances is balanced round robin, a retry goes to an instance not tried yet, and an instance
// that fails repeatedly, or refuses a connection once, is ejected for a while (passive health
// checks) and readmitted after. The circuit breaker opens only when the whole service fails:
// failures while another instance is still admitted are the instance's, and ejection handles them.
//
// Written by hand rather than composed from a policy library: this runs on every proxied request,
// and a healthy call here costs one timer and one promise, not a stack of promise layers and an
// AbortController per request.
import { Readable } from 'node:stream';
import { HttpProblem, UNPROCESSED_HEADER } from '@canvass/service-kit';
import { circuitBreaker } from './circuit-breaker.ts';
import { UpstreamNotReachedError, UpstreamTimeoutError } from './errors.ts';
import type { ForwardRequest, ForwardResponse, Upstream } from './upstream.ts';

export interface ResilienceOptions {
  /** Per attempt, until the response headers arrive (bodies may stream longer). */
  timeoutMs: number;
  /** Attempts for idempotent requests (GET, HEAD, OPTIONS), including the first. */
  attempts: number;
  /** How long a request of any method is tried again while its connection fails before sending. */
  notSentRetryMs: number;
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
  // Long enough for a service process to restart (about 2 s measured on a loaded 2-core box),
  // short enough that a voter still waits for the answer.
  notSentRetryMs: 5_000,
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
const BACKOFF_FIRST_MS = 25;
const BACKOFF_MAX_MS = 500;

interface Instance {
  upstream: Upstream;
  failures: number;
  ejections: number;
  ejectedUntil: number;
}

export interface ResilientUpstream extends Upstream {
  /** How many instances it balances over (what a request's `affinity` is taken modulo). */
  readonly instanceCount: number;
  /** Breaker state and instance health, for /admin/v1/services and metrics. */
  health(): { breaker: 'closed' | 'open' | 'half-open'; instances: { name: string; ejected: boolean }[] };
}

/** Reads a failed answer we will not pass on to its end, so its connection can serve again. */
async function discard(body: ForwardResponse['body']): Promise<void> {
  if (body instanceof Readable && !body.readableEnded && !body.destroyed) {
    body.resume();
    await new Promise((resolve) => body.once('end', resolve).once('error', resolve).once('close', resolve));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
  const breaker = circuitBreaker(options.breakerFailures, options.halfOpenAfterMs);
  let turn = 0;
  let active = 0;
  /** Calls waiting for a bulkhead slot, oldest first; a finishing call hands its slot over. */
  const waiting: (() => void)[] = [];

  /**
   * The next instance in turn (from the request's `affinity`, if it has one) that is not ejected,
   * preferring one this request has not tried; if all are ejected, the one back soonest.
   */
  function pick(tried: readonly Instance[] | undefined, affinity: number | undefined): Instance {
    const now = Date.now();
    let fallback: Instance | undefined;
    const first = affinity ?? turn++;
    for (let i = 0; i < pool.length; i++) {
      const instance = pool[(first + i) % pool.length]!;
      if (instance.ejectedUntil > now) continue;
      if (!tried?.includes(instance)) return instance;
      fallback ??= instance;
    }
    return (
      fallback ??
      pool.reduce((soonest, instance) => (instance.ejectedUntil < soonest.ejectedUntil ? instance : soonest))
    );
  }

  function anyAdmitted(): boolean {
    if (pool.length === 1) return false;
    const now = Date.now();
    return pool.some((instance) => instance.ejectedUntil <= now);
  }

  /** `unreachable`: its connection was refused or failed before sending (the process is gone). */
  function failed(instance: Instance, unreachable = false) {
    instance.failures++;
    // A refused connection ejects at once: a dead replica costs each request one more attempt
    // only until the first refusal, not `ejectAfterFailures` of them.
    if ((unreachable || instance.failures >= options.ejectAfterFailures) && pool.length > 1) {
      instance.ejectedUntil = Date.now() + Math.min(60_000, options.ejectForMs * 2 ** instance.ejections);
      instance.ejections++;
      instance.failures = 0;
    }
  }

  function succeeded(instance: Instance) {
    instance.failures = 0;
    instance.ejections = 0;
  }

  /**
   * The instance's answer, or UpstreamTimeoutError when its headers take too long: the usual
   * timeout, plus the wait a long poll asked for.
   */
  function attempt(instance: Instance, request: ForwardRequest): Promise<ForwardResponse> {
    const answer = instance.upstream.forward(request);
    const timeoutMs = options.timeoutMs + (request.waitMs ?? 0);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new UpstreamTimeoutError(instance.upstream.name, timeoutMs));
        // An answer that comes after all is nobody's: free its connection.
        answer.then(
          (late) => discard(late.body),
          () => {},
        );
      }, timeoutMs);
      answer.then(
        (response) => {
          clearTimeout(timer);
          resolve(response);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  /**
   * Tries instances until one answers or no retry is allowed. The last failed answer (502, 503,
   * 504) is returned as it came, body unread: the client sees what the service said.
   */
  async function call(request: ForwardRequest): Promise<ForwardResponse> {
    const idempotent = IDEMPOTENT.has(request.method);
    let tried: Instance[] | undefined;
    let started = 0;
    let waits = 0;
    for (let attempts = 1; ; attempts++) {
      const instance = pick(tried, request.affinity);
      try {
        const response = await attempt(instance, request);
        if (!UPSTREAM_FAILURE.has(response.status)) {
          succeeded(instance);
          return response;
        }
        // A process that was closing when the request came did not handle it: like a refused
        // connection, any method goes to another instance (within the same window).
        const unprocessed = response.status === 503 && response.headers[UNPROCESSED_HEADER] !== undefined;
        failed(instance, unprocessed);
        started ||= Date.now();
        const again = unprocessed
          ? Date.now() - started < options.notSentRetryMs
          : idempotent && attempts < options.attempts;
        if (!again) return response;
        await discard(response.body);
      } catch (error) {
        failed(instance, error instanceof UpstreamNotReachedError);
        started ||= Date.now();
        const notSent =
          error instanceof UpstreamNotReachedError && Date.now() - started < options.notSentRetryMs;
        if (!notSent && !(idempotent && attempts < options.attempts)) throw error;
      }
      const seen = tried ?? [];
      seen.push(instance);
      tried = seen;
      // Another instance is tried at once; the same ones again after a growing, jittered pause.
      const now = Date.now();
      if (pool.some((other) => !seen.includes(other) && other.ejectedUntil <= now)) continue;
      const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** waits++);
      await sleep(ceiling / 2 + (Math.random() * ceiling) / 2);
    }
  }

  return {
    name,
    instanceCount: pool.length,
    async forward(request) {
      if (active < options.maxConcurrent) active++;
      else if (waiting.length < options.maxQueued)
        await new Promise<void>((resolve) => waiting.push(resolve));
      else throw busy(name);
      try {
        const ticket = breaker.admit();
        if (!ticket) throw unavailable(name, options);
        let healthy = false;
        try {
          const response = await call(request);
          healthy = !UPSTREAM_FAILURE.has(response.status);
          return response;
        } catch (error) {
          throw toProblem(name, error);
        } finally {
          // The circuit is for a service that is down, not for one instance of several: a
          // failure counts only when no instance is left admitted. (The requests in flight on a
          // replica killed mid-call all fail at once; they must not refuse the others' traffic.)
          breaker.settle(ticket, healthy, healthy || !anyAdmitted());
        }
      } finally {
        const next = waiting.shift();
        if (next) next();
        else active--;
      }
    },
    health() {
      const now = Date.now();
      return {
        breaker: breaker.state,
        instances: pool.map((instance) => ({
          name: instance.upstream.name,
          ejected: instance.ejectedUntil > now,
        })),
      };
    },
  };
}

const unavailable = (name: string, options: ResilienceOptions) =>
  new HttpProblem(
    503,
    'upstream-unavailable',
    'Temporarily unavailable',
    `The ${name} service is failing; the gateway is giving it a moment. Try again shortly.`,
    { retryAfter: Math.ceil(options.halfOpenAfterMs / 1000) },
  );

const busy = (name: string) =>
  new HttpProblem(503, 'upstream-busy', 'Too busy', `The ${name} service has too many requests waiting.`, {
    retryAfter: 1,
  });

function toProblem(name: string, error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (error instanceof UpstreamTimeoutError) {
    return new HttpProblem(
      504,
      'upstream-timeout',
      'The service took too long',
      `The ${name} service did not answer in time.`,
      {},
      { cause: error },
    );
  }
  return new HttpProblem(
    502,
    'upstream-unreachable',
    'The service cannot be reached',
    `The ${name} service did not answer.`,
    { retryAfter: 1 },
    { cause: error },
  );
}
