// Canvass keeps recent traces itself (no trace backend installs here): every process holds the
// spans it recorded in two bounded rings, and the gateway gathers a trace from every process.
// - kept: spans of sampled traces, and of traces this process chose to keep because a span failed
//   or its local root was slow (tail keeping: such traces are recorded but not sampled, so the
//   decision waits for the local root to end);
// - recent: every other recorded span, for a short while, so that a trace another process kept
//   (the gateway saw it slow) is still whole here when an operator opens it.
// Indexes find a trace by request id, by vote receipt (its hash: a receipt is a voter's secret) and
// by the batch traces that link to it (a vote's trace and the relay, consumer and fan-out batches
// that carried it).
import { type Context, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

export interface StoredSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: 'internal' | 'server' | 'client' | 'producer' | 'consumer';
  service: string;
  /** Epoch milliseconds (fractional). */
  start: number;
  durationMs: number;
  status: 'unset' | 'ok' | 'error';
  statusMessage?: string;
  attributes: Record<string, unknown>;
  events: { name: string; at: number; attributes: Record<string, unknown> }[];
  links: { traceId: string; spanId: string }[];
}

export type KeepReason = 'sampled' | 'error' | 'slow';

export interface TraceSummary {
  traceId: string;
  reason: KeepReason;
  name: string;
  service: string;
  start: number;
  durationMs: number;
  error: boolean;
  spans: number;
}

export interface TraceStoreOptions {
  /** The service name spans get when they carry no `canvass.service` attribute. */
  service: string;
  /** Spans kept (sampled, failed or slow traces). */
  keptSpans?: number;
  /** Other recorded spans, kept a short while. */
  recentSpans?: number;
  /** A local root at least this slow keeps its trace (tail keeping). */
  slowMs?: number;
  /** Keep traces with a failed span or a slow root even when they were not sampled. */
  keepErrorsAndSlow?: boolean;
}

const KINDS: StoredSpan['kind'][] = ['internal', 'server', 'client', 'producer', 'consumer'];

export const hrToMs = ([seconds, nanos]: [number, number]) => seconds * 1_000 + nanos / 1e6;

/**
 * What the store holds of an ended span: one small object that refers to the span's attributes,
 * links and events, not the SDK's span. A span is held for seconds, long enough to outlive the
 * young generation, so everything it keeps alive is copied and then marked by the garbage
 * collector's old generation, on its background threads, which a CPU profile of the main thread
 * does not show. The SDK's span keeps about ten objects alive (its contexts, three time arrays,
 * status, …); this keeps two for a request. Recording the spans of unsampled traces (to keep
 * failed and slow ones) was measured at 0.78× of tracing off's throughput against 0.94× without
 * (docs/performance.md). Converted to a StoredSpan only when read.
 */
export interface Held {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  /** Whether the span is the first of its trace in this process (no parent here). */
  readonly localRoot: boolean;
  readonly name: string;
  readonly kind: number;
  /** Epoch milliseconds. */
  readonly start: number;
  readonly durationMs: number;
  readonly statusCode: SpanStatusCode;
  readonly statusMessage: string | undefined;
  readonly attributes: ReadableSpan['attributes'];
  readonly links: ReadableSpan['links'];
  readonly events: ReadableSpan['events'];
}

function held(span: ReadableSpan): Held {
  const context = span.spanContext();
  const parent = span.parentSpanContext;
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: parent?.spanId,
    localRoot: !parent || parent.isRemote === true,
    name: span.name,
    kind: span.kind,
    start: hrToMs(span.startTime),
    durationMs: hrToMs(span.duration),
    statusCode: span.status.code,
    statusMessage: span.status.message,
    attributes: span.attributes,
    links: span.links,
    events: span.events,
  };
}

/**
 * A bounded map of trace id → spans; the oldest traces go first when it is full. The ring keeps
 * its own queue of traces in the order they came: a Map's first key is not cheap to find once many
 * have been deleted (V8 walks past every deleted entry until the table is next rebuilt), which made
 * every span held by a full ring cost about 14 µs (5% of polls' and of the gateway's CPU under load).
 */
