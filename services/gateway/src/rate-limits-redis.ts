// Cluster-tier counting for rate-limits.ts: every policy the requests of one event-loop turn touch
// (the IP and, on a vote, the voter) is counted by a single script call, sent as EVALSHA: one
// command and one reply per turn instead of one EVAL, with the whole script text, per policy. The counting is that of
// rate-limiter-flexible's Redis limiter (a fixed window from the first point, the same key names),
// so gateways of either version count together during a rolling deploy. The keys of one call
// need not share a hash slot: this assumes one Redis server, as REDIS_URL names, not a Redis Cluster.
import { createHash } from 'node:crypto';
import { untraced } from '@canvass/telemetry';

// A key's first point makes it (INCR) with no expiry, which the script then sets to the window:
// two commands a point, three for a window's first, instead of rate-limiter-flexible's SET NX,
// INCRBY and PTTL every time: half the time in Redis per call (docs/performance.md). Scripts run whole, so no
// other call sees a key between the two.
const SCRIPT = `local counted = {}
for i, key in ipairs(KEYS) do
  local consumed = redis.call('incr', key)
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
  /** The same client with other defaults for its commands (node-redis). */
  withCommandOptions?(options: { timeout: number }): RedisScripting;
}

/** How long a turn's call may take before its requests count in memory (node-redis's default). */
export const REDIS_CALL_TIMEOUT_MS = 5_000;

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

interface Queued {
  keys: string[];
  windows: string[];
  resolve(counted: Counted[]): void;
  reject(error: unknown): void;
}

/** Requests whose counts go to Redis in one script call at most (the keys of one call add up). */
const MAX_CALLS_PER_SCRIPT = 128;

export function redisCounter(client: unknown, timeoutMs = REDIS_CALL_TIMEOUT_MS): RedisCounter {
  const given = client as RedisScripting;
  // node-redis gives each command a timeout of its own, an AbortSignal.timeout whose timer fires
  // and builds a DOMException (with its stack) seconds after the command was answered: one per
  // turn, 0.7% of the gateway's CPU. The turn's call keeps one timer of its own instead, cleared
  // when Redis answers.
  const redis = given.withCommandOptions?.({ timeout: 0 }) ?? given;
  const queued: Queued[] = [];

  async function run(keys: string[], windows: string[]): Promise<number[]> {
    const options = { keys, arguments: windows };
    try {
      return (await redis.evalSha(SCRIPT_SHA, options)) as number[];
    } catch (error) {
      // A Redis that restarted has forgotten the script: EVAL runs and caches it again.
      if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
      return (await redis.eval(SCRIPT, options)) as number[];
    }
  }

  /**
   * The requests counted in one turn of the event loop go to Redis together: one script call (one
   * command, one reply, one timeout) for all their keys instead of one per request. The script
   * counts key by key in order, so two requests of one key in a call get consecutive counts, as
   * two calls would give them.
   */
  function flush(): void {
    const batch = queued.splice(0, MAX_CALLS_PER_SCRIPT);
    if (queued.length > 0) setImmediate(untraced, flush);
    // The connection dropped since these were queued: node-redis would hold the call until it is
    // back, so the callers count in memory instead, as they would have a turn earlier.
    if (!redis.isReady) {
      const error = new Error('Redis is not connected');
      for (const call of batch) call.reject(error);
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    Promise.race([
      run(
        batch.flatMap((call) => call.keys),
        batch.flatMap((call) => call.windows),
      ),
      late,
    ])
      .finally(() => clearTimeout(timer))
      .then(
        (values) => {
          let at = 0;
          for (const call of batch) {
            const counted: Counted[] = [];
            for (let i = 0; i < call.keys.length; i++, at += 2) {
              counted.push({ consumed: Number(values[at]), msBeforeNext: Number(values[at + 1]) });
            }
            call.resolve(counted);
          }
        },
        (error: unknown) => {
          for (const call of batch) call.reject(error);
        },
      );
  }

  return {
    get ready() {
      return redis.isReady;
    },
    count(keys, windows) {
      return new Promise((resolve, reject) => {
        // The call counts many requests: it belongs to none of their traces.
        if (queued.length === 0) setImmediate(untraced, flush);
        queued.push({ keys, windows, resolve, reject });
      });
    },
  };
}
