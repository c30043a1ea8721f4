// Evaluates rule groups as a Prometheus server does, over a SeriesStore. Each evaluation runs the
// recording rules of every group that is due (in file and group order), writing their results
// back as series, then the alerting rules. An alert is pending from the first evaluation its
// expression returns its series and fires once that has held for the rule's `for:`; it ends as
// soon as an evaluation no longer returns it. State lives in memory only: a restart starts every
// `for:` again (Prometheus restores it from its ALERTS_FOR_STATE series).
import { type Labels, labelsKey, METRIC_NAME, withoutMetricName } from './labels.ts';
import type { Expr } from './promql-ast.ts';
import { type EvaluationOptions, evaluate } from './promql-eval.ts';
import { selectorsOf } from './promql-parser.ts';
import type { Sample } from './promql-values.ts';
import type { AlertingRule, RecordingRule, RuleGroup } from './rule-file.ts';
import type { ScrapedSample, SeriesStore } from './series-store.ts';

export type AlertState = 'pending' | 'firing';

export interface ActiveAlert {
  readonly name: string;
  readonly state: AlertState;
  /** The series' labels (without its name), the rule's labels and `alertname`. */
  readonly labels: Labels;
  readonly annotations: Readonly<Record<string, string>>;
  /** When the expression first returned this series (milliseconds since the epoch). */
  readonly activeAtMs: number;
  readonly value: number;
  /**
   * A window the rule reads (its own range selectors, or those of the recording rules whose
   * series it reads) reaches back further than the store's history: the value covers only the
   * history there is.
   */
  readonly partialWindow: boolean;
}

export interface RuleFailure {
  readonly group: string;
  readonly rule: string;
  readonly error: string;
  readonly atMs: number;
}

export interface RuleEngineOptions extends EvaluationOptions {
  groups: readonly RuleGroup[];
  store: SeriesStore;
}

export interface RuleEngine {
  readonly ruleCount: number;
  readonly lastEvaluationMs: number | undefined;
  /** Evaluates the groups due at `timeMs` (a group's `interval:` is honoured; others run every time). */
  evaluate(timeMs: number): void;
  /** Pending and firing alerts, firing first. */
  alerts(): ActiveAlert[];
  /** The rules whose last evaluation failed, with why. */
  failures(): RuleFailure[];
}

interface AlertEntry {
  labels: Labels;
  annotations: Record<string, string>;
  activeAtMs: number;
  value: number;
  state: AlertState;
}

interface AlertingState {
  readonly group: RuleGroup;
  readonly rule: AlertingRule;
  readonly windowMs: number;
  readonly active: Map<string, AlertEntry>;
  partial: boolean;
}

/**
 * The metric names the rules read or record; undefined when a selector names no metric (then
 * every series is needed). A store given this keeps only what the rules can use.
 */
export function referencedMetricNames(groups: readonly RuleGroup[]): Set<string> | undefined {
  const names = new Set<string>();
  for (const rule of groups.flatMap((group) => group.rules)) {
    if (rule.kind === 'recording') names.add(rule.name);
    for (const { selector } of selectorsOf(rule.expr)) {
      if (selector.metricName === undefined) return undefined;
      names.add(selector.metricName);
    }
  }
  return names;
}