class Ring {
  readonly traces = new Map<string, Held[]>();
  /** Trace id, then its spans array, per trace in the order they came (from `#head` on). */
  #order: (string | Held[])[] = [];
  #head = 0;
  #count = 0;
  readonly capacity: number;
  /** Called for a trace that ages out (not for one taken out to move it elsewhere). */
  readonly onEvict: (traceId: string) => void;
  constructor(capacity: number, onEvict: (traceId: string) => void = () => {}) {
    this.capacity = capacity;
    this.onEvict = onEvict;
  }

  add(traceId: string, span: Held): void {
    let spans = this.traces.get(traceId);
    if (!spans) {
      spans = [];
      this.traces.set(traceId, spans);
      this.#order.push(traceId, spans);
    }
    spans.push(span);
    this.#count++;
    while (this.#count > this.capacity && this.#head < this.#order.length) {
      const oldest = this.#order[this.#head] as string;
      const oldestSpans = this.#order[this.#head + 1] as Held[];
      this.#head += 2;
      // A trace taken out meanwhile (and perhaps begun again since, with a new array) is skipped.
      if (this.traces.get(oldest) !== oldestSpans) continue;
      this.take(oldest);
      this.onEvict(oldest);
    }
    // Entries of traces taken out (promoted ones leave the recent ring well before it is full)
    // and those behind the head: rebuilt from the map, in its (arrival) order, once they are
    // as many as the live ones.
    if (this.#order.length > 4 * this.traces.size + 8_192) {
      this.#order = [];
      this.#head = 0;
      for (const [id, live] of this.traces) this.#order.push(id, live);
    }
  }

  /**
   * Takes a trace out: aged out, or moved elsewhere. Its array is emptied, since the queue still
   * refers to it until the queue passes it or is rebuilt.
   */
  take(traceId: string): Held[] {
    const spans = this.traces.get(traceId);
    if (!spans) return [];
    this.traces.delete(traceId);
    this.#count -= spans.length;
    return spans.splice(0);
  }

  get size(): number {
    return this.#count;
  }
}

export class TraceStore implements SpanProcessor {
  readonly #options: Required<TraceStoreOptions>;
  readonly #kept: Ring;
  readonly #recent: Ring;
  /** Why each kept trace is kept, with its first local root. */
  readonly #summaries = new Map<string, TraceSummary>();
  /** Traces promoted to kept: their later spans go straight there. */
  readonly #promoted = new Set<string>();

