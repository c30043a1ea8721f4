// Evaluates a parsed expression at one instant against a SeriesStore, as Prometheus' engine does
// for an instant query: selectors see the newest sample within the lookback (5 minutes) unless it
// is a staleness marker, range selectors the samples in (t - range, t], arithmetic drops the metric
// name, comparisons filter (or answer 0/1 with `bool`), and vectors match one-to-one on their
// labels (or `on`/`ignoring` lists); `and`/`or`/`unless` match many-to-many.
import { PromqlEvaluationError } from './errors.ts';
import {
  dropLabels,
  formatSeries,
  keepLabels,
  type Labels,
  labelsKey,
  METRIC_NAME,
  withoutMetricName,
} from './labels.ts';
import { aggregate } from './promql-aggregate.ts';
import type { Binary, Expr, MatrixSelector, VectorMatching, VectorSelector } from './promql-ast.ts';
import { callFunction } from './promql-functions.ts';
import { assertDistinct, type Sample, type Value } from './promql-values.ts';
import type { SeriesStore } from './series-store.ts';

export const DEFAULT_LOOKBACK_MS = 5 * 60 * 1000;

export interface EvaluationOptions {
  /** How far back an instant selector looks for a sample (default 5 minutes, as Prometheus). */
  lookbackMs?: number;
}

/** The value of `expr` at `timeMs` (a scalar or an instant vector). */
export function evaluate(
  expr: Expr,
  store: SeriesStore,
  timeMs: number,
  options: EvaluationOptions = {},
): Value {
  const lookbackMs = options.lookbackMs ?? DEFAULT_LOOKBACK_MS;

  function instant(selector: VectorSelector): Sample[] {
    const end = timeMs - selector.offsetMs;
    const samples: Sample[] = [];
    for (const series of store.select(selector.matchers)) {
      const latest = series.samples.latest(end - lookbackMs, end);
      if (latest) samples.push({ labels: series.labels, value: latest.value });
    }
    return samples;
  }

  function range(matrix: MatrixSelector): Value {
    const endMs = timeMs - matrix.selector.offsetMs;
    const startMs = endMs - matrix.rangeMs;
    const series = store
      .select(matrix.selector.matchers)
      .map((s) => ({ labels: s.labels, ...s.samples.window(startMs, endMs) }))
      .filter((s) => s.times.length > 0);
    return { type: 'matrix', series, startMs, endMs };
  }

  function run(node: Expr): Value {
    switch (node.kind) {
      case 'number':
        return { type: 'scalar', value: node.value };
      case 'parens':
        return run(node.expr);
      case 'vectorSelector':
        return { type: 'vector', samples: instant(node) };
      case 'matrixSelector':
        return range(node);
      case 'unary': {
        const operand = run(node.expr);
        if (operand.type === 'scalar') return { type: 'scalar', value: -operand.value };
        if (operand.type !== 'vector') throw new PromqlEvaluationError('unary minus on a range vector');
        const samples = operand.samples.map((s) => ({
          labels: withoutMetricName(s.labels),
          value: -s.value,
        }));
        assertDistinct(samples, 'unary minus');
        return { type: 'vector', samples };
      }
      case 'call':
        return { type: 'vector', samples: callFunction(node.func, node.args.map(run), node.args) };
      case 'aggregation': {
        const operand = run(node.expr);
        if (operand.type !== 'vector') throw new PromqlEvaluationError(`${node.op} needs an instant vector`);
        return { type: 'vector', samples: aggregate(node.op, operand.samples, node.grouping, node.without) };
      }
      case 'binary':
        return binary(node, run(node.lhs), run(node.rhs));
    }
  }

  return run(expr);
}

function binary(node: Binary, lhs: Value, rhs: Value): Value {
  const { op } = node;
  if (lhs.type === 'scalar' && rhs.type === 'scalar') {
    const { value, keep } = operate(op, lhs.value, rhs.value);
    return { type: 'scalar', value: isComparison(op) ? (keep ? 1 : 0) : value };
  }
  if (lhs.type === 'vector' && rhs.type === 'scalar') {
    return { type: 'vector', samples: vectorScalar(node, lhs.samples, rhs.value, false) };
  }
  if (lhs.type === 'scalar' && rhs.type === 'vector') {
    return { type: 'vector', samples: vectorScalar(node, rhs.samples, lhs.value, true) };
  }
  if (lhs.type !== 'vector' || rhs.type !== 'vector') {
    throw new PromqlEvaluationError(`operator ${op} needs scalars or instant vectors`);
  }
  const signature = signatureOf(node.matching);
  switch (op) {
    case 'and': {
      const right = new Set(rhs.samples.map((s) => signature(s.labels)));
      return { type: 'vector', samples: lhs.samples.filter((s) => right.has(signature(s.labels))) };
    }
    case 'unless': {
      const right = new Set(rhs.samples.map((s) => signature(s.labels)));
      return { type: 'vector', samples: lhs.samples.filter((s) => !right.has(signature(s.labels))) };
    }
    case 'or': {
      const left = new Set(lhs.samples.map((s) => signature(s.labels)));
      return {
        type: 'vector',
        samples: [...lhs.samples, ...rhs.samples.filter((s) => !left.has(signature(s.labels)))],
      };
    }
    default:
      return { type: 'vector', samples: vectorVector(node, lhs.samples, rhs.samples, signature) };
  }
}

