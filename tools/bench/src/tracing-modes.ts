// The tracing settings the tracing phase compares, as the environment the launcher passes to every
// process, and what each cluster must then show (tracing-check.ts). Defaults are stated, not
// inherited: a shell's OTEL_* variables must not change what "default" measures.
import type { ExpectedTracing } from './tracing-check.ts';

export type TracingMode =
  | 'off'
  | 'on'
  | 'keep-none'
  | 'sample-all'
  | 'no-sdk-metrics'
  | 'sample-0.01'
  | 'sample-none'
  | 'unbatched'
  | 'checkout'
  | 'node-options';

const DEFAULTS = {
  OTEL_SDK_DISABLED: 'false',
  CANVASS_TRACING: 'on',
  OTEL_TRACES_SAMPLER_ARG: '0.1',
  CANVASS_TRACE_KEEP: 'errors,slow',
  CANVASS_TRACE_SLOW_MS: '500',
  OTEL_EXPORTER_OTLP_ENDPOINT: '',
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
  OTEL_METRICS_EXPORTER: '',
  OTEL_LOGS_EXPORTER: '',
  CANVASS_BATCH: 'on',
};

export const TRACING_MODES: Record<
  TracingMode,
  { label: string; env: Record<string, string>; expected: ExpectedTracing }
> = {
  off: {
    label: 'off (OTEL_SDK_DISABLED=true)',
    env: { ...DEFAULTS, OTEL_SDK_DISABLED: 'true' },
    expected: { tracing: false },
  },
  on: {
    label: 'on, default (sampling 0.1, keep errors,slow)',
    env: DEFAULTS,
    expected: { tracing: true, ratio: 0.1, keepErrorsAndSlow: true },
  },
  'keep-none': {
    label: 'on, CANVASS_TRACE_KEEP=none (sampling 0.1)',
    env: { ...DEFAULTS, CANVASS_TRACE_KEEP: 'none' },
    expected: { tracing: true, ratio: 0.1, keepErrorsAndSlow: false },
  },
  'sample-all': {
    label: 'on, OTEL_TRACES_SAMPLER_ARG=1',
    env: { ...DEFAULTS, OTEL_TRACES_SAMPLER_ARG: '1' },
    expected: { tracing: true, ratio: 1, keepErrorsAndSlow: true },
  },
  // The rest are not in the phase's own schedule (`tracing-main.ts --modes` runs them): a lower
  // ratio; the instrumentations' own cost with nothing recorded (no head sampling, so no batch is
  // sampled through its events either); and no OpenTelemetry metrics or logs SDK.
  'sample-0.01': {
    label: 'on, OTEL_TRACES_SAMPLER_ARG=0.01',
    env: { ...DEFAULTS, OTEL_TRACES_SAMPLER_ARG: '0.01' },
    expected: { tracing: true, ratio: 0.01, keepErrorsAndSlow: true },
  },
  'sample-none': {
    label: 'on, OTEL_TRACES_SAMPLER_ARG=0 CANVASS_TRACE_KEEP=none (nothing recorded)',
    env: { ...DEFAULTS, OTEL_TRACES_SAMPLER_ARG: '0', CANVASS_TRACE_KEEP: 'none' },
    expected: { tracing: true, ratio: 0, keepErrorsAndSlow: false },
  },
  // NodeSDK registers a MeterProvider with an OTLP exporter (and a LoggerProvider) unless told
  // otherwise: the instrumentations then record metrics nobody reads.
  'no-sdk-metrics': {
    label: 'on, default, OTEL_METRICS_EXPORTER=none OTEL_LOGS_EXPORTER=none',
    env: { ...DEFAULTS, OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' },
    expected: { tracing: true, ratio: 0.1, keepErrorsAndSlow: true },
  },
  // Not a tracing setting: the same side-by-side measure of what sending the gateway's votes to
  // polls in batches saves (gateway batching.ts), both clusters with tracing off.
  unbatched: {
    label: 'off, CANVASS_BATCH=off (each vote its own request to polls)',
    env: { ...DEFAULTS, OTEL_SDK_DISABLED: 'true', CANVASS_BATCH: 'off' },
    expected: { tracing: false },
  },
  // Not a setting either: another checkout of Canvass (CANVASS_BENCH_BASELINE, say a worktree of
  // the commit before a change, with its own `npm ci`) beside this one, both with tracing off:
  // the side-by-side measure of a change in code.
  checkout: {
    label: `off, the checkout in CANVASS_BENCH_BASELINE (${process.env.CANVASS_BENCH_BASELINE ?? 'unset'})`,
    env: {
      ...DEFAULTS,
      OTEL_SDK_DISABLED: 'true',
      CANVASS_BENCH_CHECKOUT: process.env.CANVASS_BENCH_BASELINE ?? '',
    },
    expected: { tracing: false },
  },
  // Nor this: every Node process of one cluster run with CANVASS_BENCH_NODE_OPTIONS as its
  // NODE_OPTIONS (say, a garbage collector's sizes) beside the same code without it.
  'node-options': {
    label: `off, NODE_OPTIONS=${process.env.CANVASS_BENCH_NODE_OPTIONS ?? '(unset)'}`,
    env: {
      ...DEFAULTS,
      OTEL_SDK_DISABLED: 'true',
      NODE_OPTIONS: process.env.CANVASS_BENCH_NODE_OPTIONS ?? '',
    },
    expected: { tracing: false },
  },
};
