export * from './context.ts';
export type { KeepReason, StoredSpan, TraceSummary } from './store.ts';
export { TraceStore } from './store.ts';
export {
  CanvassSampler,
  startTracing,
  type Tracing,
  type TracingSettings,
  tracing,
  tracingSettings,
} from './tracing.ts';
