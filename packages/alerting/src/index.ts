export { DURATION, formatDuration, parseDuration } from './duration.ts';
export {
  ExpositionParseError,
  PromqlEvaluationError,
  PromqlParseError,
  PromqlUnsupportedError,
  RuleFileError,
  TemplateError,
} from './errors.ts';
export { type ExposedSample, parseExposition } from './exposition.ts';
export { formatGoFloat, humanize, humanizeDuration, humanizePercentage } from './go-format.ts';
export { formatSeries, type LabelMatcher, type Labels, labelsKey, METRIC_NAME } from './labels.ts';
export type { Expr, ValueType } from './promql-ast.ts';
export { DEFAULT_LOOKBACK_MS, type EvaluationOptions, evaluate } from './promql-eval.ts';
export { FUNCTIONS, parseExpr, selectorsOf, typeOf } from './promql-parser.ts';
export type { Sample, Value } from './promql-values.ts';
export {
  type ActiveAlert,
  type AlertState,
  createRuleEngine,
  type RuleEngine,
  type RuleEngineOptions,
  type RuleFailure,
  referencedMetricNames,
} from './rule-engine.ts';
export {
  type AlertingRule,
  loadRuleDirectory,
  parseRuleFile,
  type RecordingRule,
  type Rule,
  type RuleGroup,
} from './rule-file.ts';
export {
  createSeriesStore,
  DEFAULT_RETENTION_MS,
  type ScrapedSample,
  type Series,
  type SeriesStore,
  type SeriesStoreOptions,
} from './series-store.ts';
export { compileTemplate, type Template, type TemplateData } from './template.ts';
