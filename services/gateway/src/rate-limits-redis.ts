// Cluster-tier counting for rate-limits.ts: every policy one request touches (the IP and, on a
// vote, the voter) is counted by a single script call, sent as EVALSHA: one command and one reply
// per request instead of one EVAL, with the whole script text, per policy. The counting is that of
// rate-limiter-flexible's Redis limiter (a fixed window from the first point, the same key names),
// so gateways of either version count together during a rolling deploy. The keys of one call
// need not share a hash slot: this assumes one Redis server, as REDIS_URL names, not a Redis Cluster.
import { createHash } from 'node:crypto';

const SCRIPT = `local counted = {}
for i, key in ipairs(KEYS) do
  redis.call('set', key, 0, 'EX', ARGV[i], 'NX')
  local consumed = redis.call('incrby', key, 1)
  local ttl = redis.call('pttl', key)
  if ttl == -1 then
    redis.call('expire', key, ARGV[i])
    ttl = 1000 * ARGV[i]
  end
  counted[#counted + 1] = consumed
  counted[#counted + 1] = ttl
end
return counted`;
const SCRIPT_SHA = createHash('sha1').update(SCRIPT).digest('hex');

/** The node-redis client calls used here (main.ts passes a connected client). */
interface RedisScripting {
  readonly isReady: boolean;
  evalSha(sha: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

export interface Counted {
  /** Points used in the current window, this one included. */
  consumed: number;
  msBeforeNext: number;
}

export interface RedisCounter {
  /** False while the connection is down: the caller counts in memory rather than wait. */
  readonly ready: boolean;
  /** One point from each key, in one round trip; `windows` are each key's window in seconds. */
  count(keys: string[], windows: string[]): Promise<Counted[]>;
}

export function redisCounter(client: unknown): RedisCounter {
  const redis = client as RedisScripting;
  return {
    get ready() {
      return redis.isReady;
    },
    async count(keys, windows) {
      const options = { keys, arguments: windows };
      let reply: unknown;
      try {
        reply = await redis.evalSha(SCRIPT_SHA, options);
      } catch (error) {
        // A Redis that restarted has forgotten the script: EVAL runs and caches it again.
        if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
        reply = await redis.eval(SCRIPT, options);
      }
      const values = reply as number[];
      const counted: Counted[] = [];
      for (let i = 0; i < keys.length; i++) {
        counted.push({ consumed: Number(values[2 * i]), msBeforeNext: Number(values[2 * i + 1]) });
      }
      return counted;
    },
  };
}
