// Trace context for code that is not a request: events carry a W3C `traceparent` from the span
// that wrote them (stored with the event, sent in NATS headers), and the batch spans that carry
// many events (vote writer, relay, consumers, results publisher, fan-out) start traces of their
// own that link to the events' spans, so no vote's trace grows into a giant one. Everything here
// uses the API only: without the SDK (tracing off) it costs a lookup and does nothing.
import {
  type Attributes,
  type Context,
  context,
  isSpanContextValid,
  type Link,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
} from '@opentelemetry/api';

export const tracer = trace.getTracer('canvass');

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
/** Links per batch span: the SDK keeps 128 by default; sampled events go first. */
const MAX_LINKS = 128;

export function formatTraceparent(spanContext: SpanContext): string {
  const flags = spanContext.traceFlags & TraceFlags.SAMPLED ? '01' : '00';
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/** The active span's context as a `traceparent`, or undefined outside any recorded span. */
export function activeTraceparent(): string | undefined {
  const spanContext = trace.getSpan(context.active())?.spanContext();
  return spanContext && isSpanContextValid(spanContext) ? formatTraceparent(spanContext) : undefined;
}

/**
 * Headers that carry the active span's context on an internal HTTP call. Canvass sets them itself
 * rather than instrumenting undici: a client span per call costs more than it tells (the called
 * service's request span is the child, with the time on both sides).
 */
export function traceHeaders(): { traceparent?: string } {
  const traceparent = activeTraceparent();
  return traceparent ? { traceparent } : {};
}

const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/** One per event on every batch: a test and slices, no capture groups. */
export function parseTraceparent(value: unknown): SpanContext | undefined {
  if (typeof value !== 'string' || value.length !== 55 || !TRACEPARENT.test(value)) return undefined;
  const traceId = value.slice(3, 35);
  const spanId = value.slice(36, 52);
  if (traceId === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) return undefined;
  return {
    traceId,
    spanId,
    traceFlags: Number.parseInt(value.slice(53, 55), 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
}

/** A context whose parent is the span a `traceparent` names (root context when it names none). */
export function contextFrom(traceparent: unknown): Context {
  const spanContext = parseTraceparent(traceparent);
  return spanContext ? trace.setSpanContext(ROOT_CONTEXT, spanContext) : ROOT_CONTEXT;
}

/** Links to the spans that wrote these events: sampled ones first, at most MAX_LINKS. */
export function linksTo(traceparents: Iterable<unknown>): Link[] {
  const sampled: Link[] = [];
  const others: Link[] = [];
  const seen = new Set<string>();
  for (const value of traceparents) {
    const spanContext = parseTraceparent(value);
    if (!spanContext || seen.has(spanContext.spanId)) continue;
    seen.add(spanContext.spanId);
    (spanContext.traceFlags & TraceFlags.SAMPLED ? sampled : others).push({ context: spanContext });
    if (sampled.length >= MAX_LINKS) break;
  }
  return [...sampled, ...others].slice(0, MAX_LINKS);
}

function fail(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

export interface SpanOptions {
  attributes?: Attributes;
  kind?: SpanKind;
  /** Start a trace of its own (a batch): never a child of whatever is active. */
  root?: boolean;
  links?: Link[];
  /** The parent, when it is not the active context (a consumer restoring an event's context). */
  parent?: Context;
}

/** Runs `work` in a new active span; a throw marks the span failed (and is thrown on). */
export async function inSpan<T>(
  name: string,
  options: SpanOptions,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.root ? ROOT_CONTEXT : (options.parent ?? context.active());
  const span = tracer.startSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.attributes ? { attributes: options.attributes } : {}),
      ...(options.links && options.links.length > 0 ? { links: options.links } : {}),
      ...(options.root ? { root: true } : {}),
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    fail(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/**
 * Runs `work` outside any trace: for work done on behalf of many requests at once (a turn's
 * batched Redis call), which would otherwise join the trace of whichever request scheduled it.
 */
export function untraced<T>(work: () => T): T {
  return context.with(ROOT_CONTEXT, work);
}

/** A span that has already happened or is ended by hand; not made active. */
export function startSpan(name: string, options: SpanOptions): Span {
  const parent = options.root ? ROOT_CONTEXT : (options.parent ?? context.active());
  return tracer.startSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.attributes ? { attributes: options.attributes } : {}),
      ...(options.links && options.links.length > 0 ? { links: options.links } : {}),
      ...(options.root ? { root: true } : {}),
    },
    parent,
  );
}

export function markFailed(span: Span, error: unknown, attributes?: Attributes): void {
  fail(span, error);
  if (attributes) span.setAttributes(attributes);
}

/** The active span (a request's, in a handler), to annotate; undefined outside any span. */
export function activeSpan(): Span | undefined {
  return trace.getSpan(context.active());
}

/** Log fields that join a line to its trace (pino's mixin): empty outside any span. */
export function traceLogFields(): { trace_id?: string; span_id?: string } {
  const spanContext = trace.getSpan(context.active())?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

export { type Span, SpanKind, SpanStatusCode };

interface QueryLogEvent {
  level: 'query' | 'error';
  query: { sql: string };
  queryDurationMillis: number;
  error?: unknown;
}

/**
 * Kysely's `log` hook as spans (pg and PGlite alike): each statement run under a sampled span
 * becomes a client span of the time it took. Statements outside any span are not traced (as
 * pg's instrumentation does with requireParentSpan).
 */
export function querySpans(system: string): (event: QueryLogEvent) => void {
  return (event) => {
    const parent = trace.getSpan(context.active());
    if (!parent?.isRecording()) return;
    // A trace recorded only in case it fails or is slow gets its failed statements, not every
    // one: statement spans were the largest tracing cost of the consumers (docs/performance.md).
    if (!(parent.spanContext().traceFlags & TraceFlags.SAMPLED) && event.level !== 'error') return;
    const end = Date.now();
    const operation = /^\s*(\w+)/.exec(event.query.sql)?.[1]?.toUpperCase() ?? 'QUERY';
    const span = tracer.startSpan(
      `${system}.query:${operation}`,
      {
        kind: SpanKind.CLIENT,
        startTime: end - event.queryDurationMillis,
        attributes: { 'db.system.name': system, 'db.query.text': event.query.sql.slice(0, 2_000) },
      },
      context.active(),
    );
    if (event.level === 'error') fail(span, event.error);
    span.end(end);
  };
}
