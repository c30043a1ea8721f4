// sum, max, min, avg and count, `by` or `without` labels, as Prometheus aggregates: Kahan sums,
// and max/min that let a number replace a NaN.
import { dropLabels, keepLabels, type Labels, labelsKey, METRIC_NAME } from './labels.ts';
import type { AggregationOp } from './promql-ast.ts';
import { kahanAdd, type Sample } from './promql-values.ts';

interface Group {
  labels: Labels;
  value: number;
  compensation: number;
  count: number;
}

export function aggregate(
  op: AggregationOp,
  samples: readonly Sample[],
  grouping: readonly string[],
  without: boolean,
): Sample[] {
  const groups = new Map<string, Group>();
  const dropped = [...grouping, METRIC_NAME];
  for (const sample of samples) {
    const labels = without ? dropLabels(sample.labels, dropped) : keepLabels(sample.labels, grouping);
    const key = labelsKey(labels);
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { labels, value: sample.value, compensation: 0, count: 1 });
      continue;
    }
    group.count++;
    switch (op) {
      case 'sum':
      case 'avg':
        [group.value, group.compensation] = kahanAdd(group.value, group.compensation, sample.value);
        break;
      case 'max':
        if (group.value < sample.value || Number.isNaN(group.value)) group.value = sample.value;
        break;
      case 'min':
        if (group.value > sample.value || Number.isNaN(group.value)) group.value = sample.value;
        break;
      case 'count':
        break;
    }
  }
  return [...groups.values()].map((group) => {
    switch (op) {
      case 'sum':
        return { labels: group.labels, value: group.value + group.compensation };
      case 'avg':
        return { labels: group.labels, value: (group.value + group.compensation) / group.count };
      case 'count':
        return { labels: group.labels, value: group.count };
      default:
        return { labels: group.labels, value: group.value };
    }
  });
}
