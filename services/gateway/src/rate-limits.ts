// Rate limits at the front door (in memory in the embedded tier, with rate-limiter-flexible; in
// Redis in the cluster tier so they hold across gateway processes, see rate-limits-redis.ts): per
// client IP on every API request, per API key, per workspace by rate tier (billing's latest word,
// else the credential's plan claim), and per voter per poll on votes. Answers carry the IETF
// `RateLimit-Policy` and `RateLimit` headers
// (draft-ietf-httpapi-ratelimit-headers); a request over a limit gets 429 problem+json with
// Retry-After. If Redis is unreachable (or the connection is down), each process falls back to its
// own memory limits rather than refusing or holding traffic.
//
// Votes and device tokens are also counted per network address per poll, per minute and per hour,
// in the same call; the gateway does not judge those counts (the thresholds are the poll's own
// settings, which polls holds): it passes them to polls in `x-canvass-address-rate`, and polls
// refuses past the poll's limits (docs/polls.md, "Ballot stuffing").
import type { Identity } from '@canvass/service-kit';
import { HttpProblem } from '@canvass/service-kit';
import type { FastifyReply } from 'fastify';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { redisCounter } from './rate-limits-redis.ts';

export interface LimitSpec {
  /** Requests allowed per window. */
  points: number;
  windowSeconds: number;
}

export interface GatewayLimits {
  perIp: LimitSpec;
  perApiKey: LimitSpec;
  /** Per workspace, by plan; a plan not listed gets `free`'s. */
  perWorkspace: Readonly<Record<string, LimitSpec>>;
  /** Votes (and withdrawals) per voter per poll. */
  perVoter: LimitSpec;
}

// A whole lecture hall can share one IP (NAT): the IP limit is generous; the voter limit is not.
export const defaultLimits: GatewayLimits = {
  perIp: { points: 3_000, windowSeconds: 60 },
  perApiKey: { points: 1_200, windowSeconds: 60 },
  perWorkspace: {
    free: { points: 3_000, windowSeconds: 60 },
    pro: { points: 30_000, windowSeconds: 60 },
    business: { points: 300_000, windowSeconds: 60 },
  },
  perVoter: { points: 10, windowSeconds: 10 },
};

/** The windows per-address-per-poll counts run over (polls maps 60 to per minute, 3600 to per hour). */
export const ADDRESS_WINDOWS = [60, 3_600] as const;

/** What the gateway forwards to polls: `60=<count>/<seconds left>,3600=<count>/<seconds left>`. */
export const ADDRESS_RATE_HEADER = 'x-canvass-address-rate';

interface Policy {
  name: string;
  spec: LimitSpec;
  /** Counted and passed on, never refused here (the per-address-per-poll counts). */
  countOnly?: boolean;
  /** Counts in this process: the embedded tier, and the cluster tier while Redis is unreachable. */
  memory: RateLimiterMemory;
  /** Where the cluster tier counts: `<prefix>:<key>` in Redis. */
  redisPrefix: string;
  windowSeconds: string;
  /** This policy's entry in the RateLimit-Policy header. */
  description: string;
}

interface Outcome {
  policy: Policy;
  consumed: number;
  remaining: number;
  msBeforeNext: number;
  spent: boolean;
}

const outcome = (policy: Policy, consumed: number, msBeforeNext: number): Outcome => ({
  policy,
  consumed,
  remaining: Math.max(0, policy.spec.points - consumed),
  msBeforeNext,
  spent: consumed > policy.spec.points,
});

export interface RequestFacts {
  ip: string;
  identity: Identity | undefined;
  /**
   * The workspace's rate-limit tier as billing last said (workspace-tiers.ts), when this gateway
   * has heard; it wins over the credential's `plan` claim, which is as old as the credential.
   */
  workspaceTier?: string | undefined;
  /** For a vote: the poll and who votes (voter token, user, or IP). */
  vote?: { pollId: string; voter: string };
  /** Counted per network address (IPv6 by /64) in this poll, per minute and per hour. */
  pollAddress?: { pollId: string; family: 'votes' | 'device-tokens' };
}

export interface RateLimits {
  /**
   * Consumes a point from every policy that applies; sets the headers; throws 429 when one is
   * spent. With `pollAddress`, answers the counts to pass on in ADDRESS_RATE_HEADER.
   */
  check(facts: RequestFacts, reply: FastifyReply): Promise<string | undefined>;
}

/**
 * The unit a per-address count is kept for: an IPv4 address, or an IPv6 address's /64 (one host
 * commonly holds a whole /64 and may pick any address in it).
 */
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

/**
 * `redis` is a connected node-redis client, or undefined for in-memory limits; `redisTimeoutMs`:
 * how long a call may take before its requests count in memory (default 5 s).
 */
