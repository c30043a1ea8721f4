// Prometheus gauges for the event backbone, read when scraped: outbox backlog and the age of its
// oldest unsent row, consumer lag, and dead letters waiting for an operator. One set of gauges
// per registry; each service runtime adds itself as a source (several in the embedded tier).
import type { Database } from '@canvass/database';
import { type EventBus, type Outbox, pendingDeadLetters } from '@canvass/eventing';
import { Gauge, type Registry } from 'prom-client';

export interface EventingSource {
  service: string;
  db: Database;
  outbox: Outbox;
  bus: EventBus;
  consumers: readonly string[];
}

const sources = new WeakMap<Registry, Set<EventingSource>>();

async function settled<T>(work: Promise<T>): Promise<T | undefined> {
  try {
    return await work;
  } catch {
    return undefined;
  }
}

export function registerEventingMetrics(registry: Registry, source: EventingSource): () => void {
  let set = sources.get(registry);
  if (!set) {
    const all = new Set<EventingSource>();
    set = all;
    sources.set(registry, all);
    new Gauge({
      name: 'canvass_outbox_backlog',
      help: 'Outbox rows not yet published',
      labelNames: ['service'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const s of all) {
          const status = await settled(s.outbox.status());
          if (status) this.set({ service: s.service }, status.pending);
        }
      },
    });
    new Gauge({
      name: 'canvass_outbox_oldest_age_seconds',
      help: 'Age of the oldest outbox row not yet published',
      labelNames: ['service'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const s of all) {
          const status = await settled(s.outbox.status());
          if (status) this.set({ service: s.service }, status.oldestPendingAgeSeconds);
        }
      },
    });
    new Gauge({
      name: 'canvass_consumer_lag',
      help: 'Events published and not yet acknowledged by a consumer',
      labelNames: ['service', 'consumer'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const s of all) {
          for (const consumer of s.consumers) {
            const lag = await settled(s.bus.lag(consumer));
            if (lag !== undefined) this.set({ service: s.service, consumer }, lag);
          }
        }
      },
    });
    new Gauge({
      name: 'canvass_dead_letters_pending',
      help: 'Dead-lettered events waiting for replay or discard',
      labelNames: ['service', 'consumer'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const s of all) {
          const counts = await settled(pendingDeadLetters(s.db));
          for (const consumer of s.consumers)
            this.set({ service: s.service, consumer }, counts?.[consumer] ?? 0);
        }
      },
    });
  }
  set.add(source);
  return () => set.delete(source);
}
