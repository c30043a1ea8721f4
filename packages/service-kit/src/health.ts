// /healthz: the process is alive. /readyz: every dependency answers (database reachable and
// migrated, broker connected); 503 problem+json naming what is not ready otherwise. At the edge
// (the gateway) only the operator sees which checks failed and why; anyone sees ready or not.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sendProblem } from './problem.ts';

export interface ReadinessCheck {
  name: string;
  /** Resolves when ready; rejects (or throws) with the reason otherwise. */
  check(): Promise<void> | void;
}

const CHECK_TIMEOUT_MS = 2_000;

async function runCheck(check: ReadinessCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(() => check.check()),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
          CHECK_TIMEOUT_MS,
        );
      }),
    ]);
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer);
  }
}

export function installHealth(
  app: FastifyInstance,
  checks: readonly ReadinessCheck[],
  /** At the edge: who may see the checks; without it everyone may (an internal service). */
  maySeeDetails?: (request: FastifyRequest) => boolean,
): void {
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'alive' }));
  const runChecks = () =>
    Promise.all(checks.map(async (check) => [check.name, await runCheck(check)] as const));
  // At the edge anyone may ask: one round of checks serves every asker for a second.
  let recent: { at: number; results: ReturnType<typeof runChecks> } | undefined;
  const edgeChecks = () => {
    if (!recent || Date.now() - recent.at > 1_000) recent = { at: Date.now(), results: runChecks() };
    return recent.results;
  };
  app.get('/readyz', { logLevel: 'warn' }, async (request, reply) => {
    const results = await (maySeeDetails ? edgeChecks() : runChecks());
    const status = Object.fromEntries(results);
    const failing = results.filter(([, result]) => result !== 'ok');
    if (maySeeDetails && !maySeeDetails(request)) {
      if (failing.length === 0) return { status: 'ready' };
      return sendProblem(request, reply, {
        status: 503,
        type: 'not-ready',
        title: 'Not ready',
        detail: 'A dependency is not ready.',
      });
    }
    if (failing.length === 0) return { status: 'ready', checks: status };
    return sendProblem(request, reply, {
      status: 503,
      type: 'not-ready',
      title: 'Not ready',
      detail: failing.map(([name, reason]) => `${name}: ${reason}`).join('; '),
      checks: status,
    });
  });
}
