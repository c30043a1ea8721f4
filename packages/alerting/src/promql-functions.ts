// The PromQL functions the rules use, following Prometheus' own implementations
// (promql/functions.go, promql/quantile.go in Prometheus 3): rate's extrapolation to the window's
// edges, deriv's least-squares slope, histogram_quantile's linear interpolation in a bucket.
import { PromqlEvaluationError } from './errors.ts';
import { dropLabels, type Labels, labelsKey, METRIC_NAME, withoutMetricName } from './labels.ts';
import type { Expr } from './promql-ast.ts';
import { assertDistinct, kahanAdd, type RangeSeries, type Sample, type Value } from './promql-values.ts';

type Vector = readonly Sample[];

export function callFunction(func: string, args: readonly Value[], argExprs: readonly Expr[]): Sample[] {
  const result = dispatch(func, args, argExprs);
  assertDistinct(result, `${func}()`);
  return result;
}

function dispatch(func: string, args: readonly Value[], argExprs: readonly Expr[]): Sample[] {
  const vectorArg = (i: number): Vector => (args[i]?.type === 'vector' ? args[i].samples : []);
  const scalarArg = (i: number, fallback: number): number =>
    args[i]?.type === 'scalar' ? args[i].value : fallback;
  switch (func) {
    case 'rate':
    case 'increase':
    case 'deriv': {
      const matrix = args[0];
      if (matrix?.type !== 'matrix') throw new PromqlEvaluationError(`${func}() needs a range vector`);
      const out: Sample[] = [];
      for (const series of matrix.series) {
        const value =
          func === 'deriv'
            ? deriv(series)
            : extrapolatedRate(series, matrix.startMs, matrix.endMs, func === 'rate');
        if (value !== undefined) out.push({ labels: withoutMetricName(series.labels), value });
      }
      return out;
    }
    case 'histogram_quantile':
      return histogramQuantile(scalarArg(0, Number.NaN), vectorArg(1));
    case 'absent':
      return vectorArg(0).length > 0 ? [] : [{ labels: absentLabels(argExprs[0]!), value: 1 }];
    case 'vector':
      return [{ labels: {}, value: scalarArg(0, Number.NaN) }];
    case 'clamp_min': {
      const min = scalarArg(1, Number.NaN);
      return vectorArg(0).map((s) => ({
        labels: withoutMetricName(s.labels),
        value: Math.max(min, s.value),
      }));
    }
    case 'clamp_max': {
      const max = scalarArg(1, Number.NaN);
      return vectorArg(0).map((s) => ({
        labels: withoutMetricName(s.labels),
        value: Math.min(max, s.value),
      }));
    }
    case 'round': {
      // Prometheus rounds half up, to the nearest multiple of `toNearest`.
      const inverse = 1 / scalarArg(1, 1);
      return vectorArg(0).map((s) => ({
        labels: withoutMetricName(s.labels),
        value: Math.floor(s.value * inverse + 0.5) / inverse,
      }));
    }
    default:
      throw new PromqlEvaluationError(`no such function ${func}()`);
  }
}

/**
 * rate() and increase(): the counter's rise over the samples in the window (counter resets
 * added back), extrapolated to the window's edges when the samples reach close to them (within
 * 1.1 average intervals), else by half an interval; never back past the counter's zero.
 */
