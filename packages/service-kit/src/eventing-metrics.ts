// Prometheus gauges for the event backbone, read when scraped: the service log's unpublished
// backlog and the age of its oldest unpublished event, consumer lag, parked events, and dead
// letters waiting for an operator. One set of gauges
// per registry; each service runtime adds itself as a source (several in the embedded tier).
import type { Database } from '@canvass/database';
import { type EventBus, parkedEvents, pendingDeadLetters, type Relay } from '@canvass/eventing';
import { Gauge, type Registry } from 'prom-client';

export interface EventingSource {
  service: string;
  db: Database;
  relay: Relay;
  bus: EventBus;
  consumers: readonly string[];
}

type Set = (labels: Record<string, string>, value: number) => void;

const sources = new WeakMap<Registry, globalThis.Set<EventingSource>>();

/** A gauge filled at scrape time from every source; a source that cannot answer is left out. */
function sourceGauge(
  registry: Registry,
  all: globalThis.Set<EventingSource>,
  name: string,
  help: string,
  labelNames: string[],
  read: (source: EventingSource, set: Set) => Promise<void>,
): void {
  new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      this.reset();
      for (const source of all)
        await read(source, (labels, value) => this.set(labels, value)).catch(() => {});
    },
  });
}

export function registerEventingMetrics(registry: Registry, source: EventingSource): () => void {
  let all = sources.get(registry);
  if (!all) {
    const created = new globalThis.Set<EventingSource>();
    all = created;
    sources.set(registry, created);
    sourceGauge(
      registry,
      created,
      'canvass_outbox_backlog',
      'Events of the service log (outbox or poll streams) not yet published',
      ['service'],
      async (s, set) => set({ service: s.service }, (await s.relay.status()).pending),
    );
    sourceGauge(
      registry,
      created,
      'canvass_outbox_oldest_age_seconds',
      'Age of the oldest event of the service log not yet published',
      ['service'],
      async (s, set) => set({ service: s.service }, (await s.relay.status()).oldestPendingAgeSeconds),
    );
    sourceGauge(
      registry,
      created,
      'canvass_consumer_lag',
      "Messages published and not yet acknowledged by a consumer (on NATS a run of one partition's events is one message)",
      ['service', 'consumer'],
      async (s, set) => {
        for (const consumer of s.consumers) set({ service: s.service, consumer }, await s.bus.lag(consumer));
      },
    );
    sourceGauge(
      registry,
      created,
      'canvass_consumer_parked_events',
      'Events waiting for an earlier event of their stream (stays above 0: a stream is stuck)',
      ['service', 'consumer'],
      async (s, set) => {
        const counts = await parkedEvents(s.db);
        for (const consumer of s.consumers) set({ service: s.service, consumer }, counts[consumer] ?? 0);
      },
    );
    sourceGauge(
      registry,
      created,
      'canvass_dead_letters_pending',
      'Dead-lettered events waiting for replay or discard',
      ['service', 'consumer'],
      async (s, set) => {
        const counts = await pendingDeadLetters(s.db);
        for (const consumer of s.consumers) set({ service: s.service, consumer }, counts[consumer] ?? 0);
      },
    );
  }
  all.add(source);
  return () => all.delete(source);
}
