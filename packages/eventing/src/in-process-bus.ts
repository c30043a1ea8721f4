// Embedded tier bus. The outbox is the durable log here: `publish` resolves only once every
// subscriber has handled the events, so the relay marks a row sent only after it was consumed.
// A failing subscriber fails the publish and the relay retries the rows later (inbox makes that safe).
// So does a paused one (a subscription name that stopped): events wait in the outbox until it is back.
import type { CloudEvent } from '@canvass/contracts';
import { type Delivery, type EventBus, eventOf, type SubscribeOptions, type Subscription } from './bus.ts';
import { logOf } from './subjects.ts';

interface Subscriber {
  options: SubscribeOptions;
  types: Set<string>;
  /** Contexts with an ordered log it reads whole (as a broker subscriber reads their partitions). */
  logs: Set<string>;
  attempts: Map<string, number>;
  inFlight: Set<Promise<void>>;
  stopped: boolean;
}

export interface InProcessBus extends EventBus {
  /** Sees every published event (for `canvass events tail`); returns a function that stops it. */
  tap(listener: (event: CloudEvent) => void): () => void;
}

export function createInProcessBus(): InProcessBus {
  const subscribers = new Set<Subscriber>();
  const taps = new Set<(event: CloudEvent) => void>();
  const paused = new Map<string, Set<string>>();
  let closed = false;

  async function deliver(subscriber: Subscriber, events: readonly CloudEvent[]): Promise<void> {
    const { wants } = subscriber.options;
    const matching = events.filter((event) =>
      subscriber.logs.has(logOf(event.type) ?? '')
        ? true
        : subscriber.types.has(event.type) && !(wants && event.partitionkey && !wants(event.partitionkey)),
    );
    const maxBatch = subscriber.options.maxBatch ?? 500;
    for (let start = 0; start < matching.length; start += maxBatch) {
      const chunk = matching.slice(start, start + maxBatch);
      const batch: Delivery[] = chunk.map((event) => {
        const attempt = (subscriber.attempts.get(event.id) ?? 0) + 1;
        subscriber.attempts.set(event.id, attempt);
        // A structured clone keeps subscribers from sharing (and mutating) the publisher's objects.
        return { payload: structuredClone(event), attempt };
      });
      await subscriber.options.handle(batch);
      for (const event of chunk) subscriber.attempts.delete(event.id);
    }
  }

  return {
    async publish(published) {
      if (closed) throw new Error('event bus is closed');
      const events = published.map(eventOf);
      for (const [name, types] of paused) {
        if (events.some((event) => types.has(event.type) || types.has(logOf(event.type) ?? '')))
          throw new Error(`subscriber ${name} is paused`);
      }
      for (const listener of taps) for (const event of events) listener(event);
      const work: Promise<void>[] = [];
      for (const subscriber of subscribers) {
        if (subscriber.stopped) continue;
        const delivery = deliver(subscriber, events);
        subscriber.inFlight.add(delivery);
        delivery.then(
          () => subscriber.inFlight.delete(delivery),
          () => subscriber.inFlight.delete(delivery),
        );
        work.push(delivery);
      }
      await Promise.all(work);
    },
    async subscribe(options): Promise<Subscription> {
      const subscriber: Subscriber = {
        options,
        types: new Set(options.types),
        logs: new Set(options.types.flatMap((type) => logOf(type) ?? [])),
        attempts: new Map(),
        inFlight: new Set(),
        stopped: false,
      };
      subscribers.add(subscriber);
      paused.delete(options.name);
      return {
        async stop() {
          subscriber.stopped = true;
          subscribers.delete(subscriber);
          // A stopped consumer group holds its events back; an ephemeral subscription just leaves.
          if (!closed && !options.ephemeral)
            paused.set(options.name, new Set([...subscriber.types, ...subscriber.logs]));
          await Promise.allSettled([...subscriber.inFlight]);
        },
      };
    },
    // Delivery is synchronous: what is published and not yet consumed is the publisher's outbox.
    lag: async () => 0,
    tap(listener) {
      taps.add(listener);
      return () => taps.delete(listener);
    },
    isConnected: () => !closed,
    async close() {
      closed = true;
      paused.clear();
    },
  };
}