export function extrapolatedRate(
  series: RangeSeries,
  rangeStart: number,
  rangeEnd: number,
  isRate: boolean,
): number | undefined {
  const { times, values } = series;
  const count = values.length;
  if (count < 2) return undefined;
  const firstT = times[0]!;
  const lastT = times[count - 1]!;
  let result = values[count - 1]! - values[0]!;
  let previous = values[0]!;
  for (let i = 1; i < count; i++) {
    const current = values[i]!;
    if (current < previous) result += previous;
    previous = current;
  }
  let durationToStart = (firstT - rangeStart) / 1000;
  let durationToEnd = (rangeEnd - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageInterval = sampledInterval / (count - 1);
  const threshold = averageInterval * 1.1;
  if (durationToStart >= threshold) durationToStart = averageInterval / 2;
  if (result > 0 && values[0]! >= 0) {
    const durationToZero = sampledInterval * (values[0]! / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= threshold) durationToEnd = averageInterval / 2;
  let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= (rangeEnd - rangeStart) / 1000;
  return result * factor;
}

/** deriv(): the least-squares slope per second, times taken from the first sample's. */
export function deriv(series: RangeSeries): number | undefined {
  const { times, values } = series;
  if (values.length < 2) return undefined;
  const first = values[0]!;
  if (values.every((v) => v === first)) return Number.isFinite(first) ? 0 : Number.NaN;
  let n = 0;
  let [sumX, cX, sumY, cY, sumXY, cXY, sumX2, cX2] = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < values.length; i++) {
    const x = (times[i]! - times[0]!) / 1000;
    const y = values[i]!;
    n++;
    [sumX, cX] = kahanAdd(sumX, cX, x);
    [sumY, cY] = kahanAdd(sumY, cY, y);
    [sumXY, cXY] = kahanAdd(sumXY, cXY, x * y);
    [sumX2, cX2] = kahanAdd(sumX2, cX2, x * x);
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  return covXY / varX;
}

interface Bucket {
  upperBound: number;
  count: number;
}

/** histogram_quantile() over classic histograms: the series of each `le`, grouped by the rest. */
export function histogramQuantile(q: number, vector: Vector): Sample[] {
  const groups = new Map<string, { labels: Labels; buckets: Bucket[] }>();
  for (const sample of vector) {
    const le = sample.labels.le;
    const upperBound = le === undefined ? Number.NaN : parseBound(le);
    // Prometheus skips (with a warning) a series whose `le` is missing or not a number.
    if (Number.isNaN(upperBound)) continue;
    const labels = dropLabels(sample.labels, ['le', METRIC_NAME]);
    const key = labelsKey(labels);
    let group = groups.get(key);
    if (!group) {
      group = { labels, buckets: [] };
      groups.set(key, group);
    }
    group.buckets.push({ upperBound, count: sample.value });
  }
  return [...groups.values()].map(({ labels, buckets }) => ({ labels, value: bucketQuantile(q, buckets) }));
}

function parseBound(text: string): number {
  const lower = text.toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  return text.trim() === '' ? Number.NaN : Number(text);
}

export function bucketQuantile(q: number, input: readonly Bucket[]): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const sorted = [...input].sort((a, b) => a.upperBound - b.upperBound);
  if (sorted.length === 0 || sorted.at(-1)!.upperBound !== Number.POSITIVE_INFINITY) return Number.NaN;
  // Buckets with the same bound (`le="1"` and `le="1.0"`) are one bucket.
  const buckets: Bucket[] = [];
  for (const bucket of sorted) {
    const last = buckets.at(-1);
    if (last && last.upperBound === bucket.upperBound) last.count += bucket.count;
    else buckets.push({ ...bucket });
  }
  ensureMonotonic(buckets);
  if (buckets.length < 2) return Number.NaN;
  const observations = buckets.at(-1)!.count;
  if (observations === 0) return Number.NaN;
  let rank = q * observations;
  let b = buckets.findIndex((bucket, i) => i < buckets.length - 1 && bucket.count >= rank);
  if (b === -1) b = buckets.length - 1;
  if (b === buckets.length - 1) return buckets[buckets.length - 2]!.upperBound;
  if (b === 0 && buckets[0]!.upperBound <= 0) return buckets[0]!.upperBound;
  let bucketStart = 0;
  const bucketEnd = buckets[b]!.upperBound;
  let count = buckets[b]!.count;
  if (b > 0) {
    bucketStart = buckets[b - 1]!.upperBound;
    count -= buckets[b - 1]!.count;
    rank -= buckets[b - 1]!.count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

/**
 * Counts must not fall from one bucket to the next. Rates of buckets scraped at slightly
 * different moments can: differences within 1e-12 (relative) are rounding and smoothed away,
 * larger falls are removed (Prometheus' ensureMonotonicAndIgnoreSmallDeltas).
 */
function ensureMonotonic(buckets: Bucket[]): void {
  let previous = buckets[0]?.count ?? 0;
  for (let i = 1; i < buckets.length; i++) {
    const current = buckets[i]!.count;
    if (current === previous) continue;
    if (almostEqual(previous, current, 1e-12) || current < previous) {
      buckets[i]!.count = previous;
      continue;
    }
    previous = current;
  }
}

/** The smallest normal float64 (Go: math.Float64frombits(0x0010000000000000)). */
const MIN_NORMAL = 2.2250738585072014e-308;

function almostEqual(a: number, b: number, epsilon: number): boolean {
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < epsilon * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}

/** absent()'s answer takes the equality matchers of a lone selector as its labels. */
function absentLabels(arg: Expr): Labels {
  if (arg.kind !== 'vectorSelector') return {};
  const labels: Record<string, string> = {};
  const repeated = new Set<string>();
  for (const matcher of arg.matchers) {
    if (matcher.type !== '=' || matcher.name === METRIC_NAME) continue;
    if (matcher.name in labels) repeated.add(matcher.name);
    labels[matcher.name] = matcher.value;
  }
  for (const name of repeated) delete labels[name];
  return labels;
}
