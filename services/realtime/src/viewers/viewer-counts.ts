// How many are watching a poll live. Each realtime process reports its own count per poll; the
// total is what every viewer is shown. In one process (embedded tier) that is the local count.
export interface ViewerCounts {
  /** This process's viewers of a poll (0 once the last one left). */
  report(pollId: string, local: number): Promise<void>;
  /** Viewers of each poll summed over every process that reports. */
  totals(pollIds: readonly string[]): Promise<Map<string, number>>;
  /** Withdraws this process's counts. */
  close(): Promise<void>;
}

export function processViewerCounts(): ViewerCounts {
  const counts = new Map<string, number>();
  return {
    async report(pollId, local) {
      if (local === 0) counts.delete(pollId);
      else counts.set(pollId, local);
    },
    async totals(pollIds) {
      return new Map(pollIds.map((pollId) => [pollId, counts.get(pollId) ?? 0]));
    },
    async close() {
      counts.clear();
    },
  };
}

/** The same counts under a prefix, so two kinds of channel with the same ids never mix. */
export function prefixedCounts(counts: ViewerCounts, prefix: string): ViewerCounts {
  return {
    report: (id, local) => counts.report(`${prefix}${id}`, local),
    async totals(ids) {
      const totals = await counts.totals(ids.map((id) => `${prefix}${id}`));
      return new Map(ids.map((id) => [id, totals.get(`${prefix}${id}`) ?? 0]));
    },
    close: () => counts.close(),
  };
}
