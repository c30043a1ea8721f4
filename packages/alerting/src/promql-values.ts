// What an expression evaluates to at one instant, and Prometheus' float helpers.
import { PromqlEvaluationError } from './errors.ts';
import { formatSeries, type Labels, labelsKey } from './labels.ts';

export interface Sample {
  readonly labels: Labels;
  readonly value: number;
}

/** One series' samples over a range selector's window (staleness markers left out). */
export interface RangeSeries {
  readonly labels: Labels;
  readonly times: readonly number[];
  readonly values: readonly number[];
}

export type Value =
  | { readonly type: 'scalar'; readonly value: number }
  | { readonly type: 'vector'; readonly samples: readonly Sample[] }
  | {
      readonly type: 'matrix';
      readonly series: readonly RangeSeries[];
      /** The window, (startMs, endMs]. */
      readonly startMs: number;
      readonly endMs: number;
    };

/** Kahan–Neumaier summation, as Prometheus sums (its kahanSumInc). */
export function kahanAdd(sum: number, compensation: number, increment: number): [number, number] {
  const total = sum + increment;
  if (!Number.isFinite(total)) return [total, 0];
  if (Math.abs(sum) >= Math.abs(increment)) return [total, compensation + (sum - total) + increment];
  return [total, compensation + (increment - total) + sum];
}

/** Prometheus refuses a result holding one label set twice (once metric names are dropped). */
export function assertDistinct(samples: readonly Sample[], where: string): void {
  const seen = new Set<string>();
  for (const sample of samples) {
    const key = labelsKey(sample.labels);
    if (seen.has(key)) {
      throw new PromqlEvaluationError(
        `${where}: vector cannot contain metrics with the same labelset ${formatSeries(sample.labels)}`,
      );
    }
    seen.add(key);
  }
}
