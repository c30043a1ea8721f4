// The vote hop in batches (service-kit batch.ts says why, and how a service answers one): the
// POSTs to a batched route that the gateway reads together go to the service as one request,
// through the same resilience policies as any request. When the route is quiet (its request before
// came `gatherMs` ago or more), nothing waits: a turn's requests go at the end of that turn, and a
// request alone in its turn goes as it is. While requests keep coming, a batch gathers for
// `gatherMs` (default 3 ms) from its first request, or until it is full: below saturation each
// turn reads about one vote, and a batch of one costs a whole request, a write with its commit, a
// relay run and more, so at 1,000 votes/s a vote cost 2.7 times its CPU at saturation; gathering
// 3 ms took a tenth to a fifth of that away (docs/performance.md, twelfth pass). The service
// answers each request, or says to send it alone (a body or a part its route must refuse
// itself): those go by themselves right after.
//
// What a client cannot tell apart from a request sent alone: the answer, and a failure of the
// whole batch (a 5xx, a timeout, a lost connection), which fails each of its requests with the
// gateway's own problem document for that request; none is sent again, since the service may
// have handled it. What it can: a batch is answered when its slowest request is, so one slow
// vote delays the others of its batch (all of them go through the same write batch in polls
// anyway), and the 10 s timeout is the batch's.
//
// A service that refuses the batch itself (a 4xx: 404 from a release without the route during a
// rolling upgrade, 403 from a peer check) handled none of it: every request goes alone, and the
// gateway sends no batch to that service for a minute.
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import {
  BATCH_MAX_BODY_BYTES,
  BATCH_MAX_REQUESTS,
  BATCH_ROUTE,
  BATCHABLE_CONTENT_TYPE,
  type BatchBody,
  HttpProblem,
} from '@canvass/service-kit';
import { Counter, type Registry } from 'prom-client';
import { bodyBuffer, type ForwardRequest, type ForwardResponse, type Upstream } from './upstream.ts';

interface Waiting {
  request: ForwardRequest;
  resolve(response: ForwardResponse): void;
  reject(error: unknown): void;
}

export interface BatchingOptions {
  /** How long after the service refused a batch to send every request alone (default a minute). */
  pauseMs?: number;
  /** Where the batch counters go (canvass_gateway_batches_total and the others below). */
  metrics?: Registry;
  /**
   * The service's instance count and what a request's URL is about (a poll's id): a turn's
   * requests go in one batch per instance, each request to the instance its key falls to, so one
   * replica takes all of a poll's votes while it is up (and the next one when it is not).
   */
  affinity?: { instances: number; keyOf(url: string): string | undefined };
  /** How long a batch gathers while requests keep coming (default DEFAULT_GATHER_MS; 0: one turn). */
  gatherMs?: number;
  /** Requests keep coming while each comes less than this long after the one before (default gatherMs). */
  busyGapMs?: number;
}

export const DEFAULT_GATHER_MS = 3;