/** How far back each recorded metric's value reaches, through the recording rules it reads. */
function recordedWindows(groups: readonly RuleGroup[]): Map<string, number> {
  const windows = new Map<string, number>();
  const recording = groups.flatMap((group) => group.rules.filter((r) => r.kind === 'recording'));
  // Rules may read series recorded further down: repeat until nothing grows (a chain of n rules
  // settles in n passes).
  for (let pass = 0; pass <= recording.length; pass++) {
    let changed = false;
    for (const rule of recording) {
      const window = Math.max(windows.get(rule.name) ?? 0, windowOf(rule.expr, windows));
      if (window !== (windows.get(rule.name) ?? 0)) {
        windows.set(rule.name, window);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return windows;
}

function windowOf(expr: Expr, recorded: ReadonlyMap<string, number>): number {
  let window = 0;
  for (const { selector, lookbackMs } of selectorsOf(expr)) {
    const upstream = selector.metricName === undefined ? 0 : (recorded.get(selector.metricName) ?? 0);
    window = Math.max(window, lookbackMs + upstream);
  }
  return window;
}

export function createRuleEngine(options: RuleEngineOptions): RuleEngine {
  const { groups, store } = options;
  const windows = recordedWindows(groups);
  const lastRun = new Map<RuleGroup, number>();
  const failures = new Map<string, RuleFailure>();
  const alerting = new Map<AlertingRule, AlertingState>();
  for (const group of groups) {
    for (const rule of group.rules) {
      if (rule.kind !== 'alerting') continue;
      alerting.set(rule, {
        group,
        rule,
        windowMs: windowOf(rule.expr, windows),
        active: new Map(),
        partial: false,
      });
    }
  }
  let lastEvaluationMs: number | undefined;

  function instant(expr: Expr, timeMs: number): readonly Sample[] {
    const value = evaluate(expr, store, timeMs, options);
    if (value.type === 'scalar') return [{ labels: {}, value: value.value }];
    return value.type === 'vector' ? value.samples : [];
  }

  function attempt(group: RuleGroup, name: string, timeMs: number, run: () => void): void {
    const key = `${group.file}\0${group.name}\0${name}`;
    try {
      run();
      failures.delete(key);
    } catch (error) {
      failures.set(key, { group: group.name, rule: name, error: (error as Error).message, atMs: timeMs });
    }
  }

  function record(group: RuleGroup, index: number, rule: RecordingRule, timeMs: number): void {
    const samples: ScrapedSample[] = instant(rule.expr, timeMs).map((sample) => ({
      labels: { ...sample.labels, [METRIC_NAME]: rule.name, ...rule.labels },
      value: sample.value,
    }));
    if (new Set(samples.map((s) => labelsKey(s.labels))).size !== samples.length) {
      throw new Error('vector contains metrics with the same labelset after applying rule labels');
    }
    store.ingest(`rule\0${group.file}\0${group.name}\0${index}`, samples, timeMs);
  }

  function alert(state: AlertingState, timeMs: number): void {
    const { rule } = state;
    const found = new Map<string, AlertEntry>();
    for (const sample of instant(rule.expr, timeMs)) {
      const data = { labels: sample.labels, value: sample.value };
      const labels: Record<string, string> = { ...withoutMetricName(sample.labels) };
      for (const [name, template] of Object.entries(rule.labels)) labels[name] = template(data);
      labels.alertname = rule.name;
      const annotations: Record<string, string> = {};
      for (const [name, template] of Object.entries(rule.annotations)) annotations[name] = template(data);
      const key = labelsKey(labels);
      if (found.has(key))
        throw new Error('vector contains metrics with the same labelset after applying alert labels');
      found.set(key, { labels, annotations, value: sample.value, activeAtMs: timeMs, state: 'pending' });
    }
    for (const key of state.active.keys()) if (!found.has(key)) state.active.delete(key);
    for (const [key, entry] of found) {
      const known = state.active.get(key);
      if (known)
        Object.assign(known, { labels: entry.labels, annotations: entry.annotations, value: entry.value });
      else state.active.set(key, entry);
    }
    for (const entry of state.active.values()) {
      if (entry.state === 'pending' && timeMs - entry.activeAtMs >= rule.forMs) entry.state = 'firing';
    }
  }

  return {
    ruleCount: groups.reduce((count, group) => count + group.rules.length, 0),
    get lastEvaluationMs() {
      return lastEvaluationMs;
    },
    evaluate(timeMs) {
      const due = groups.filter((group) => {
        const last = lastRun.get(group);
        return group.intervalMs === undefined || last === undefined || timeMs - last >= group.intervalMs;
      });
      for (const group of due) {
        lastRun.set(group, timeMs);
        group.rules.forEach((rule, index) => {
          if (rule.kind === 'recording')
            attempt(group, rule.name, timeMs, () => record(group, index, rule, timeMs));
        });
      }
      const historyStart = store.historyStartMs(timeMs);
      const history = historyStart === undefined ? 0 : timeMs - historyStart;
      for (const group of due) {
        for (const rule of group.rules) {
          if (rule.kind !== 'alerting') continue;
          const state = alerting.get(rule)!;
          state.partial = state.windowMs > history;
          attempt(group, rule.name, timeMs, () => alert(state, timeMs));
        }
      }
      lastEvaluationMs = timeMs;
    },
    alerts() {
      const alerts: ActiveAlert[] = [];
      for (const state of alerting.values()) {
        for (const entry of state.active.values()) {
          alerts.push({
            name: state.rule.name,
            state: entry.state,
            labels: entry.labels,
            annotations: entry.annotations,
            activeAtMs: entry.activeAtMs,
            value: entry.value,
            partialWindow: state.partial,
          });
        }
      }
      return alerts.sort(
        (a, b) =>
          Number(b.state === 'firing') - Number(a.state === 'firing') ||
          a.name.localeCompare(b.name) ||
          labelsKey(a.labels).localeCompare(labelsKey(b.labels)),
      );
    },
    failures: () => [...failures.values()],
  };
}
