// Graceful drain for a process going away on SIGTERM (a rolling restart, Kubernetes scaling in):
// for CANVASS_DRAIN_MS it still answers everything, but /readyz says 503 (probes and balancers
// take it out) and every answer closes its connection, so callers holding pooled keep-alive
// connections (the gateway's upstream pools, a client's) stop reusing them. When the listener
// then closes, nobody is half-way through sending it a request: a new connection is refused, which
// the gateway retries on another replica whatever the method (resilience.ts). One race is left: a
// request already on its way over an idle pooled connection when the process starts closing. It
// is not handled; its answer is a 503 that says so (UNPROCESSED_HEADER), and the gateway sends it
// again to another replica, a POST too. SIGINT (Ctrl-C, the launcher's stop) skips the wait.
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { ReadinessCheck } from './health.ts';
import { sendProblem } from './problem.ts';

export const DrainConfig = {
  /** How long a process drains on SIGTERM before it stops listening (0: not at all). */
  CANVASS_DRAIN_MS: Type.Integer({ minimum: 0, maximum: 120_000, default: 2_000 }),
};

/**
 * On a 503 answer: the request was not handled at all (the process was closing when it came), so
 * it is safe to send again elsewhere whatever its method. Only Canvass's own processes set it.
 */
export const UNPROCESSED_HEADER = 'canvass-unprocessed';

const draining = new WeakSet<FastifyInstance>();

/**
 * The readiness check a draining app fails, the hook that closes connections meanwhile, and the
 * answer to a request that arrives once the app is closing (buildServiceApp turns fastify's own
 * off: its bare 503 does not say that nothing was done).
 */
export function installDrain(app: FastifyInstance): ReadinessCheck {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', (request, reply, done) => {
    if (!closing) return done();
    sendProblem(request, reply.header('connection', 'close').header(UNPROCESSED_HEADER, 'closing'), {
      status: 503,
      type: 'service-closing',
      title: 'Service closing',
      detail: 'This process is stopping; the request was not handled. Send it again.',
      retryAfter: 1,
    });
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining.has(app)) reply.header('connection', 'close');
    done(null, payload);
  });
  return {
    name: 'drain',
    check() {
      if (draining.has(app)) throw new Error('draining: this process is going away');
    },
  };
}

/** Starts draining `app` and resolves after `ms`; stop listening after that. */
export async function drain(app: FastifyInstance, ms: number): Promise<void> {
  draining.add(app);
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Tells the launcher's supervisor (when it started this process with an IPC channel) that this
 * process is ready: a rolling restart moves on to the next process only then.
 */
export function announceReady(): void {
  if (!process.send) return;
  process.send({ canvass: 'ready' });
  // The channel must not keep a process alive that is otherwise done.
  process.channel?.unref();
}