function vectorScalar(node: Binary, vector: readonly Sample[], scalar: number, swap: boolean): Sample[] {
  const out: Sample[] = [];
  const dropName = dropsMetricName(node);
  for (const sample of vector) {
    const [left, right] = swap ? [scalar, sample.value] : [sample.value, scalar];
    let { value, keep } = operate(node.op, left, right);
    // A comparison keeps the vector's own value, whichever side it is on.
    if (isComparison(node.op) && swap) value = right;
    if (node.returnBool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (keep) out.push({ labels: dropName ? withoutMetricName(sample.labels) : sample.labels, value });
  }
  if (dropName) assertDistinct(out, `operator ${node.op}`);
  return out;
}

function vectorVector(
  node: Binary,
  lhs: readonly Sample[],
  rhs: readonly Sample[],
  signature: (labels: Labels) => string,
): Sample[] {
  const right = new Map<string, Sample>();
  for (const sample of rhs) {
    const key = signature(sample.labels);
    const duplicate = right.get(key);
    if (duplicate) {
      throw new PromqlEvaluationError(
        `found duplicate series for the match group on the right hand-side of the operation: ` +
          `[${formatSeries(duplicate.labels)}, ${formatSeries(sample.labels)}]; ` +
          'many-to-many matching not allowed: matching labels must be unique on one side',
      );
    }
    right.set(key, sample);
  }
  const matched = new Set<string>();
  const out: Sample[] = [];
  const dropName = dropsMetricName(node);
  for (const sample of lhs) {
    const key = signature(sample.labels);
    const other = right.get(key);
    if (!other) continue;
    let { value, keep } = operate(node.op, sample.value, other.value);
    if (node.returnBool) value = keep ? 1 : 0;
    else if (!keep) continue;
    if (matched.has(key)) {
      throw new PromqlEvaluationError(
        'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
      );
    }
    matched.add(key);
    let labels = dropName ? withoutMetricName(sample.labels) : sample.labels;
    if (node.matching) {
      labels = node.matching.on
        ? keepLabels(labels, node.matching.labels)
        : dropLabels(labels, node.matching.labels);
    }
    out.push({ labels, value });
  }
  assertDistinct(out, `operator ${node.op}`);
  return out;
}

/** What two samples match on: the `on` labels, or all but the `ignoring` ones and the name. */
function signatureOf(matching: VectorMatching | undefined): (labels: Labels) => string {
  if (matching?.on) return (labels) => labelsKey(keepLabels(labels, matching.labels));
  const ignored = [...(matching?.labels ?? []), METRIC_NAME];
  return (labels) => labelsKey(dropLabels(labels, ignored));
}

function dropsMetricName(node: Binary): boolean {
  return node.returnBool || !isComparison(node.op);
}

function isComparison(op: string): boolean {
  return op === '==' || op === '!=' || op === '>' || op === '<' || op === '>=' || op === '<=';
}

function operate(op: string, left: number, right: number): { value: number; keep: boolean } {
  switch (op) {
    case '+':
      return { value: left + right, keep: true };
    case '-':
      return { value: left - right, keep: true };
    case '*':
      return { value: left * right, keep: true };
    case '/':
      return { value: left / right, keep: true };
    case '%':
      return { value: left % right, keep: true };
    case '^':
      // Go's math.Pow: 1 to any power (NaN included) is 1.
      return { value: left === 1 ? 1 : left ** right, keep: true };
    case '==':
      return { value: left, keep: left === right };
    case '!=':
      return { value: left, keep: left !== right };
    case '>':
      return { value: left, keep: left > right };
    case '<':
      return { value: left, keep: left < right };
    case '>=':
      return { value: left, keep: left >= right };
    case '<=':
      return { value: left, keep: left <= right };
    default:
      throw new PromqlEvaluationError(`operator ${op} is not defined on numbers`);
  }
}