  constructor(options: TraceStoreOptions) {
    this.#options = {
      keptSpans: 20_000,
      recentSpans: 20_000,
      slowMs: 1_000,
      keepErrorsAndSlow: true,
      ...options,
    };
    this.#kept = new Ring(this.#options.keptSpans, (traceId) => {
      this.#summaries.delete(traceId);
      this.#promoted.delete(traceId);
    });
    this.#recent = new Ring(this.#options.recentSpans);
  }

  get slowMs(): number {
    return this.#options.slowMs;
  }

  onStart(_span: Span, _context: Context): void {}

  onEnd(ended: ReadableSpan): void {
    this.hold(held(ended), (ended.spanContext().traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED);
  }

  /** An ended span, from the SDK (onEnd) or built without it (an unsampled request's, request-span.ts). */
  hold(span: Held, sampled: boolean): void {
    const traceId = span.traceId;
    const failed = span.statusCode === SpanStatusCode.ERROR;
    if (sampled || this.#promoted.has(traceId)) {
      this.#kept.add(traceId, span);
      if (span.localRoot) {
        // The root names the trace in the list, whichever span had it kept.
        const known = this.#summaries.get(traceId);
        const reason = known?.reason ?? (sampled ? 'sampled' : 'error');
        const error = (known?.error ?? false) || failed;
        this.#summaries.set(traceId, { ...this.#summary(span, reason), error });
      }
      return;
    }
    if (!this.#options.keepErrorsAndSlow) return;
    this.#recent.add(traceId, span);
    const slow = span.localRoot && span.durationMs >= this.#options.slowMs;
    if (failed || slow) this.#promote(traceId, span, failed ? 'error' : 'slow');
  }

  #promote(traceId: string, span: Held, reason: KeepReason): void {
    this.#promoted.add(traceId);
    for (const moved of this.#recent.take(traceId)) this.#kept.add(traceId, moved);
    const known = this.#summaries.get(traceId);
    if (!known || (known.reason === 'slow' && reason === 'error'))
      this.#summaries.set(traceId, this.#summary(span, reason));
  }

  #summary(span: Held, reason: KeepReason): TraceSummary {
    return {
      traceId: span.traceId,
      reason,
      name: span.name,
      service: this.#service(span),
      start: span.start,
      durationMs: span.durationMs,
      error: span.statusCode === SpanStatusCode.ERROR,
      spans: 0,
    };
  }

  /**
   * Every held span, newest first. Lookups (an operator's, now and then) walk the rings: indexes
   * kept up to date for them cost every span a few map updates, and every batch span one per
   * request it carried, on the hot path of every process.
   */
  *#newestFirst(): Generator<Held> {
    for (const ring of [this.#recent, this.#kept]) {
      const traces = [...ring.traces.values()];
      for (let t = traces.length - 1; t >= 0; t--) {
        const spans = traces[t]!;
        for (let i = spans.length - 1; i >= 0; i--) yield spans[i]!;
      }
    }
  }

  #service(span: Held): string {
    const service = span.attributes['canvass.service'];
    return typeof service === 'string' ? service : this.#options.service;
  }

  #toStored(span: Held): StoredSpan {
    const stored: StoredSpan = {
      traceId: span.traceId,
      spanId: span.spanId,
      parentSpanId: span.parentSpanId ?? null,
      name: span.name,
      kind: KINDS[span.kind] ?? 'internal',
      service: this.#service(span),
      start: span.start,
      durationMs: span.durationMs,
      status:
        span.statusCode === SpanStatusCode.ERROR
          ? 'error'
          : span.statusCode === SpanStatusCode.OK
            ? 'ok'
            : 'unset',
      attributes: { ...span.attributes },
      events: span.events.map((event) => ({
        name: event.name,
        at: hrToMs(event.time),
        attributes: { ...(event.attributes ?? {}) },
      })),
      links: span.links.map((link) => ({
        traceId: link.context.traceId,
        spanId: link.context.spanId,
      })),
    };
    if (span.statusMessage) stored.statusMessage = span.statusMessage;
    return stored;
  }

  /** Every span this process holds of a trace, and the traces that link to it. */
  trace(traceId: string): { spans: StoredSpan[]; linkedBy: string[] } {
    return {
      spans: [...(this.#kept.traces.get(traceId) ?? []), ...(this.#recent.traces.get(traceId) ?? [])].map(
        (span) => this.#toStored(span),
      ),
      linkedBy: this.#linking(traceId),
    };
  }

  /** The traces whose spans link to `traceId` (batches that carried it). */
  #linking(traceId: string): string[] {
    const found = new Set<string>();
    for (const span of this.#newestFirst())
      if (span.traceId !== traceId && span.links.some((link) => link.context.traceId === traceId))
        found.add(span.traceId);
    return [...found];
  }

  /** The trace of the newest span held with this request id or vote receipt hash. */
  find(query: { requestId?: string; receiptHash?: string }): string | undefined {
    const [attribute, value] =
      query.requestId !== undefined
        ? ['canvass.request_id', query.requestId]
        : query.receiptHash !== undefined
          ? ['canvass.vote.receipt_hash', query.receiptHash]
          : [];
    if (!attribute) return undefined;
    for (const span of this.#newestFirst()) if (span.attributes[attribute] === value) return span.traceId;
    return undefined;
  }

  /** Kept traces, newest first: failed, slow or sampled. */
  recentTraces(options: { reason?: KeepReason; limit?: number } = {}): TraceSummary[] {
    const limit = options.limit ?? 50;
    const found: TraceSummary[] = [];
    for (const summary of [...this.#summaries.values()].reverse()) {
      if (options.reason && summary.reason !== options.reason) continue;
      found.push({ ...summary, spans: this.#kept.traces.get(summary.traceId)?.length ?? 0 });
      if (found.length >= limit) break;
    }
    return found;
  }

  stats(): { keptSpans: number; recentSpans: number; keptTraces: number } {
    return { keptSpans: this.#kept.size, recentSpans: this.#recent.size, keptTraces: this.#kept.traces.size };
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
