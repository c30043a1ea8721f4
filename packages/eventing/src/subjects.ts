// Where an event travels on a broker. The subject is the event type without its version
// (`polls.vote.cast.v1` → `polls.vote.cast`), so every version of an event shares one ordered
// subject; types with partitions add the partition of their partition key
// (`polls.vote.cast.5`), so each poll's votes stay in order while partitions scale out.

/** Partition counts per unversioned type; every other type has one subject and no suffix. */
export type PartitionMap = Readonly<Record<string, number>>;

export const defaultPartitions: PartitionMap = { 'polls.vote.cast': 8 };

export function unversioned(type: string): string {
  return type.replace(/\.v\d+$/, '');
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

export function subjectFor(
  event: { type: string; id: string; partitionkey?: string | undefined },
  partitions: PartitionMap = defaultPartitions,
): string {
  const base = unversioned(event.type);
  const count = partitions[base] ?? 1;
  return count > 1 ? `${base}.${partitionOf(event.partitionkey ?? event.id, count)}` : base;
}

/** Every subject a consumer of these types must read: all partitions of partitioned types. */
export function subjectsFor(
  types: readonly string[],
  partitions: PartitionMap = defaultPartitions,
): string[] {
  const subjects = new Set<string>();
  for (const type of types) {
    const base = unversioned(type);
    const count = partitions[base] ?? 1;
    if (count > 1) for (let p = 0; p < count; p++) subjects.add(`${base}.${p}`);
    else subjects.add(base);
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
