// Where an event travels on a broker. A bounded context that keeps an ordered log (polls,
// identity) sends every event of one partition key, whatever its type, on one partition subject
// (`polls.events.5`): a poll's created, opened, votes, retractions, moderation and close travel in
// the order they were committed, and partitions are consumed in parallel. Every other type has
// one subject, the type without its version (`analytics.results.updated`), so all versions of an
// event share one ordered subject.

/** Partition counts of the contexts that keep an ordered log (context = the type's first segment). */
export type PartitionMap = Readonly<Record<string, number>>;

/**
 * Fixed per deployment: the partition is stored with each log row, so changing a count needs a
 * migration that re-partitions the log (docs/operations.md).
 */
export const LOG_PARTITIONS = 8;
export const defaultPartitions: PartitionMap = { polls: LOG_PARTITIONS, identity: LOG_PARTITIONS };

export function unversioned(type: string): string {
  return type.replace(/\.v\d+$/, '');
}

export function contextOf(type: string): string {
  return type.slice(0, type.indexOf('.'));
}

/**
 * Superseding live snapshots a logged context sends beside its log (`polls.live.stage.v1`, the
 * presenter's stage): second segment `live`. They carry no stream position and nobody replays
 * them, so they travel on their own subject (`polls.live.stage`), not on a partition.
 */
export function isLiveType(type: string): boolean {
  return type.split('.', 2)[1] === 'live';
}

/** The context whose ordered log carries this type, or undefined when it has its own subject. */
export function logOf(type: string, partitions: PartitionMap = defaultPartitions): string | undefined {
  const context = contextOf(type);
  return partitions[context] && !isLiveType(type) ? context : undefined;
}

/** FNV-1a: stable across processes and releases, unlike anything seeded. */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

/**
 * The context regions exchange events in (docs/regions.md): its events travel on
 * `region.<origin region>.<rest of the type>`, the origin region being the event's partition key,
 * so each region's stream holds only its own subjects and sources the others' by theirs.
 */
export const REGION_CONTEXT = 'region';

function regionSubject(type: string, origin: string): string {
  return `${REGION_CONTEXT}.${origin}.${unversioned(type).slice(REGION_CONTEXT.length + 1)}`;
}

/**
 * What a NATS leafnode joining two regions must not carry, either way: every context's subjects,
 * region's included. Each region's streams listen on the same subjects, so without this a publish
 * in one region would be stored (and acknowledged) by the other's stream too. Regions exchange
 * events only by stream sourcing, through the JetStream domain API the leafnode maps.
 */
export function regionLinkDenied(types: Iterable<string>): string[] {
  return [...new Set([...types].map(contextOf))].sort().map((context) => `${context}.>`);
}

export function logSubject(context: string, partition: number): string {
  return `${context}.events.${partition}`;
}

/** Whether a subject is one of an ordered log's partitions (what logSubject names). */
export function isLogSubject(subject: string, partitions: PartitionMap = defaultPartitions): boolean {
  const [context, kind, partition, ...rest] = subject.split('.');
  return (
    kind === 'events' &&
    rest.length === 0 &&
    context !== undefined &&
    partitions[context] !== undefined &&
    /^\d+$/.test(partition ?? '')
  );
}

export function subjectFor(
  event: { type: string; id: string; partitionkey?: string | undefined },
  partitions: PartitionMap = defaultPartitions,
): string {
  const context = contextOf(event.type);
  if (context === REGION_CONTEXT) {
    if (!event.partitionkey) throw new Error(`${event.type} needs its origin region as partition key`);
    return regionSubject(event.type, event.partitionkey);
  }
  const count = partitions[context];
  return logOf(event.type, partitions) && count
    ? logSubject(context, partitionOf(event.partitionkey ?? event.id, count))
    : unversioned(event.type);
}

/** Every subject a consumer of these types must read: all partitions of a context's log. */
export function subjectsFor(
  types: readonly string[],
  partitions: PartitionMap = defaultPartitions,
): string[] {
  const subjects = new Set<string>();
  for (const type of types) {
    const context = contextOf(type);
    // Every region's events of a type, its own included (subscribers skip what they sent).
    if (context === REGION_CONTEXT) {
      subjects.add(regionSubject(type, '*'));
      continue;
    }
    const count = partitions[context];
    if (count && logOf(type, partitions))
      for (let p = 0; p < count; p++) subjects.add(logSubject(context, p));
    else subjects.add(unversioned(type));
  }
  return [...subjects];
}

/** NATS subject matching: `*` matches one token, a final `>` one or more. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const want = pattern.split('.');
  const have = subject.split('.');
  for (let i = 0; i < want.length; i++) {
    if (want[i] === '>') return have.length > i;
    if (i >= have.length || (want[i] !== '*' && want[i] !== have[i])) return false;
  }
  return want.length === have.length;
}
