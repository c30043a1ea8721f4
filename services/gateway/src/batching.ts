// The vote hop in batches (service-kit batch.ts says why, and how a service answers one): the
// POSTs to a batched route that one turn of the gateway's event loop reads go to the service as
// one request, through the same resilience policies as any request. Nothing waits for a batch to
// fill: a turn's requests go at the end of that turn, and a request alone in its turn goes as it
// is. The service answers each request, or says to send it alone (a body or a part its route
// must refuse itself): those go by themselves right after. A service that does not serve batches
// (404: an older release during a rolling upgrade) gets every request alone, and the gateway
// tries batches again a minute later.
import { isUtf8 } from 'node:buffer';
import {
  BATCH_MAX_BODY_BYTES,
  BATCH_MAX_REQUESTS,
  BATCH_ROUTE,
  type BatchBody,
  type BatchedAnswer,
  HttpProblem,
} from '@canvass/service-kit';
import { bodyBuffer, type ForwardRequest, type ForwardResponse, type Upstream } from './upstream.ts';

interface Waiting {
  request: ForwardRequest;
  resolve(response: ForwardResponse): void;
  reject(error: unknown): void;
}

export interface BatchingOptions {
  /** How long after a 404 to the batch route requests go alone (default a minute). */
  unsupportedForMs?: number;
  /** Counts batches and the requests they carried (metrics, tests). */
  onBatch?: (requests: number) => void;
}

const badAnswer = (name: string, cause?: unknown) =>
  new HttpProblem(
    502,
    'upstream-bad-answer',
    'The service answered something unreadable',
    `The ${name} service's answer to a batch could not be read.`,
    { retryAfter: 1 },
    cause === undefined ? undefined : { cause },
  );

/** `upstream`, with the POSTs `forward` is given sent in batches where they can be. */
export function batchingUpstream(upstream: Upstream, options: BatchingOptions = {}): Upstream {
  const unsupportedForMs = options.unsupportedForMs ?? 60_000;
  let queue: Waiting[] = [];
  let unsupportedUntil = 0;

  const alone = (waiting: Waiting) => upstream.forward(waiting.request).then(waiting.resolve, waiting.reject);

  function flush() {
    const due = queue;
    queue = [];
    for (let at = 0; at < due.length; at += BATCH_MAX_REQUESTS) {
      const group = due.slice(at, at + BATCH_MAX_REQUESTS);
      if (group.length === 1 || Date.now() < unsupportedUntil) group.forEach(alone);
      else void send(group);
    }
  }

  async function send(group: Waiting[]) {
    const envelope: BatchBody = {
      requests: group.map(({ request }) => ({
        method: request.method,
        url: request.url,
        headers: request.headers,
        ...(request.body ? { body: request.body.toString('utf8') } : {}),
      })),
    };
    let response: ForwardResponse;
    let body: Buffer;
    try {
      response = await upstream.forward({
        method: 'POST',
        url: BATCH_ROUTE,
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify(envelope)),
      });
      body = await bodyBuffer(response.body);
    } catch (error) {
      // Failed after the policy's retries: each request fails as it would have alone.
      for (const waiting of group) waiting.reject(error);
      return;
    }
    if (response.status !== 200) {
      if (response.status >= 500) {
        // What the service (or the policy) said about the whole batch is each request's answer.
        for (const waiting of group)
          waiting.resolve({ status: response.status, headers: response.headers, body });
        return;
      }
      // Refused as a batch, so nothing in it was handled: each goes alone.
      if (response.status === 404) unsupportedUntil = Date.now() + unsupportedForMs;
      group.forEach(alone);
      return;
    }
    options.onBatch?.(group.length);
    let answers: BatchedAnswer[] | undefined;
    try {
      answers = (JSON.parse(body.toString('utf8')) as { answers?: BatchedAnswer[] }).answers;
    } catch (error) {
      for (const waiting of group) waiting.reject(badAnswer(upstream.name, error));
      return;
    }
    if (!Array.isArray(answers) || answers.length !== group.length) {
      for (const waiting of group) waiting.reject(badAnswer(upstream.name));
      return;
    }
    for (let i = 0; i < group.length; i++) {
      const answer = answers[i]!;
      const waiting = group[i]!;
      if ('alone' in answer) alone(waiting);
      else
        waiting.resolve({
          status: answer.status,
          headers: answer.headers,
          body: Buffer.from(answer.body, 'utf8'),
        });
    }
  }

  return {
    name: upstream.name,
    forward(request) {
      const body = request.body;
      if (
        request.method !== 'POST' ||
        request.waitMs !== undefined ||
        (body !== undefined && (body.length > BATCH_MAX_BODY_BYTES || !isUtf8(body)))
      )
        return upstream.forward(request);
      return new Promise((resolve, reject) => {
        if (queue.length === 0) setImmediate(flush);
        queue.push({ request, resolve, reject });
      });
    },
  };
}
