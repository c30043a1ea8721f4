// How many processes the cluster tier runs per service (`npm run start:cluster -- --replicas
// gateway=2,polls=2` or CANVASS_REPLICAS), and the port each one listens on. Every service is
// correct with several processes (docs/architecture.md, "Replicas"): gateways share the public
// port (SO_REUSEPORT); the others each get a port of their own, the first at the service's fixed
// offset from PORT (services.ts) and the rest after the last fixed offset, so the one-replica
// layout, which tests and docs name, does not move.

/** Services that can run several processes (the payment provider stub is one, always). */
export const SCALABLE = [
  'gateway',
  'polls',
  'analytics',
  'identity',
  'notifications',
  'billing',
  'realtime',
] as const;
export type Scalable = (typeof SCALABLE)[number];

export const MAX_REPLICAS = 16;
/** The first port offset for a second or later replica: past the fixed ones (payments is +22). */
export const EXTRA_REPLICAS_OFFSET = 23;

/**
 * Parses `polls=2,analytics=3` into counts; services not named keep `defaults`. Throws an Error
 * that says what is wrong and what is allowed.
 */
export function parseReplicas(
  text: string,
  defaults: Readonly<Record<Scalable, number>>,
): Record<Scalable, number> {
  const counts = { ...defaults };
  for (const part of text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)) {
    const match = /^([a-z-]+)=(\d+)$/.exec(part);
    if (!match) throw new Error(`replicas: "${part}" is not service=count (e.g. polls=2)`);
    const [, name, count] = match;
    if (!(SCALABLE as readonly string[]).includes(name!))
      throw new Error(`replicas: no service "${name}"; choose among ${SCALABLE.join(', ')}`);
    const n = Number(count);
    if (n < 1 || n > MAX_REPLICAS)
      throw new Error(
        `replicas: ${name}=${n} is out of range; each service runs 1 to ${MAX_REPLICAS} processes`,
      );
    counts[name as Scalable] = n;
  }
  return counts;
}

export interface PlannedProcess {
  /** `polls` alone, `polls-1`, `polls-2`… with several. */
  name: string;
  service: Scalable;
  /** Offset from PORT (gateways: 0, shared). */
  portOffset: number;
}

/**
 * Every process and its port offset. `fixedOffsets` is each service's first offset
 * (realtime's processes take consecutive ones from its own, as before).
 */
export function planProcesses(
  counts: Readonly<Record<Scalable, number>>,
  fixedOffsets: Readonly<Record<Exclude<Scalable, 'gateway'>, number>>,
): PlannedProcess[] {
  const planned: PlannedProcess[] = [];
  let extra = EXTRA_REPLICAS_OFFSET;
  for (const service of SCALABLE) {
    const count = counts[service];
    for (let i = 0; i < count; i++) {
      const name = count === 1 && service !== 'realtime' ? service : `${service}-${i + 1}`;
      const portOffset =
        service === 'gateway'
          ? 0
          : service === 'realtime'
            ? fixedOffsets.realtime + i
            : i === 0
              ? fixedOffsets[service]
              : extra++;
      planned.push({ name, service, portOffset });
    }
  }
  return planned;
}

/** How many ports past PORT the plan uses, for a caller that reserves a block. */
export function portSpan(planned: readonly PlannedProcess[]): number {
  return Math.max(EXTRA_REPLICAS_OFFSET, ...planned.map((p) => p.portOffset + 1));
}
