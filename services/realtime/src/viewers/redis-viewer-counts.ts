// Viewer counts summed over realtime processes through Redis: a hash per poll with one field per
// process, holding "<count> <expires at, ms>". A process rewrites its fields every few seconds;
// the fields of a process that died are no longer refreshed, so readers skip (and remove) them
// once expired: after a crash a count is too high for at most `ttlMs`. (Per-field expiry,
// HEXPIRE, needs Redis 7.4.) The whole hash expires too, so a forgotten poll leaves nothing.
import type { ViewerCounts } from './viewer-counts.ts';

/** The few node-redis commands used (a connected `createClient()` has them). */
export interface RedisHashes {
  hSet(key: string, field: string, value: string): Promise<unknown>;
  hDel(key: string, field: string): Promise<unknown>;
  hGetAll(key: string): Promise<Record<string, string>>;
  pExpire(key: string, milliseconds: number): Promise<unknown>;
}

const keyOf = (pollId: string) => `canvass:live:viewers:${pollId}`;

export function redisViewerCounts(redis: RedisHashes, instanceId: string, ttlMs = 15_000): ViewerCounts {
  const local = new Map<string, number>();

  async function write(pollId: string, count: number): Promise<void> {
    const key = keyOf(pollId);
    if (count === 0) {
      await redis.hDel(key, instanceId);
      return;
    }
    await redis.hSet(key, instanceId, `${count} ${Date.now() + ttlMs}`);
    await redis.pExpire(key, ttlMs * 2);
  }

  const refresh = setInterval(() => {
    for (const [pollId, count] of local) write(pollId, count).catch(() => {});
  }, ttlMs / 3);
  refresh.unref();

  return {
    async report(pollId, count) {
      if (count === 0) local.delete(pollId);
      else local.set(pollId, count);
      await write(pollId, count);
    },
    async totals(pollIds) {
      const now = Date.now();
      const hashes = await Promise.all(pollIds.map((pollId) => redis.hGetAll(keyOf(pollId))));
      const totals = new Map<string, number>();
      pollIds.forEach((pollId, i) => {
        let sum = 0;
        for (const [field, value] of Object.entries(hashes[i] ?? {})) {
          const [count = 0, expiresAt = 0] = value.split(' ').map(Number);
          if (expiresAt > now) sum += count;
          else redis.hDel(keyOf(pollId), field).catch(() => {});
        }
        totals.set(pollId, sum);
      });
      return totals;
    },
    async close() {
      clearInterval(refresh);
      await Promise.all(
        [...local.keys()].map((pollId) => redis.hDel(keyOf(pollId), instanceId).catch(() => {})),
      );
      local.clear();
    },
  };
}
