// The OpenTelemetry SDK of one Canvass process: W3C propagation, a sampler that is consistent
// across processes, Canvass's own trace store, OTLP export when the standard OTEL_* variables ask
// for it, and the instrumentations of redis and outgoing node:http (the billing SDK). The rest
// Canvass does itself, because the
// instrumentations cost more than the spans are worth on the vote path (docs/performance.md,
// "Tracing cost"): request spans come from service-kit's hooks (request-span.ts); NATS has none (eventing carries the context, see context.ts); SQL statements
// become spans through Kysely's log hook, and only under a recorded span (querySpans, for pg and
// PGlite alike); internal HTTP calls carry `traceparent` by hand (traceHeaders), the called
// service's request span being the child.
//
// Configuration (read once, at start):
// - OTEL_SDK_DISABLED=true or CANVASS_TRACING=off: no tracing at all;
// - OTEL_TRACES_SAMPLER_ARG: the share of traces sampled at their head (default 0.1). The decision
//   is a function of the trace id, so every process makes the same one;
// - CANVASS_TRACE_KEEP=errors,slow (default) or none: also keep traces that were not sampled when
//   a span fails or a local root takes at least CANVASS_TRACE_SLOW_MS (default 500). Such traces
//   are recorded and then dropped unless kept, which costs more than not recording them;
// - OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: also export sampled spans
//   over OTLP (http/protobuf), batched, with the other OTEL_EXPORTER_OTLP_* variables honoured.
import {
  type Attributes,
  type Context,
  isSpanContextValid,
  type Link,
  type SpanKind,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { RedisInstrumentation } from '@opentelemetry/instrumentation-redis';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  type IdGenerator,
  RandomIdGenerator,
  type Sampler,
  SamplingDecision,
  type SamplingResult,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';
import { TraceStore } from './store.ts';

export interface TracingSettings {
  ratio: number;
  keepErrorsAndSlow: boolean;
  slowMs: number;
  otlp: boolean;
}

export function tracingSettings(env: NodeJS.ProcessEnv = process.env): TracingSettings | undefined {
  if (env.OTEL_SDK_DISABLED === 'true' || env.CANVASS_TRACING === 'off') return undefined;
  const ratio = Number(env.OTEL_TRACES_SAMPLER_ARG ?? '0.1');
  const slowMs = Number(env.CANVASS_TRACE_SLOW_MS ?? '500');
  return {
    ratio: Number.isFinite(ratio) ? Math.min(1, Math.max(0, ratio)) : 0.1,
    keepErrorsAndSlow: (env.CANVASS_TRACE_KEEP ?? 'errors,slow') !== 'none',
    slowMs: Number.isFinite(slowMs) && slowMs > 0 ? slowMs : 500,
    otlp: Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT),
  };
}

/**
 * Head sampling by trace id (so every process agrees), following a sampled parent, and sampling a
 * batch that carries a sampled event. What is not sampled is still recorded when errors and slow
 * traces are to be kept: the trace store decides when the local root ends.
 */
export class CanvassSampler implements Sampler {
  readonly #ratio: TraceIdRatioBasedSampler;
  readonly #unsampled: SamplingDecision;

  constructor(ratio: number, recordUnsampled: boolean) {
    this.#ratio = new TraceIdRatioBasedSampler(ratio);
    this.#unsampled = recordUnsampled ? SamplingDecision.RECORD : SamplingDecision.NOT_RECORD;
  }

  shouldSample(
    parentContext: Context,
    traceId: string,
    _spanName: string,
    _spanKind: SpanKind,
    _attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    const parent = trace.getSpanContext(parentContext);
    if (parent && isSpanContextValid(parent)) {
      if (parent.traceFlags & TraceFlags.SAMPLED) return { decision: SamplingDecision.RECORD_AND_SAMPLED };
      // An unsampled local parent was decided here; a remote one is decided again by trace id,
      // with the same answer (and the gateway drops a client's flags, see the edge hooks).
      if (!parent.isRemote) return { decision: this.#unsampled };
    }
    for (const link of links)
      if (link.context.traceFlags & TraceFlags.SAMPLED)
        return { decision: SamplingDecision.RECORD_AND_SAMPLED };
    const head = this.#ratio.shouldSample(parentContext, traceId);
    return head.decision === SamplingDecision.RECORD_AND_SAMPLED ? head : { decision: this.#unsampled };
  }

  toString(): string {
    return `CanvassSampler{${this.#ratio.toString()}}`;
  }
}

/**
 * The SDK's random ids, with one trace id that can be set for the next span: a request's span is
 * sampled by its trace id before the SDK starts it (request-span.ts), and a span with no parent
 * gets the id the decision was made for.
 */
export class PrimedIds implements IdGenerator {
  readonly #random = new RandomIdGenerator();
  #next: string | undefined;

  prime(traceId: string): void {
    this.#next = traceId;
  }

  generateTraceId(): string {
    const next = this.#next;
    this.#next = undefined;
    return next ?? this.#random.generateTraceId();
  }

  generateSpanId(): string {
    return this.#random.generateSpanId();
  }
}

export interface Tracing {
  readonly service: string;
  readonly settings: TracingSettings;
  readonly store: TraceStore;
  readonly sampler: CanvassSampler;
  readonly ids: PrimedIds;
  shutdown(): Promise<void>;
}

let active: Tracing | undefined;

/** The process's tracing, if it was started. */
export function tracing(): Tracing | undefined {
  return active;
}

/**
 * Paths that are never traced: probes, scrapes, the trace store's own API, and the envelope of a
 * batch of requests (each request it carries gets its own span, service-kit batch.ts).
 */
const UNTRACED =
  /^\/(?:healthz|readyz|metrics|admin\/v1\/telemetry|internal\/v1\/batch(?:[?/]|$)|favicon|assets\/)/;

/** Whether a request to this URL gets a span. */
export const isTracedPath = (url: string): boolean => !UNTRACED.test(url);

/** Starts tracing for this process (once); undefined when it is switched off. */
export function startTracing(service: string, env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  if (active) return active;
  const settings = tracingSettings(env);
  if (!settings) return undefined;
  const store = new TraceStore({
    service,
    slowMs: settings.slowMs,
    keepErrorsAndSlow: settings.keepErrorsAndSlow,
  });
  const sampler = new CanvassSampler(settings.ratio, settings.keepErrorsAndSlow);
  const ids = new PrimedIds();
  const spanProcessors: SpanProcessor[] = [store];
  if (settings.otlp) spanProcessors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter() }));
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? service }),
    autoDetectResources: false,
    sampler,
    idGenerator: ids,
    spanProcessors,
    textMapPropagator: new W3CTraceContextPropagator(),
    // No OpenTelemetry metrics or logs: Canvass's metrics are prom-client's and its logs pino's.
    // Left unset, NodeSDK reads OTEL_METRICS_EXPORTER and OTEL_LOGS_EXPORTER, which default to
    // OTLP: a MeterProvider exporting to localhost:4318 every minute, into which the
    // instrumentations record a histogram per request.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      // Outgoing only: service-kit's request spans are the server side (they read the incoming
      // traceparent); ignoring requests in the http instrumentation would suppress those.
      new HttpInstrumentation({ disableIncomingRequestInstrumentation: true }),
      // The command's name only: the default serializer formats every argument of every command.
      new RedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (name) => name }),
    ],
  });
  sdk.start();
  active = {
    service,
    settings,
    store,
    sampler,
    ids,
    async shutdown() {
      await sdk.shutdown();
      active = undefined;
    },
  };
  return active;
}
