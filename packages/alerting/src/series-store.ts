// A small in-memory time-series store: what a Prometheus server would hold, for as long as the
// retention (default 1 hour). Samples are appended at scrape time; a series that a target (or a
// recording rule) stops reporting gets a staleness marker, as Prometheus writes one, so instant
// queries stop seeing it at once instead of five minutes later.
import { type LabelMatcher, type Labels, labelsKey, METRIC_NAME, matchesAll } from './labels.ts';
import { SampleRing } from './sample-ring.ts';

export const DEFAULT_RETENTION_MS = 60 * 60 * 1000;

export interface SeriesStoreOptions {
  /** How long samples are kept (default 1 hour). */
  retentionMs?: number;
  /** Which metric names to keep (default: all); the rule engine names those its rules read. */
  keep?: (metricName: string) => boolean;
}

export interface Series {
  /** With `__name__`. */
  readonly labels: Labels;
  readonly samples: SampleRing;
}

export interface ScrapedSample {
  /** With `__name__`. */
  labels: Labels;
  value: number;
  /** The sample's own time, when its exposition gave one; otherwise the scrape's. */
  timestampMs?: number;
}

export interface SeriesStore {
  readonly retentionMs: number;
  readonly seriesCount: number;
  append(labels: Labels, timestampMs: number, value: number): void;
  /** A staleness marker: the series is gone from `timestampMs` on. */
  appendStale(labels: Labels, timestampMs: number): void;
  /**
   * One scrape of a target (or one evaluation of a rule), `scope` naming it: appends the samples,
   * and marks stale the series the scope reported last time and not now.
   */
  ingest(scope: string, samples: readonly ScrapedSample[], timestampMs: number): void;
  /** A failed scrape: every series of the scope goes stale. */
  markStale(scope: string, timestampMs: number): void;
  select(matchers: readonly LabelMatcher[]): Series[];
  /** Drops samples older than the retention before `nowMs`, and series left empty. */
  evict(nowMs: number): void;
  /** The oldest time the store can answer for at `nowMs` (undefined before any sample). */
  historyStartMs(nowMs: number): number | undefined;
}

export function createSeriesStore(options: SeriesStoreOptions = {}): SeriesStore {
  const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  const keep = options.keep ?? (() => true);
  /** Metric name → series key → series. */
  const byName = new Map<string, Map<string, Series>>();
  const scopes = new Map<string, Map<string, Labels>>();
  let firstSampleMs: number | undefined;
  let seriesCount = 0;

  function write(labels: Labels, key: string, time: number, value: number, stale: boolean): void {
    const name = labels[METRIC_NAME] ?? '';
    if (!keep(name)) return;
    let named = byName.get(name);
    if (!named) {
      named = new Map();
      byName.set(name, named);
    }
    let series = named.get(key);
    if (!series) {
      if (stale) return;
      series = { labels, samples: new SampleRing() };
      named.set(key, series);
      seriesCount++;
    }
    if (stale && (series.samples.lastIsStale || series.samples.size === 0)) return;
    series.samples.push(time, value, stale);
    if (!stale && (firstSampleMs === undefined || time < firstSampleMs)) firstSampleMs = time;
  }

  function markStale(scope: string, time: number): void {
    for (const [key, labels] of scopes.get(scope) ?? []) write(labels, key, time, Number.NaN, true);
    scopes.delete(scope);
  }

  return {
    retentionMs,
    get seriesCount() {
      return seriesCount;
    },
    append: (labels, time, value) => write(labels, labelsKey(labels), time, value, false),
    appendStale: (labels, time) => write(labels, labelsKey(labels), time, Number.NaN, true),
    ingest(scope, samples, time) {
      const previous = scopes.get(scope);
      const current = new Map<string, Labels>();
      for (const sample of samples) {
        const key = labelsKey(sample.labels);
        current.set(key, sample.labels);
        write(sample.labels, key, sample.timestampMs ?? time, sample.value, false);
      }
      for (const [key, labels] of previous ?? []) {
        if (!current.has(key)) write(labels, key, time, Number.NaN, true);
      }
      scopes.set(scope, current);
    },
    markStale,
    select(matchers) {
      const name = matchers.find((m) => m.name === METRIC_NAME && m.type === '=')?.value;
      const candidates = name !== undefined ? [byName.get(name)] : [...byName.values()];
      const found: Series[] = [];
      for (const named of candidates) {
        for (const series of named?.values() ?? []) {
          if (matchesAll(series.labels, matchers)) found.push(series);
        }
      }
      return found;
    },
    evict(now) {
      const cutoff = now - retentionMs;
      for (const [name, named] of byName) {
        for (const [key, series] of named) {
          series.samples.evictThrough(cutoff);
          if (series.samples.size === 0) {
            named.delete(key);
            seriesCount--;
          }
        }
        if (named.size === 0) byName.delete(name);
      }
    },
    historyStartMs(now) {
      if (firstSampleMs === undefined) return undefined;
      return Math.max(firstSampleMs, now - retentionMs);
    },
  };
}
