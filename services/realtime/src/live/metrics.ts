// What an operator watches on the live path: how many are connected, what they are sent, how
// often a slow client had a snapshot superseded before it could take it, how many were cut off
// for not reading at all, and vote-to-screen time.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface LiveMetrics {
  connections: Gauge<'transport'>;
  messages: Counter<'type'>;
  coalesced: Counter;
  stalled: Counter<'transport'>;
  freshness: Histogram;
  voteToScreen: Histogram;
}

function metric<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export function liveMetrics(registry: Registry): LiveMetrics {
  const registers = [registry];
  return {
    connections: metric(
      registry,
      'canvass_live_connections',
      () =>
        new Gauge({
          name: 'canvass_live_connections',
          help: 'Open live results connections',
          labelNames: ['transport'],
          registers,
        }),
    ),
    messages: metric(
      registry,
      'canvass_live_messages_sent_total',
      () =>
        new Counter({
          name: 'canvass_live_messages_sent_total',
          help: 'Messages written to live viewers',
          labelNames: ['type'],
          registers,
        }),
    ),
    coalesced: metric(
      registry,
      'canvass_live_snapshots_coalesced_total',
      () =>
        new Counter({
          name: 'canvass_live_snapshots_coalesced_total',
          help: 'Snapshots a slow viewer never got because a newer one replaced them',
          registers,
        }),
    ),
    stalled: metric(
      registry,
      'canvass_live_viewers_cut_off_total',
      () =>
        new Counter({
          name: 'canvass_live_viewers_cut_off_total',
          help: 'Live viewers cut off because their connection stayed congested (they stopped reading)',
          labelNames: ['transport'],
          registers,
        }),
    ),
    voteToScreen: metric(
      registry,
      'canvass_vote_to_screen_seconds',
      () =>
        new Histogram({
          name: 'canvass_vote_to_screen_seconds',
          help: 'From the earliest vote a snapshot newly counts being accepted to the snapshot going to its viewers',
          buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
          registers,
        }),
    ),
    freshness: metric(
      registry,
      'canvass_live_freshness_seconds',
      () =>
        new Histogram({
          name: 'canvass_live_freshness_seconds',
          help: 'From the results changing (updatedAt) to the snapshot being written to a viewer',
          buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
          registers,
        }),
    ),
  };
}
