// Sends each event to the endpoints that want it, signed, and tries a failed delivery again on a
// short schedule. First attempts go out one event at a time, in the order events happened, so
// the `out_of_order` fault is the only thing that reorders them (Stripe itself promises no
// order: receivers must not rely on one). Retries go out on their own schedule. Every attempt is
// logged, and so is an event a fault dropped.
import type { Logger } from '@canvass/service-kit';
import type { FaultQueue, WebhookFault } from '../faults.ts';
import type { StripeEvent } from '../objects.ts';
import { createTaskTracker } from '../tasks.ts';
import type { EndpointRecord, EndpointRegistry } from './endpoints.ts';
import { signatureHeader } from './signing.ts';

export interface DeliveryAttempt {
  eventId: string;
  eventType: string;
  endpointId: string;
  url: string;
  /** 1 for the first attempt; 0 for an event a `drop` fault kept from being sent. */
  attempt: number;
  at: string;
  statusCode: number | null;
  ok: boolean;
  error: string | null;
  fault: WebhookFault['fault'] | null;
}

export interface DispatcherOptions {
  endpoints: EndpointRegistry;
  faults: FaultQueue;
  logger: Logger;
  /** Waits before each retry of a failed delivery (ms). */
  retryDelaysMs: readonly number[];
  /** How long one attempt may take before it counts as failed (ms). */
  timeoutMs: number;
  /** How long an `out_of_order` event waits for a next one before it goes out anyway (ms). */
  outOfOrderHoldMs: number;
}

interface Held {
  event: StripeEvent;
  targets: EndpointRecord[];
  born: number;
  release: () => void;
}

export function createDispatcher(options: DispatcherOptions) {
  const tasks = createTaskTracker((error) => options.logger.error({ err: error }, 'webhook delivery failed'));
  const log: DeliveryAttempt[] = [];
  /** Bumped by a reset: attempts of an earlier generation log nothing and retry no more. */
  let generation = 0;
  let held: Held[] = [];
  let chain: Promise<void> = Promise.resolve();

  async function attempt(
    event: StripeEvent,
    target: EndpointRecord,
    n: number,
    fault: WebhookFault['fault'] | null,
    born: number,
  ): Promise<void> {
    if (born !== generation) return;
    const payload = JSON.stringify(event, null, 2);
    const entry: DeliveryAttempt = {
      eventId: event.id,
      eventType: event.type,
      endpointId: target.endpoint.id,
      url: target.endpoint.url,
      attempt: n,
      at: new Date().toISOString(),
      statusCode: null,
      ok: false,
      error: null,
      fault,
    };
    try {
      const response = await fetch(target.endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'stripe-signature': signatureHeader(payload, target.secret),
        },
        body: payload,
        redirect: 'manual',
        signal: AbortSignal.any([tasks.signal, AbortSignal.timeout(options.timeoutMs)]),
      });
      await response.body?.cancel();
      entry.statusCode = response.status;
      entry.ok = response.status >= 200 && response.status < 300;
      if (!entry.ok) entry.error = `HTTP ${response.status}`;
    } catch (error) {
      const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
      entry.error = `${error instanceof Error ? error.message : String(error)}${cause?.code ? ` (${cause.code})` : ''}`;
    }
    if (born !== generation) return;
    log.push(entry);
    const delay = options.retryDelaysMs[n - 1];
    if (entry.ok || delay === undefined) {
      if (!entry.ok) options.logger.warn({ event: event.id, url: entry.url }, 'webhook delivery gave up');
      return;
    }
    tasks.later(delay, () => attempt(event, target, n + 1, fault, born));
  }

  const sendAll = (
    event: StripeEvent,
    targets: EndpointRecord[],
    fault: WebhookFault['fault'] | null,
    born: number,
  ) => Promise.all(targets.map((target) => attempt(event, target, 1, fault, born)));

  function enqueue(work: () => Promise<unknown>): void {
    chain = chain.then(work).then(
      () => undefined,
      (error: unknown) => options.logger.error({ err: error }, 'webhook dispatch failed'),
    );
    tasks.track(chain);
  }

  function releaseHeld(): Held[] {
    const released = held;
    held = [];
    for (const item of released) item.release();
    return released;
  }

  return {
    dispatch(event: StripeEvent): void {
      const targets = options.endpoints.matching(event.type);
      if (targets.length === 0) return;
      const born = generation;
      const fault = options.faults.takeWebhookFault(event.type)?.fault ?? null;
      if (fault === 'drop') {
        for (const target of targets)
          log.push({
            eventId: event.id,
            eventType: event.type,
            endpointId: target.endpoint.id,
            url: target.endpoint.url,
            attempt: 0,
            at: new Date().toISOString(),
            statusCode: null,
            ok: false,
            error: 'dropped by a fault',
            fault,
          });
        return;
      }
      if (fault === 'out_of_order') {
        // Goes out after the next event's first attempts, or alone once the hold runs out.
        const release = tasks.later(options.outOfOrderHoldMs, () => {
          held = held.filter((item) => item.event !== event);
          enqueue(() => sendAll(event, targets, fault, born));
        });
        held.push({ event, targets, born, release });
        return;
      }
      enqueue(async () => {
        await sendAll(event, targets, null, born);
        if (fault === 'duplicate') await sendAll(event, targets, fault, born);
        for (const late of releaseHeld()) await sendAll(late.event, late.targets, 'out_of_order', late.born);
      });
    },
    deliveries: (): DeliveryAttempt[] => log.map((entry) => ({ ...entry })),
    /** Resolves once nothing is waiting: no attempt in flight, no retry or held event pending. */
    settle: () => tasks.settle(),
    /** Forgets the log and cancels every pending retry and held event. */
    reset() {
      generation += 1;
      held = [];
      log.length = 0;
      tasks.cancelAll();
    },
    close() {
      held = [];
      tasks.close();
    },
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
