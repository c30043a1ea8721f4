// How many live results connections (SSE streams, WebSockets) may be open at once, per client
// address and per poll. Counted here, at the gateway, because only the gateway sees every live
// connection whichever realtime process serves it, and knows the client's address (realtime sees
// the gateway's). A connection is counted from the moment it is admitted until it closes. The
// counts are this gateway process's: the cluster tier runs one gateway; with several, each one
// enforces its own limits (see docs/operations.md).
import { HttpProblem } from '@canvass/service-kit';
import { Counter, Gauge, type Registry } from 'prom-client';

export interface LiveLimits {
  /** Open live connections per client address (IPv6: per /64, what one subscriber is usually given). */
  perAddress: number;
  /** Open live connections per poll. */
  perPoll: number;
}

// A lecture hall behind one NAT opens one connection per phone: the address limit leaves room for
// a big room, and still stops one machine from holding thousands of sockets (each costs memory here
// and in realtime, and a share of every results update).
export const defaultLiveLimits: LiveLimits = { perAddress: 500, perPoll: 20_000 };

/** Seconds a refused client is told to wait: connections free up as viewers leave. */
const RETRY_AFTER_SECONDS = 10;

export interface LiveConnections {
  /**
   * Counts one more connection from `address` to `pollId`, or throws 429 problem when either is at
   * its limit. The returned function uncounts it (once, however often it is called).
   */
  admit(address: string, pollId: string): () => void;
}

/** The part of an address that names one client: IPv4 as is, IPv6 by its /64 prefix. */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

function metricsOf(registry: Registry | undefined) {
  if (!registry) return undefined;
  const registers = [registry];
  return {
    open:
      (registry.getSingleMetric('canvass_gateway_live_connections') as Gauge | undefined) ??
      new Gauge({
        name: 'canvass_gateway_live_connections',
        help: 'Live results connections open through this gateway',
        registers,
      }),
    refused:
      (registry.getSingleMetric('canvass_gateway_live_refused_total') as Counter<'limit'> | undefined) ??
      new Counter({
        name: 'canvass_gateway_live_refused_total',
        help: 'Live results connections refused because a limit was reached',
        labelNames: ['limit'],
        registers,
      }),
  };
}

export function liveConnections(
  limits: LiveLimits = defaultLiveLimits,
  registry?: Registry,
): LiveConnections {
  const byAddress = new Map<string, number>();
  const byPoll = new Map<string, number>();
  const metrics = metricsOf(registry);
  const change = (counts: Map<string, number>, key: string, by: number) => {
    const count = (counts.get(key) ?? 0) + by;
    if (count <= 0) counts.delete(key);
    else counts.set(key, count);
  };

  function refuse(limit: 'address' | 'poll'): never {
    metrics?.refused.inc({ limit });
    const detail =
      limit === 'address'
        ? `At most ${limits.perAddress} live connections may be open from one address; close one or try again later.`
        : `This poll has its maximum of ${limits.perPoll} live viewers; try again later or read GET …/results.`;
    throw new HttpProblem(429, 'too-many-live-connections', 'Too many live connections', detail, {
      retryAfter: RETRY_AFTER_SECONDS,
      limit,
    });
  }

  return {
    admit(address, pollId) {
      const client = addressKey(address);
      if ((byAddress.get(client) ?? 0) >= limits.perAddress) refuse('address');
      if ((byPoll.get(pollId) ?? 0) >= limits.perPoll) refuse('poll');
      change(byAddress, client, 1);
      change(byPoll, pollId, 1);
      metrics?.open.inc();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        change(byAddress, client, -1);
        change(byPoll, pollId, -1);
        metrics?.open.dec();
      };
    },
  };
}
