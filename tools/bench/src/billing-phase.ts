// Upgrade sagas (issue 16): the embedded tier in this process (PGlite), the in-repo payment
// provider in this process too, its webhooks coming back over HTTP through the gateway as in
// `npm start`. The baseline, in the same run and against the same provider: the charge call
// alone (billing's own Stripe adapter, the official SDK), at the same concurrency.
//
// Sagas: `concurrency` workers each start an upgrade (POST /api/v1/billing/upgrade, injected into
// billing with a signed identity) and wait for it to end, again and again, each in a workspace of
// its own. Upgrade → active is from the request to the commit of the `activate` step (the
// orchestrator's onStep, called in that step's transaction as it commits); → done adds the receipt
// step. Sagas/s is completed sagas over the loop's wall time.
import { randomUUID } from 'node:crypto';
import { stripeProvider } from '@canvass/billing';
import { startEmbeddedPlatform } from '@canvass/launcher';
import { IDENTITY_HEADER, signIdentity } from '@canvass/service-kit';
import { freePort } from './processes.ts';
import { type Percentiles, percentiles } from './webhooks-runs.ts';

export interface BillingOptions {
  sagas: number;
  concurrency: number;
  /** Charge calls in the baseline. */
  calls: number;
}

export interface BillingResult {
  concurrency: number;
  providerAlone: { calls: number; perSecond: number; latency: Percentiles };
  sagas: {
    started: number;
    completed: number;
    perSecond: number;
    toActive: Percentiles;
    toDone: Percentiles;
    /** Steps recorded per saga (5 when nothing was retried). */
    stepsPerSaga: number;
  };
}

export const billingOptions = (quick: boolean): BillingOptions =>
  quick ? { sagas: 24, concurrency: 4, calls: 24 } : { sagas: 400, concurrency: 16, calls: 400 };

async function pool<T>(count: number, concurrency: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await work(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

export async function billingPhase(
  options: BillingOptions,
  progress: (text: string) => void,
): Promise<BillingResult> {
  const port = await freePort();
  /** When each saga's activate and receipt steps committed; `wake` is its worker waiting for the end. */
  const marks = new Map<string, { active?: number; done?: number; wake?: () => void }>();
  let steps = 0;
  const platform = await startEmbeddedPlatform({
    dataDir: 'memory://',
    logLevel: 'error',
    paymentWebhookUrl: `http://127.0.0.1:${port}/api/v1/billing/provider-webhook`,
    billing: {
      orchestrator: {
        onStep(saga, outcome) {
          steps++;
          if (outcome !== 'ok' || (saga.state !== 'activate' && saga.state !== 'receipt')) return;
          const mark = marks.get(saga.id) ?? {};
          marks.set(saga.id, mark);
          if (saga.state === 'activate') mark.active = performance.now();
          else {
            mark.done = performance.now();
            mark.wake?.();
          }
        },
      },
    },
  });
  try {
    await platform.gateway.listen({ port, host: '127.0.0.1' });
    const payments = platform.payments;
    if (!payments) throw new Error('billing phase: the in-repo payment provider is not running');
    const billing = platform.runtimes.find((runtime) => runtime.name === 'billing')?.app;
    if (!billing) throw new Error('billing phase: no billing service');

    progress(`  the charge call alone: ${options.calls} calls, ${options.concurrency} at a time`);
    const provider = stripeProvider({
      apiKey: 'sk_test_bench',
      apiBase: payments.url,
      webhookSecret: 'whsec_bench_unused',
    });
    const callStart = performance.now();
    const callTimes = await pool(options.calls, options.concurrency, async () => {
      const started = performance.now();
      const result = await provider.charge({
        amountCents: 2900,
        currency: 'usd',
        paymentMethod: 'pm_card_visa',
        description: 'Canvass Pro (bench)',
        idempotencyKey: `bench-${randomUUID()}`,
        metadata: { bench: 'provider-alone' },
        timeoutMs: 10_000,
      });
      if (result.outcome !== 'succeeded') throw new Error(`billing phase: a charge ${result.outcome}`);
      return performance.now() - started;
    });
    const callSeconds = (performance.now() - callStart) / 1000;
    await payments.control.settle();

    progress(`  upgrade sagas: ${options.sagas}, ${options.concurrency} at a time`);
    const db = platform.host.database('billing').kysely;
    const workspaces = Array.from({ length: options.sagas }, () => `bench-${randomUUID().slice(0, 12)}`);
    // Billing hears of workspaces from identity's events; here they are put in its table at once.
    await db
      .insertInto('workspaces' as never)
      .values(workspaces.map((id) => ({ workspace_id: id, name: 'Bench', owner_id: `owner-${id}` })) as never)
      .execute();
    const stepsBefore = steps;
    const loopStart = performance.now();
    const timings = await pool(options.sagas, options.concurrency, async (i) => {
      const workspace = workspaces[i]!;
      const identity = await signIdentity(platform.internalSecret, {
        subject: `owner-${workspace}`,
        kind: 'user',
        workspace,
        role: 'owner',
        scopes: ['polls:read', 'workspace:manage'],
      });
      const started = performance.now();
      const answer = await billing.inject({
        method: 'POST',
        url: '/api/v1/billing/upgrade',
        headers: { [IDENTITY_HEADER]: identity, 'content-type': 'application/json' },
        payload: JSON.stringify({ plan: 'pro', paymentMethod: 'pm_card_visa' }),
      });
      if (answer.statusCode !== 202)
        throw new Error(`billing phase: upgrade ${answer.statusCode} ${answer.body}`);
      const sagaId = (JSON.parse(answer.body) as { id: string }).id;
      const mark = marks.get(sagaId) ?? {};
      marks.set(sagaId, mark);
      if (mark.done === undefined)
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`billing phase: saga ${sagaId} took over 60 s`)),
            60_000,
          );
          mark.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      const done = mark.done ?? started;
      marks.delete(sagaId);
      return { toActive: (mark.active ?? done) - started, toDone: done - started };
    });
    const loopSeconds = (performance.now() - loopStart) / 1000;
    return {
      concurrency: options.concurrency,
      providerAlone: {
        calls: options.calls,
        perSecond: Math.round(options.calls / callSeconds),
        latency: percentiles(callTimes),
      },
      sagas: {
        started: options.sagas,
        completed: timings.length,
        perSecond: Math.round((timings.length / loopSeconds) * 10) / 10,
        toActive: percentiles(timings.map((timing) => timing.toActive)),
        toDone: percentiles(timings.map((timing) => timing.toDone)),
        stepsPerSaga: Math.round(((steps - stepsBefore) / options.sagas) * 100) / 100,
      },
    };
  } finally {
    await platform.stop();
  }
}
