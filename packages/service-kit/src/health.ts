// /healthz: the process is alive. /readyz: every dependency answers (database reachable and
// migrated, broker connected); 503 problem+json naming what is not ready otherwise.
import type { FastifyInstance } from 'fastify';
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

export function installHealth(app: FastifyInstance, checks: readonly ReadinessCheck[]): void {
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'alive' }));
  app.get('/readyz', { logLevel: 'warn' }, async (request, reply) => {
    const results = await Promise.all(
      checks.map(async (check) => [check.name, await runCheck(check)] as const),
    );
    const status = Object.fromEntries(results);
    const failing = results.filter(([, result]) => result !== 'ok');
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
