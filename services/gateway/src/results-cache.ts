// Public results reads are the most frequent request in a live event (every voter's screen asks):
// the gateway keeps each poll's anonymous answer for a short time and collapses concurrent misses
// into one upstream call. An `analytics.results.updated` event for the poll drops its entry, so a
// change shows at once; the TTL bounds staleness when no event arrives. Only requests without
// credentials are cached: what they see depends on the poll alone, never on who asks.
import { bodyBuffer, type ForwardResponse } from './upstream.ts';

export interface CachedAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface ResultsCache {
  /** The cached answer, or the one `load` gives (shared by every concurrent caller). */
  get(pollId: string, load: () => Promise<ForwardResponse>): Promise<{ answer: CachedAnswer; hit: boolean }>;
  invalidate(pollId: string): void;
}

const KEPT_HEADERS = ['content-type', 'cache-control'];

export function createResultsCache(options: { ttlMs?: number; maxEntries?: number } = {}): ResultsCache {
  const ttl = options.ttlMs ?? 1_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const entries = new Map<string, { answer: CachedAnswer; until: number }>();
  const loading = new Map<string, Promise<CachedAnswer>>();
  // An invalidation during a load must not let that (older) answer be stored.
  const generation = new Map<string, number>();

  return {
    async get(pollId, load) {
      const entry = entries.get(pollId);
      if (entry && entry.until > Date.now()) return { answer: entry.answer, hit: true };
      let pending = loading.get(pollId);
      if (!pending) {
        const started = generation.get(pollId) ?? 0;
        pending = (async () => {
          const response = await load();
          const headers: Record<string, string> = {};
          for (const name of KEPT_HEADERS) {
            const value = response.headers[name];
            if (typeof value === 'string') headers[name] = value;
          }
          const answer = { status: response.status, headers, body: await bodyBuffer(response.body) };
          // Only answers that depend on the poll alone: results, hidden (403), not found yet (404).
          if ([200, 403, 404].includes(answer.status) && (generation.get(pollId) ?? 0) === started) {
            if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
            entries.set(pollId, {
              answer,
              until: Date.now() + (answer.status === 404 ? Math.min(ttl, 250) : ttl),
            });
          }
          return answer;
        })().finally(() => loading.delete(pollId));
        loading.set(pollId, pending);
      }
      return { answer: await pending, hit: false };
    },
    invalidate(pollId) {
      entries.delete(pollId);
      generation.set(pollId, (generation.get(pollId) ?? 0) + 1);
      if (generation.size > maxEntries) generation.clear();
    },
  };
}
