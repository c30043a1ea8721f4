// Label sets and label matchers, as Prometheus has them: `__name__` is the metric name, a label
// absent from a series matches as the empty string, and regular expressions are anchored.

export type Labels = Readonly<Record<string, string>>;

export const METRIC_NAME = '__name__';

export type MatchType = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  readonly name: string;
  readonly type: MatchType;
  readonly value: string;
  /** Whether a label value (the empty string for an absent label) passes. */
  readonly matches: (value: string) => boolean;
}

/** Throws (SyntaxError) when a regular expression does not compile. */
export function labelMatcher(name: string, type: MatchType, value: string): LabelMatcher {
  switch (type) {
    case '=':
      return { name, type, value, matches: (v) => v === value };
    case '!=':
      return { name, type, value, matches: (v) => v !== value };
    case '=~':
    case '!~': {
      // RE2 and JavaScript agree on the syntax these rules use; `s`: `.` matches a newline (as in
      // Prometheus, which compiles `^(?s:…)$`).
      const re = new RegExp(`^(?:${value})$`, 's');
      return type === '=~'
        ? { name, type, value, matches: (v) => re.test(v) }
        : { name, type, value, matches: (v) => !re.test(v) };
    }
  }
}

export function matchesAll(labels: Labels, matchers: readonly LabelMatcher[]): boolean {
  for (const matcher of matchers) {
    if (!matcher.matches(labels[matcher.name] ?? '')) return false;
  }
  return true;
}

/** A label set's identity: equal for equal sets, whatever the order of their keys. */
export function labelsKey(labels: Labels): string {
  const names = Object.keys(labels).sort();
  let key = '';
  for (const name of names) {
    const value = labels[name]!;
    if (value !== '') key += `${name}=${JSON.stringify(value)},`;
  }
  return key;
}

/** Only the named labels (`by`, `on`). */
export function keepLabels(labels: Labels, names: readonly string[]): Labels {
  const kept: Record<string, string> = {};
  for (const name of names) {
    const value = labels[name];
    if (value !== undefined && value !== '') kept[name] = value;
  }
  return kept;
}

/** Every label but the named ones (`without`, `ignoring`). */
export function dropLabels(labels: Labels, names: readonly string[]): Labels {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) {
    if (!names.includes(name)) kept[name] = value;
  }
  return kept;
}

export function withoutMetricName(labels: Labels): Labels {
  if (!(METRIC_NAME in labels)) return labels;
  return dropLabels(labels, [METRIC_NAME]);
}

/** `name{a="b", …}`, as Prometheus prints a series. */
export function formatSeries(labels: Labels): string {
  const name = labels[METRIC_NAME] ?? '';
  const rest = Object.entries(labels)
    .filter(([label]) => label !== METRIC_NAME)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([label, value]) => `${label}=${JSON.stringify(value)}`);
  return `${name}{${rest.join(', ')}}`;
}
