// Live alerts for the operator console, computed here from the rule files Prometheus loads
// (deploy/prometheus/rules) without a Prometheus server: every interval the gateway scrapes its
// own registry and each peer's /metrics into a small in-memory store (@canvass/alerting), labels
// the samples as prometheus.yml's jobs would (job, instance, component, and `up`), and evaluates
// the rules. GET /admin/v1/alerts answers what is pending and firing. Prometheus, where one runs,
// stays the source of truth: this keeps an hour of samples and forgets `for:` on a restart.
import { fileURLToPath } from 'node:url';
import {
  type ActiveAlert,
  createRuleEngine,
  createSeriesStore,
  DEFAULT_RETENTION_MS,
  type Labels,
  loadRuleDirectory,
  parseExposition,
  type RuleEngine,
  referencedMetricNames,
  type ScrapedSample,
} from '@canvass/alerting';
import { HttpProblem } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { bodyBuffer, type Upstream } from './upstream.ts';

export const DEFAULT_RULES_DIR = fileURLToPath(new URL('../../../deploy/prometheus/rules/', import.meta.url));

export interface AlertRoutesOptions {
  /** Every instance of every service to scrape (empty in the embedded tier). */
  peers: readonly Upstream[];
  adminToken: string | undefined;
  /** This process's registry: the gateway's own metrics, or every service's in the embedded tier. */
  ownMetrics?: Registry;
  /** How often to scrape and evaluate (default 15 s, Prometheus' interval in prometheus.yml). */
  intervalMs?: number;
  rulesDir?: string;
  /** How long samples are kept (default 1 hour). */
  retentionMs?: number;
  /** The clock (milliseconds since the epoch); tests bring their own. */
  now?: () => number;
}

interface Target {
  /** job, instance and component, as prometheus.yml's scrape jobs label their targets. */
  readonly labels: Labels;
  readonly scrape: () => Promise<string>;
  up: boolean | undefined;
  lastError: string | undefined;
}

/** Prometheus' default scrape timeout. */
const SCRAPE_TIMEOUT_MS = 10_000;

export function alertRoutes(admin: FastifyInstance, options: AlertRoutesOptions): void {
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? 15_000;
  const rulesDir = options.rulesDir ?? DEFAULT_RULES_DIR;
  const authorization = `Bearer ${options.adminToken ?? ''}`;
  let engine: RuleEngine | undefined;
  let unavailable: string | undefined;
  const store = (() => {
    try {
      const groups = loadRuleDirectory(rulesDir);
      const names = referencedMetricNames(groups);
      const created = createSeriesStore({
        retentionMs: options.retentionMs ?? DEFAULT_RETENTION_MS,
        ...(names ? { keep: (name: string) => names.has(name) } : {}),
      });
      engine = createRuleEngine({ groups, store: created });
      return created;
    } catch (error) {
      // The gateway keeps serving voters; the console says why it has no alerts.
      unavailable = `The alert rules in ${rulesDir} could not be loaded: ${(error as Error).message}`;
      admin.log.error({ err: error }, 'alert rules not loaded; /admin/v1/alerts is unavailable');
      return undefined;
    }
  })();

  const targets: Target[] = [];
  const ownMetrics = options.ownMetrics;
  if (ownMetrics) {
    targets.push({
      labels: { job: 'canvass-gateway', instance: 'gateway', component: 'gateway' },
      scrape: () => ownMetrics.metrics(),
      up: undefined,
      lastError: undefined,
    });
  }
  for (const peer of options.peers) {
    targets.push({
      labels: { job: 'canvass-services', instance: peer.name, component: peer.name.replace(/-\d+$/, '') },
      scrape: async () => {
        const response = await peer.forward({ method: 'GET', url: '/metrics', headers: { authorization } });
        const body = (await bodyBuffer(response.body)).toString('utf8');
        if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
        return body;
      },
      up: undefined,
      lastError: undefined,
    });
  }

  async function scrape(target: Target): Promise<ScrapedSample[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('scrape timed out')),
        Math.min(intervalMs, SCRAPE_TIMEOUT_MS),
      );
    });
    try {
      const text = await Promise.race([target.scrape(), timeout]);
      return parseExposition(text).map((sample) => ({
        labels: withTargetLabels(sample.labels, target.labels, sample.name),
        value: sample.value,
        ...(sample.timestampMs !== undefined ? { timestampMs: sample.timestampMs } : {}),
      }));
    } finally {
      clearTimeout(timer);
    }
  }

  let running = false;
  async function scrapeAndEvaluate(): Promise<void> {
    if (running || !store || !engine) return;
    running = true;
    try {
      const time = now();
      const scraped = await Promise.all(
        targets.map((target) =>
          scrape(target).then(
            (samples) => ({ samples }),
            (error: Error) => ({ error }),
          ),
        ),
      );
      targets.forEach((target, i) => {
        const result = scraped[i]!;
        const scope = target.labels.instance!;
        if ('samples' in result) store.ingest(scope, result.samples, time);
        else store.markStale(scope, time);
        target.up = 'samples' in result;
        target.lastError = 'error' in result ? result.error.message : undefined;
        store.append({ __name__: 'up', ...target.labels }, time, target.up ? 1 : 0);
      });
      store.evict(time);
      engine.evaluate(time);
    } catch (error) {
      admin.log.warn({ err: error }, 'alert evaluation failed');
    } finally {
      running = false;
    }
  }

  let interval: NodeJS.Timeout | undefined;
  admin.addHook('onReady', async () => {
    if (!engine) return;
    interval = setInterval(() => void scrapeAndEvaluate(), intervalMs);
    interval.unref();
    void scrapeAndEvaluate();
  });
  admin.addHook('onClose', async () => {
    clearInterval(interval);
  });

  admin.get('/admin/v1/alerts', async () => {
    if (!store || !engine) {
      throw new HttpProblem(503, 'alert-rules-unavailable', 'Alert rules are not loaded', unavailable);
    }
    const evaluatedAt = engine.lastEvaluationMs;
    const historyStart = evaluatedAt === undefined ? undefined : store.historyStartMs(evaluatedAt);
    return {
      evaluatedAt: evaluatedAt === undefined ? null : new Date(evaluatedAt).toISOString(),
      alerts: engine.alerts().map(alertAnswer),
      rules: engine.ruleCount,
      /** Seconds of samples the evaluation had: windows longer than this were partial. */
      partialHistorySeconds:
        evaluatedAt === undefined || historyStart === undefined ? 0 : (evaluatedAt - historyStart) / 1000,
      failedRules: engine.failures().map(({ group, rule, error }) => ({ group, rule, error })),
      targets: targets.map((target) => ({
        ...target.labels,
        up: target.up ?? null,
        ...(target.lastError ? { error: target.lastError } : {}),
      })),
    };
  });
}

/** As Prometheus (honor_labels off): target labels win, a scraped label they clash with becomes exported_<name>. */
function withTargetLabels(scraped: Labels, target: Labels, name: string): Labels {
  const labels: Record<string, string> = { ...scraped };
  for (const [key, value] of Object.entries(target)) {
    if (key in labels) labels[`exported_${key}`] = labels[key]!;
    labels[key] = value;
  }
  labels.__name__ = name;
  return labels;
}

function alertAnswer(alert: ActiveAlert) {
  return {
    name: alert.name,
    state: alert.state,
    labels: alert.labels,
    annotations: alert.annotations,
    activeAt: new Date(alert.activeAtMs).toISOString(),
    // JSON has no NaN or infinities: those answer null.
    value: Number.isFinite(alert.value) ? alert.value : null,
    partialWindow: alert.partialWindow,
  };
}
