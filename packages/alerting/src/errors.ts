// The package's errors, each with a stable `code`. None of them is worth retrying as is: a rule
// file, an expression or an exposition that fails once fails again until someone changes it.

/** Text that is not Prometheus' text exposition format (a scrape that must count as failed). */
export class ExpositionParseError extends Error {
  readonly code = 'EXPOSITION_INVALID';
  readonly line: number;
  constructor(message: string, line: number, options?: ErrorOptions) {
    super(`line ${line}: ${message}`, options);
    this.name = 'ExpositionParseError';
    this.line = line;
  }
}

/** PromQL that does not parse, or whose types do not fit (a range vector where a number goes). */
export class PromqlParseError extends Error {
  readonly code = 'PROMQL_INVALID';
  readonly position: number;
  constructor(message: string, position: number, options?: ErrorOptions) {
    super(`${message} (at character ${position + 1})`, options);
    this.name = 'PromqlParseError';
    this.position = position;
  }
}

/**
 * Valid PromQL that this evaluator does not implement. Rules are refused when they are loaded,
 * never evaluated as something else.
 */
export class PromqlUnsupportedError extends Error {
  readonly code = 'PROMQL_UNSUPPORTED';
  readonly feature: string;
  constructor(feature: string, position: number) {
    super(`${feature} is not supported by @canvass/alerting (at character ${position + 1})`);
    this.name = 'PromqlUnsupportedError';
    this.feature = feature;
  }
}

/** An evaluation that Prometheus would fail too (duplicate series after matching, …). */
export class PromqlEvaluationError extends Error {
  readonly code = 'PROMQL_EVALUATION_FAILED';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PromqlEvaluationError';
  }
}

/** A rule file that is not YAML, not shaped as Prometheus rule groups, or holds a bad rule. */
export class RuleFileError extends Error {
  readonly code = 'RULE_FILE_INVALID';
  readonly file: string;
  constructor(file: string, message: string, options?: ErrorOptions) {
    super(`${file}: ${message}`, options);
    this.name = 'RuleFileError';
    this.file = file;
  }
}

/** An annotation or label template using something outside the supported subset. */
export class TemplateError extends Error {
  readonly code = 'TEMPLATE_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}
