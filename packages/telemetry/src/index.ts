export * from './context.ts';
export { inRequestSpan, type RequestSpan, startRequestSpan, UnsampledSpan } from './request-span.ts';
export type { KeepReason, StoredSpan, TraceSummary } from './store.ts';
export { TraceStore } from './store.ts';
export {
  CanvassSampler,
  isTracedPath,
  PrimedIds,
  startTracing,
  type Tracing,
  type TracingSettings,
  tracing,
  tracingSettings,
} from './tracing.ts';