export function createRateLimits(
  limits: GatewayLimits = defaultLimits,
  redis?: unknown,
  options: { redisTimeoutMs?: number } = {},
): RateLimits {
  const make = (name: string, spec: LimitSpec): Policy => ({
    name,
    spec,
    memory: new RateLimiterMemory({ keyPrefix: name, points: spec.points, duration: spec.windowSeconds }),
    redisPrefix: `canvass:gateway:${name}`,
    windowSeconds: String(spec.windowSeconds),
    description: `"${name}";q=${spec.points};w=${spec.windowSeconds}`,
  });
  const counter = redis ? redisCounter(redis, options.redisTimeoutMs) : undefined;

  /** A point from one policy in this process; a spent limit is an outcome here, not an error. */
  const inMemory = (policy: Policy, key: string): Promise<Outcome> =>
    policy.memory.consume(key).then(
      (result) => outcome(policy, result.consumedPoints, result.msBeforeNext),
      (error: unknown) => {
        if (!(error instanceof RateLimiterRes)) throw error;
        return outcome(policy, error.consumedPoints, error.msBeforeNext);
      },
    );

  /** A point from every policy: in Redis when it answers, else in this process's memory. */
  async function consume(policies: Policy[], keys: string[]): Promise<Outcome[]> {
    if (counter?.ready) {
      try {
        const counted = await counter.count(
          policies.map((policy, i) => `${policy.redisPrefix}:${keys[i]}`),
          policies.map((policy) => policy.windowSeconds),
        );
        return counted.map((entry, i) => outcome(policies[i]!, entry.consumed, entry.msBeforeNext));
      } catch {
        // Redis failed mid-call: limits go on in memory rather than refusing traffic.
      }
    }
    if (policies.length === 1) return [await inMemory(policies[0]!, keys[0]!)];
    return Promise.all(policies.map((policy, i) => inMemory(policy, keys[i]!)));
  }

  const ip = make('ip', limits.perIp);
  const apiKey = make('api-key', limits.perApiKey);
  const voter = make('vote', limits.perVoter);
  const counting = (name: string): Policy[] =>
    ADDRESS_WINDOWS.map((windowSeconds) => ({
      ...make(`${name}-${windowSeconds}`, { points: Number.MAX_SAFE_INTEGER, windowSeconds }),
      countOnly: true,
    }));
  const addressCounts = { votes: counting('vote-address'), 'device-tokens': counting('device-address') };
  const workspaces = new Map(
    Object.entries(limits.perWorkspace).map(([plan, spec]) => [plan, make(`workspace-${plan}`, spec)]),
  );

  return {
    async check(facts, reply) {
      const policies = [ip];
      const keys = [facts.ip];
      const identity = facts.identity;
      if (identity?.kind === 'api-key') {
        policies.push(apiKey);
        keys.push(identity.subject);
      }
      if (identity) {
        const plan = workspaces.get(facts.workspaceTier ?? identity.plan ?? 'free') ?? workspaces.get('free');
        if (plan) {
          policies.push(plan);
          keys.push(identity.workspace);
        }
      }
      if (facts.vote) {
        policies.push(voter);
        keys.push(`${facts.vote.pollId}:${facts.vote.voter}`);
      }
      if (facts.pollAddress) {
        const key = `${facts.pollAddress.pollId}:${networkOf(facts.ip)}`;
        for (const policy of addressCounts[facts.pollAddress.family]) {
          policies.push(policy);
          keys.push(key);
        }
      }
      const outcomes = await consume(policies, keys);

      let described = '';
      // The policy closest to its limit is the one a client should heed.
      let tightest = outcomes[0]!;
      let spent: Outcome | undefined;
      let counts: string | undefined;
      for (const entry of outcomes) {
        if (entry.policy.countOnly) {
          const count = `${entry.policy.windowSeconds}=${entry.consumed}/${seconds(entry)}`;
          counts = counts ? `${counts},${count}` : count;
          continue;
        }
        described = described ? `${described}, ${entry.policy.description}` : entry.policy.description;
        if (entry.remaining < tightest.remaining) tightest = entry;
        if (entry.spent) spent ??= entry;
      }
      reply.header('ratelimit-policy', described);
      reply.header('ratelimit', `"${tightest.policy.name}";r=${tightest.remaining};t=${seconds(tightest)}`);
      if (spent) {
        const wait = seconds(spent);
        throw new HttpProblem(
          429,
          'too-many-requests',
          'Too many requests',
          spent.policy.name === 'vote'
            ? `This voter is voting too often in this poll; try again in ${wait} s.`
            : `The ${spent.policy.name} limit of ${spent.policy.spec.points} requests per ${spent.policy.spec.windowSeconds} s is reached; try again in ${wait} s.`,
          { retryAfter: wait, policy: spent.policy.name },
        );
      }
      return counts;
    },
  };
}

const seconds = (entry: Outcome) => Math.max(1, Math.ceil(entry.msBeforeNext / 1000));
