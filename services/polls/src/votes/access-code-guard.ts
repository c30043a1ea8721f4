// Wrong access codes: each network address (IPv6 by /64) may get a poll's code wrong 20 times in
// 10 minutes, each poll 100 times in 10 minutes from all addresses together; past either, every
// attempt at that poll's code from that address (or, for the poll, from anyone) is refused with
// 429 and Retry-After, without looking at the code, for 1 minute, doubling with each lockout up to
// an hour. So a four-digit code cannot be walked through from one address, nor quickly from many.
// The price (docs/polls.md): a room behind one address shares its 20 typos, and whoever sends
// 100 wrong codes locks the poll's code for everyone a while. Counts live in this process's
// memory (no lookup on the vote path): with several polls processes each counts its own share.
import { HttpProblem } from '@canvass/service-kit';

export interface GuardLimits {
  failures: number;
  windowMs: number;
  firstLockMs: number;
  maxLockMs: number;
}

export const PER_ADDRESS: GuardLimits = {
  failures: 20,
  windowMs: 10 * 60_000,
  firstLockMs: 60_000,
  maxLockMs: 60 * 60_000,
};
export const PER_POLL: GuardLimits = { ...PER_ADDRESS, failures: 100 };

/** Entries kept at most; beyond it the longest idle go first. */
const MAX_ENTRIES = 100_000;

interface Entry {
  failures: number;
  windowStart: number;
  lockedUntil: number;
  lockouts: number;
  lastFailure: number;
}

/** An IPv4 address, or an IPv6 address's /64 (a host commonly holds a whole /64). */
export function networkOf(ip: string): string {
  if (!ip.includes(':')) return ip;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  const [head = '', tail = ''] = ip.split('%')[0]!.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::')
    ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

class Counter {
  readonly #limits: GuardLimits;
  readonly #entries = new Map<string, Entry>();
  constructor(limits: GuardLimits) {
    this.#limits = limits;
  }

  /** Milliseconds `key` stays locked, or 0. */
  lockedFor(key: string, now: number): number {
    const entry = this.#entries.get(key);
    return entry && entry.lockedUntil > now ? entry.lockedUntil - now : 0;
  }

  fail(key: string, now: number): void {
    const limits = this.#limits;
    let entry = this.#entries.get(key);
    // Quiet for a whole lockout's worth: start over, backoff included.
    if (entry && now - entry.lastFailure > limits.maxLockMs) entry = undefined;
    entry ??= { failures: 0, windowStart: now, lockedUntil: 0, lockouts: 0, lastFailure: now };
    if (now - entry.windowStart > limits.windowMs) {
      entry.failures = 0;
      entry.windowStart = now;
    }
    entry.failures++;
    entry.lastFailure = now;
    if (entry.failures >= limits.failures) {
      entry.lockedUntil = now + Math.min(limits.maxLockMs, limits.firstLockMs * 2 ** entry.lockouts);
      entry.lockouts++;
      entry.failures = 0;
      entry.windowStart = now;
    }
    // Re-inserted, so the map's order is least recently failed first.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    if (this.#entries.size > MAX_ENTRIES) {
      for (const [oldest] of this.#entries) {
        this.#entries.delete(oldest);
        if (this.#entries.size <= MAX_ENTRIES * 0.9) break;
      }
    }
  }
}

export class AccessCodeGuard {
  readonly #byAddress: Counter;
  readonly #byPoll: Counter;

  constructor(limits: { perAddress?: GuardLimits; perPoll?: GuardLimits } = {}) {
    this.#byAddress = new Counter(limits.perAddress ?? PER_ADDRESS);
    this.#byPoll = new Counter(limits.perPoll ?? PER_POLL);
  }

  /** Throws 429 while this address, or the whole poll, is locked out of the poll's code. */
  check(pollId: string, address: string, now = Date.now()): void {
    const forAddress = this.#byAddress.lockedFor(`${pollId}\n${networkOf(address)}`, now);
    const forPoll = this.#byPoll.lockedFor(pollId, now);
    const wait = Math.max(forAddress, forPoll);
    if (wait === 0) return;
    const retryAfter = Math.ceil(wait / 1000);
    throw new HttpProblem(
      429,
      'access-code-locked',
      'Too many wrong access codes',
      forAddress >= forPoll
        ? `Too many wrong access codes for this poll came from your network; try again in ${retryAfter} s.`
        : `Too many wrong access codes for this poll were tried; it takes no codes for ${retryAfter} s.`,
      { retryAfter },
    );
  }

  /** Counts a wrong code from this address. */
  failed(pollId: string, address: string, now = Date.now()): void {
    this.#byAddress.fail(`${pollId}\n${networkOf(address)}`, now);
    this.#byPoll.fail(pollId, now);
  }
}