/** What a public API path is about: the id after its collection (`/api/v1/polls/{id}/votes`: the poll). */
export function resourceOf(url: string): string | undefined {
  const match = /^\/api\/v1\/[a-z-]+\/([^/?#]+)/.exec(url);
  return match?.[1];
}

/** FNV-1a over a key's UTF-16 units: a stable, even spread of keys over instances. */
export function affinityOf(key: string, instances: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % instances;
}

const MAX_URL_LENGTH = 16_384;

const badAnswer = (name: string, cause?: unknown) =>
  new HttpProblem(
    502,
    'upstream-bad-answer',
    'The service answered something unreadable',
    `The ${name} service's answer could not be read.`,
    {},
    cause === undefined ? undefined : { cause },
  );

/** The whole batch's failure, as each of its requests' own problem (its URL, its request id). */
function batchFailure(name: string, status: number, body: Buffer): HttpProblem {
  let said: Record<string, unknown> = {};
  try {
    said = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {}
  const text = (key: string) => (typeof said[key] === 'string' ? (said[key] as string) : undefined);
  return new HttpProblem(
    status,
    text('type')?.replace(/^\/problems\//, '') ?? 'upstream-failed',
    text('title') ?? 'The service failed',
    text('detail') ?? `The ${name} service answered ${status}.`,
    typeof said.retryAfter === 'number' ? { retryAfter: said.retryAfter } : {},
  );
}

/** Whether a request can travel in a batch at all: what the service would send back alone stays out. */
function batchable(request: ForwardRequest): boolean {
  const { body, headers } = request;
  const type = headers['content-type'];
  return (
    request.method === 'POST' &&
    request.waitMs === undefined &&
    body !== undefined &&
    body.length > 0 &&
    body.length <= BATCH_MAX_BODY_BYTES &&
    request.url.length <= MAX_URL_LENGTH &&
    !request.url.includes('?') &&
    typeof type === 'string' &&
    BATCHABLE_CONTENT_TYPE.test(type) &&
    isUtf8(body)
  );
}

function isAnswer(
  value: unknown,
): value is { status: number; headers: Record<string, string>; body: string } {
  const answer = value as { status?: unknown; headers?: unknown; body?: unknown } | null;
  return (
    typeof answer === 'object' &&
    answer !== null &&
    Number.isInteger(answer.status) &&
    (answer.status as number) >= 100 &&
    (answer.status as number) <= 599 &&
    typeof answer.headers === 'object' &&
    answer.headers !== null &&
    typeof answer.body === 'string'
  );
}

/** `upstream`, with the POSTs `forward` is given sent in batches where they can be. */
export function batchingUpstream(upstream: Upstream, options: BatchingOptions = {}): Upstream {
  const pauseMs = options.pauseMs ?? 60_000;
  const registers = options.metrics ? [options.metrics] : [];
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    (options.metrics?.getSingleMetric(name) as Counter | undefined) ??
    new Counter({ name, help, labelNames: ['service', ...labelNames], registers });
  const batches = counter('canvass_gateway_batches_total', 'Batches a service answered');
  const carried = counter('canvass_gateway_batched_requests_total', 'Requests those batches carried');
  const alone = counter(
    'canvass_gateway_batch_alone_total',
    'Batched requests sent again alone: the service said to (`alone`), or refused the batch (`refused`)',
    ['reason'],
  );
  let queue: Waiting[] = [];
  let pausedUntil = 0;
  const gatherMs = options.gatherMs ?? DEFAULT_GATHER_MS;
  const busyGapMs = options.busyGapMs ?? gatherMs;
  /** When the request before came, in performance.now() time. */
  let cameAt = Number.NEGATIVE_INFINITY;
  /** The timer of a batch gathering. */
  let gathering: NodeJS.Timeout | undefined;

  const send = (waiting: Waiting) => upstream.forward(waiting.request).then(waiting.resolve, waiting.reject);
  const sendAlone = (waiting: Waiting, reason: 'alone' | 'refused') => {
    alone.inc({ service: upstream.name, reason });
    send(waiting);
  };

  /** The instance a request goes to, now marked on it (undefined: no affinity, instances take turns). */
  function instanceOf(request: ForwardRequest): number | undefined {
    const affinity = options.affinity;
    if (!affinity || affinity.instances < 2) return undefined;
    const key = affinity.keyOf(request.url);
    if (key === undefined) return undefined;
    request.affinity = affinityOf(key, affinity.instances);
    return request.affinity;
  }

  /** A turn's requests by the instance they go to (one group when there is no affinity). */
  function byInstance(due: Waiting[]): { affinity: number | undefined; due: Waiting[] }[] {
    if (!options.affinity || options.affinity.instances < 2) return [{ affinity: undefined, due }];
    const groups = new Map<number | undefined, Waiting[]>();
    for (const waiting of due) {
      const instance = instanceOf(waiting.request);
      const group = groups.get(instance);
      if (group) group.push(waiting);
      else groups.set(instance, [waiting]);
    }
    return Array.from(groups, ([instance, waiting]) => ({ affinity: instance, due: waiting }));
  }

  function flush() {
    clearTimeout(gathering);
    gathering = undefined;
    const turn = queue;
    queue = [];
    for (const { affinity, due } of byInstance(turn))
      for (let at = 0; at < due.length; at += BATCH_MAX_REQUESTS) {
        const group = due.slice(at, at + BATCH_MAX_REQUESTS);
        if (group.length === 1 || Date.now() < pausedUntil) group.forEach(send);
        else
          void sendBatch(group, affinity).catch((error: unknown) => {
            // A bug here must not leave voters waiting (or stop the process): whoever is not
            // answered yet gets a 502 (settling a promise twice does nothing).
            for (const waiting of group) waiting.reject(badAnswer(upstream.name, error));
          });
      }
  }

  async function sendBatch(group: Waiting[], affinity: number | undefined) {
    const envelope: BatchBody = {
      requests: group.map(({ request }) => ({
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: request.body!.toString('utf8'),
      })),
    };
    let response: ForwardResponse;
    try {
      response = await upstream.forward({
        method: 'POST',
        url: BATCH_ROUTE,
        headers: { 'content-type': 'application/json', 'x-request-id': `batch-${randomUUID()}` },
        body: Buffer.from(JSON.stringify(envelope)),
        ...(affinity === undefined ? {} : { affinity }),
      });
    } catch (error) {
      // Failed after the policy's retries: each request fails as it would have alone.
      for (const waiting of group) waiting.reject(error);
      return;
    }
    let body: Buffer;
    try {
      body = await bodyBuffer(response.body);
    } catch (error) {
      for (const waiting of group) waiting.reject(badAnswer(upstream.name, error));
      return;
    }
    if (response.status >= 500) {
      const failure = batchFailure(upstream.name, response.status, body);
      for (const waiting of group) waiting.reject(failure);
      return;
    }
    if (response.status !== 200) {
      // Refused as a batch, so nothing in it was handled: each goes alone.
      pausedUntil = Date.now() + pauseMs;
      for (const waiting of group) sendAlone(waiting, 'refused');
      return;
    }
    let answers: unknown;
    try {
      answers = (JSON.parse(body.toString('utf8')) as { answers?: unknown }).answers;
    } catch (error) {
      for (const waiting of group) waiting.reject(badAnswer(upstream.name, error));
      return;
    }
    if (!Array.isArray(answers) || answers.length !== group.length) {
      for (const waiting of group) waiting.reject(badAnswer(upstream.name));
      return;
    }
    batches.inc({ service: upstream.name });
    carried.inc({ service: upstream.name }, group.length);
    for (let i = 0; i < group.length; i++) {
      const answer: unknown = answers[i];
      const waiting = group[i]!;
      if ((answer as { alone?: unknown } | null)?.alone === true) sendAlone(waiting, 'alone');
      else if (isAnswer(answer))
        waiting.resolve({
          status: answer.status,
          headers: answer.headers,
          body: Buffer.from(answer.body, 'utf8'),
        });
      else waiting.reject(badAnswer(upstream.name));
    }
  }

  return {
    name: upstream.name,
    forward(request) {
      if (!batchable(request)) {
        instanceOf(request);
        return upstream.forward(request);
      }
      return new Promise((resolve, reject) => {
        const now = performance.now();
        const busy = now - cameAt < busyGapMs;
        cameAt = now;
        queue.push({ request, resolve, reject });
        if (queue.length === 1) {
          // While batches are refused each request goes alone anyway: nothing to gather for.
          if (gatherMs > 0 && busy && Date.now() >= pausedUntil) gathering = setTimeout(flush, gatherMs);
          else setImmediate(flush);
        } else if (gathering && queue.length >= BATCH_MAX_REQUESTS) {
          // A full batch goes at the end of this turn (with whatever else the turn reads).
          clearTimeout(gathering);
          gathering = undefined;
          setImmediate(flush);
        }
      });
    },
  };
}
