// RED per service from the gateway's /metrics, read every few seconds: request rate, the share of
// 5xx answers, and p50/p99 latency from the histogram's buckets, each over the interval between two
// reads. In the embedded tier that registry holds every service; in the cluster tier it is the
// gateway's own (the edge view of every route).

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(LABEL))
      labels[label[1]!] = label[2]!.replace(/\\(.)/g, '$1');
    const value = Number(match[3]);
    if (Number.isFinite(value) || match[3] === '+Inf') samples.push({ name: match[1]!, labels, value });
  }
  return samples;
}

export interface Red {
  service: string;
  requestsPerSecond: number;
  errorRatio: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

interface Totals {
  requests: number;
  errors: number;
  /** Cumulative bucket counts by upper bound (seconds). */
  buckets: Map<number, number>;
}

function totalsByService(samples: Sample[]): Map<string, Totals> {
  const byService = new Map<string, Totals>();
  const of = (service: string) => {
    let totals = byService.get(service);
    if (!totals) {
      totals = { requests: 0, errors: 0, buckets: new Map() };
      byService.set(service, totals);
    }
    return totals;
  };
  for (const sample of samples) {
    const service = sample.labels.service;
    if (!service) continue;
    if (sample.name === 'http_requests_total') {
      const totals = of(service);
      totals.requests += sample.value;
      if (String(sample.labels.status_code).startsWith('5')) totals.errors += sample.value;
    } else if (sample.name === 'http_request_duration_seconds_bucket') {
      const le = sample.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(sample.labels.le);
      const buckets = of(service).buckets;
      buckets.set(le, (buckets.get(le) ?? 0) + sample.value);
    }
  }
  return byService;
}

/** The quantile of a histogram's increase (linear within a bucket, as Prometheus does). */
export function quantile(q: number, buckets: [number, number][]): number | null {
  const sorted = buckets.filter(([, count]) => Number.isFinite(count)).sort(([a], [b]) => a - b);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [bound, count] of sorted) {
    if (count >= rank) {
      if (!Number.isFinite(bound)) return lowerBound;
      const inBucket = count - lowerCount;
      return inBucket <= 0 ? bound : lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / inBucket;
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}

/** RED over the time between two reads of /metrics (seconds apart). */
export function redBetween(before: Sample[], after: Sample[], seconds: number): Red[] {
  const was = totalsByService(before);
  const now = totalsByService(after);
  const rows: Red[] = [];
  for (const [service, totals] of now) {
    const old = was.get(service) ?? { requests: 0, errors: 0, buckets: new Map<number, number>() };
    const requests = Math.max(0, totals.requests - old.requests);
    const errors = Math.max(0, totals.errors - old.errors);
    const increase: [number, number][] = [...totals.buckets].map(([le, count]) => [
      le,
      Math.max(0, count - (old.buckets.get(le) ?? 0)),
    ]);
    const ms = (value: number | null) => (value === null ? null : value * 1000);
    rows.push({
      service,
      requestsPerSecond: seconds > 0 ? requests / seconds : 0,
      errorRatio: requests > 0 ? errors / requests : 0,
      p50Ms: ms(quantile(0.5, increase)),
      p99Ms: ms(quantile(0.99, increase)),
    });
  }
  return rows.sort((a, b) => a.service.localeCompare(b.service));
}
