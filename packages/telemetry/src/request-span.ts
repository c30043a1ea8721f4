// One span per request, started by the service's own fastify hooks (service-kit's app.ts). A
// request of a sampled trace gets the SDK's span, as before. A request of an unsampled trace that
// is recorded only in case it fails or is slow (the default, CANVASS_TRACE_KEEP=errors,slow) gets
// an `UnsampledSpan`: the same ids, attributes, status and events, handed to the trace store when
// it ends, without the SDK's span object, its processors and its time arrays. Recording unsampled
// spans was most of tracing's cost on the vote path (docs/performance.md, "What recording
// unsampled spans costs"), and nine requests in ten are unsampled. A request of a trace not
// recorded at all (CANVASS_TRACE_KEEP=none) gets a non-recording span that carries its ids.
import {
  type Attributes,
  type AttributeValue,
  type Context,
  context,
  type Exception,
  type HrTime,
  type Link,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  type SpanStatus,
  SpanStatusCode,
  type TimeInput,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace';
import { parseTraceparent, tracer } from './context.ts';
import { type Held, hrToMs, type TraceStore } from './store.ts';
import { tracing } from './tracing.ts';

const toHr = (ms: number): HrTime => [Math.floor(ms / 1_000), Math.round((ms % 1_000) * 1e6)];
/** As the SDK reads a time: a number below the process's start is `performance.now()` time. */
const timeMs = (time: TimeInput | undefined): number => {
  if (time === undefined) return performance.timeOrigin + performance.now();
  if (typeof time === 'number') return time < performance.timeOrigin ? performance.timeOrigin + time : time;
  if (time instanceof Date) return time.getTime();
  return hrToMs(time);
};
const NO_LINKS: Link[] = [];
const NO_EVENTS: Held['events'] = [];
/** The SDK's default limits per span. */
const MAX_ATTRIBUTES = 128;
const MAX_EVENTS = 128;
const MAX_LINKS = 128;

/** A recorded span of an unsampled trace, held by the trace store once it ends. */
export class UnsampledSpan implements Span {
  readonly #context: SpanContext;
  readonly #parentSpanId: string | undefined;
  readonly #store: TraceStore;
  readonly #kind: SpanKind;
  readonly #start = performance.timeOrigin + performance.now();
  readonly #attributes: Attributes;
  #name: string;
  #status: SpanStatus = { code: SpanStatusCode.UNSET };
  #events: Held['events'] = NO_EVENTS;
  #links: Link[] = NO_LINKS;
  #ended = false;

  constructor(
    store: TraceStore,
    name: string,
    spanContext: SpanContext,
    parentSpanId: string | undefined,
    kind: SpanKind,
    attributes: Attributes,
  ) {
    this.#store = store;
    this.#name = name;
    this.#context = spanContext;
    this.#parentSpanId = parentSpanId;
    this.#kind = kind;
    this.#attributes = attributes;
  }

  spanContext(): SpanContext {
    return this.#context;
  }

  setAttribute(key: string, value: AttributeValue): this {
    if (this.#ended || value === undefined || value === null || key.length === 0) return this;
    if (!(key in this.#attributes) && Object.keys(this.#attributes).length >= MAX_ATTRIBUTES) return this;
    this.#attributes[key] = value;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const [key, value] of Object.entries(attributes))
      if (value !== undefined) this.setAttribute(key, value);
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.#ended || this.#events.length >= MAX_EVENTS) return this;
    const timed =
      typeof attributesOrTime === 'number' ||
      Array.isArray(attributesOrTime) ||
      attributesOrTime instanceof Date;
    if (this.#events === NO_EVENTS) this.#events = [];
    this.#events.push({
      name,
      time: toHr(timeMs(timed ? (attributesOrTime as TimeInput) : time)),
      attributes: timed ? {} : ((attributesOrTime as Attributes | undefined) ?? {}),
      droppedAttributesCount: 0,
    });
    return this;
  }

  addLink(link: Link): this {
    if (this.#ended || this.#links.length >= MAX_LINKS) return this;
    if (this.#links === NO_LINKS) this.#links = [];
    this.#links.push(link);
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  /** As the SDK's: OK is final, UNSET changes nothing, and only an error keeps a message. */
  setStatus(status: SpanStatus): this {
    if (this.#ended || status.code === SpanStatusCode.UNSET || this.#status.code === SpanStatusCode.OK)
      return this;
    this.#status =
      status.code === SpanStatusCode.ERROR && status.message
        ? { code: status.code, message: status.message }
        : { code: status.code };
    return this;
  }

  updateName(name: string): this {
    if (!this.#ended) this.#name = name;
    return this;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const error = typeof exception === 'string' ? { message: exception } : exception;
    const attributes: Attributes = {};
    // As the SDK's: a code names the type before a name does.
    if ('code' in error && error.code !== undefined) attributes['exception.type'] = String(error.code);
    else if ('name' in error && error.name) attributes['exception.type'] = error.name;
    if ('message' in error && error.message) attributes['exception.message'] = error.message;
    if ('stack' in error && error.stack) attributes['exception.stacktrace'] = error.stack;
    this.addEvent('exception', attributes, time);
  }

  isRecording(): boolean {
    return !this.#ended;
  }

  end(endTime?: TimeInput): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#store.hold(
      {
        traceId: this.#context.traceId,
        spanId: this.#context.spanId,
        parentSpanId: this.#parentSpanId,
        // A request's parent, when it has one, is the caller's span in another process.
        localRoot: true,
        name: this.#name,
        kind: this.#kind,
        start: this.#start,
        durationMs: Math.max(0, timeMs(endTime) - this.#start),
        statusCode: this.#status.code,
        statusMessage: this.#status.message,
        attributes: this.#attributes,
        links: this.#links,
        events: this.#events,
      },
      false,
    );
  }
}

export interface RequestSpan {
  span: Span;
  /** The context to run the request in: the span active, under the caller's. */
  context: Context;
}

/**
 * The span of a request that came with `traceparent` (a caller's span, or at the edge a client's
 * trace id with its sampling flag dropped), undefined when tracing is off.
 */
export function startRequestSpan(traceparent: unknown, attributes: Attributes): RequestSpan | undefined {
  const active = tracing();
  if (!active) return undefined;
  const caller = parseTraceparent(traceparent);
  const parent = caller ? trace.setSpanContext(ROOT_CONTEXT, caller) : ROOT_CONTEXT;
  const traceId = caller?.traceId ?? active.ids.generateTraceId();
  const decision = active.sampler.shouldSample(
    parent,
    traceId,
    'request',
    SpanKind.SERVER,
    attributes,
    [],
  ).decision;
  let span: Span;
  if (decision === SamplingDecision.RECORD_AND_SAMPLED) {
    // The SDK's span: it draws the same trace id (and so makes the same decision).
    if (!caller) active.ids.prime(traceId);
    span = tracer.startSpan('request', { kind: SpanKind.SERVER, attributes }, parent);
  } else {
    const spanContext: SpanContext = {
      traceId,
      spanId: active.ids.generateSpanId(),
      traceFlags: TraceFlags.NONE,
    };
    span =
      decision === SamplingDecision.RECORD
        ? new UnsampledSpan(active.store, 'request', spanContext, caller?.spanId, SpanKind.SERVER, attributes)
        : trace.wrapSpanContext(spanContext);
  }
  return { span, context: trace.setSpan(parent, span) };
}

/** Runs `work` (the rest of the request) with the request's span active. */
export function inRequestSpan<T>(started: RequestSpan, work: () => T): T {
  return context.with(started.context, work);
}
