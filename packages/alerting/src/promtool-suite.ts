// Runs a promtool unit-test file (deploy/prometheus/tests/*.yml) through this package instead of
// promtool: the same input series, the same rule files, evaluated every evaluation_interval from
// 0, and the same expectations (firing alerts with their labels and annotations, expression
// values). Used by the tests to show the console's alerts come from the same rules, computed the
// same way.
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseDuration } from './duration.ts';
import { parseGoFloat } from './exposition.ts';
import { formatSeries, type Labels, labelsKey } from './labels.ts';
import { evaluate } from './promql-eval.ts';
import { parseExpr } from './promql-parser.ts';
import { createRuleEngine } from './rule-engine.ts';
import { parseRuleFile } from './rule-file.ts';
import { createSeriesStore } from './series-store.ts';

interface AlertTest {
  eval_time: string;
  alertname: string;
  exp_alerts?: { exp_labels?: Record<string, string>; exp_annotations?: Record<string, string> }[];
}

interface ExprTest {
  expr: string;
  eval_time: string;
  exp_samples?: { labels: string; value: number }[];
}

interface PromtoolTest {
  name: string;
  interval?: string;
  input_series?: { series: string; values: string }[];
  alert_rule_test?: AlertTest[];
  promql_expr_test?: ExprTest[];
}

interface PromtoolFile {
  rule_files: string[];
  evaluation_interval?: string;
  tests: PromtoolTest[];
}

export interface PromtoolOutcome {
  readonly test: string;
  /** Each expectation that did not hold, said as promtool would. */
  readonly failures: string[];
  /** How many alert and expression expectations were checked. */
  readonly checked: number;
}

export function runPromtoolFile(path: string): PromtoolOutcome[] {
  const file = parseYaml(readFileSync(path, 'utf8')) as PromtoolFile;
  const groups = file.rule_files.flatMap((ruleFile) => {
    const rulePath = resolve(dirname(path), ruleFile);
    return parseRuleFile(readFileSync(rulePath, 'utf8'), basename(rulePath));
  });
  const evaluationMs = duration(file.evaluation_interval ?? '1m');
  return file.tests.map((test) => {
    const intervalMs = duration(test.interval ?? file.evaluation_interval ?? '1m');
    // Keep everything: the tests' windows reach back days.
    const store = createSeriesStore({ retentionMs: 400 * 24 * 3600 * 1000 });
    for (const input of test.input_series ?? []) {
      const labels = seriesLabels(input.series);
      expandValues(input.values).forEach((value, i) => {
        if (value === 'stale') store.appendStale(labels, i * intervalMs);
        else if (value !== undefined) store.append(labels, i * intervalMs, value);
      });
    }
    const engine = createRuleEngine({ groups, store });
    const alertTests = test.alert_rule_test ?? [];
    const exprTests = test.promql_expr_test ?? [];
    const times = [...alertTests, ...exprTests].map((t) => duration(t.eval_time));
    const end = Math.max(0, ...times);
    const failures: string[] = [];
    for (let time = 0; time <= end; time += evaluationMs) {
      engine.evaluate(time);
      for (const alertTest of alertTests.filter((t) => duration(t.eval_time) === time)) {
        const got = engine
          .alerts()
          .filter((alert) => alert.name === alertTest.alertname && alert.state === 'firing')
          .map((alert) => describeAlert(alert.labels, alert.annotations))
          .sort();
        const expected = (alertTest.exp_alerts ?? [])
          .map((alert) =>
            describeAlert(
              { ...(alert.exp_labels ?? {}), alertname: alertTest.alertname },
              alert.exp_annotations ?? {},
            ),
          )
          .sort();
        if (JSON.stringify(got) !== JSON.stringify(expected)) {
          failures.push(
            `alertname: ${alertTest.alertname}, time: ${alertTest.eval_time},\n` +
              `  exp: ${expected.join('\n       ') || '[]'}\n  got: ${got.join('\n       ') || '[]'}`,
          );
        }
      }
    }
    for (const exprTest of exprTests) {
      const value = evaluate(parseExpr(exprTest.expr), store, duration(exprTest.eval_time));
      const got =
        value.type === 'vector'
          ? value.samples
          : value.type === 'scalar'
            ? [{ labels: {}, value: value.value }]
            : [];
      const expected = (exprTest.exp_samples ?? []).map((s) => ({
        labels: seriesLabels(s.labels),
        value: s.value,
      }));
      const matches =
        got.length === expected.length &&
        expected.every((exp) =>
          got.some((g) => labelsKey(g.labels) === labelsKey(exp.labels) && almostEqual(g.value, exp.value)),
        );
      if (!matches) {
        const show = (samples: readonly { labels: Labels; value: number }[]) =>
          samples.map((s) => `${formatSeries(s.labels)} ${s.value}`).join(', ') || '[]';
        failures.push(
          `expr: ${exprTest.expr}, time: ${exprTest.eval_time}\n  exp: ${show(expected)}\n  got: ${show(got)}`,
        );
      }
    }
    return { test: test.name, failures, checked: alertTests.length + exprTests.length };
  });
}

function describeAlert(labels: Labels, annotations: Readonly<Record<string, string>>): string {
  return `labels: ${labelsKey(labels)} annotations: ${labelsKey(annotations)}`;
}

function duration(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`not a duration: ${text}`);
  return ms;
}

function seriesLabels(text: string): Labels {
  const expr = parseExpr(text);
  if (expr.kind !== 'vectorSelector' || expr.matchers.some((m) => m.type !== '=')) {
    throw new Error(`not a series: ${text}`);
  }
  return Object.fromEntries(expr.matchers.map((m) => [m.name, m.value]));
}

/**
 * promtool's expanding notation: `a+bxn` is a, a+b, … a+n·b (n+1 values), `axn` is a n+1 times,
 * `_` a missed scrape, `_xn` n of them, `stale` a staleness marker.
 */
export function expandValues(text: string): (number | 'stale' | undefined)[] {
  const values: (number | 'stale' | undefined)[] = [];
  for (const item of text.trim().split(/\s+/)) {
    if (item === '_') values.push(undefined);
    else if (item === 'stale') values.push('stale');
    else if (/^_x\d+$/.test(item)) for (let i = 0; i < Number(item.slice(2)); i++) values.push(undefined);
    else {
      const match = /^([+-]?[^+\-x]+?)(?:([+-][^x]+))?x(\d+)$/.exec(item);
      if (!match) {
        values.push(number(item));
        continue;
      }
      const start = number(match[1]!);
      const step = match[2] === undefined ? 0 : number(match[2]);
      for (let i = 0; i <= Number(match[3]); i++) values.push(start + i * step);
    }
  }
  return values;
}

function number(text: string): number {
  const value = parseGoFloat(text);
  if (value === undefined) throw new Error(`not a number: ${text}`);
  return value;
}

function almostEqual(a: number, b: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  return Math.abs(a - b) / Math.max(Math.abs(a) + Math.abs(b), Number.MIN_VALUE) < 1e-6;
}
