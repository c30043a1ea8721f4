// Rate limits at the front door (in memory in the embedded tier, with rate-limiter-flexible; in
// Redis in the cluster tier so they hold across gateway processes, see rate-limits-redis.ts): per
// client IP on every API request, per API key, per workspace by plan, and per voter per poll on
// votes. Answers carry the IETF `RateLimit-Policy` and `RateLimit` headers
// (draft-ietf-httpapi-ratelimit-headers); a request over a limit gets 429 problem+json with
// Retry-After. If Redis is unreachable (or the connection is down), each process falls back to its
// own memory limits rather than refusing or holding traffic.
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
    enterprise: { points: 300_000, windowSeconds: 60 },
  },
  perVoter: { points: 10, windowSeconds: 10 },
};

interface Policy {
  name: string;
  spec: LimitSpec;
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
  remaining: number;
  msBeforeNext: number;
  spent: boolean;
}

const outcome = (policy: Policy, consumed: number, msBeforeNext: number): Outcome => ({
  policy,
  remaining: Math.max(0, policy.spec.points - consumed),
  msBeforeNext,
  spent: consumed > policy.spec.points,
});

export interface RequestFacts {
  ip: string;
  identity: Identity | undefined;
  /** For a vote: the poll and who votes (voter token, user, or IP). */
  vote?: { pollId: string; voter: string };
}

export interface RateLimits {
  /** Consumes a point from every policy that applies; sets the headers; throws 429 when one is spent. */
  check(facts: RequestFacts, reply: FastifyReply): Promise<void>;
}

/** `redis` is a connected node-redis client, or undefined for in-memory limits. */
export function createRateLimits(limits: GatewayLimits = defaultLimits, redis?: unknown): RateLimits {
  const make = (name: string, spec: LimitSpec): Policy => ({
    name,
    spec,
    memory: new RateLimiterMemory({ keyPrefix: name, points: spec.points, duration: spec.windowSeconds }),
    redisPrefix: `canvass:gateway:${name}`,
    windowSeconds: String(spec.windowSeconds),
    description: `"${name}";q=${spec.points};w=${spec.windowSeconds}`,
  });
  const counter = redis ? redisCounter(redis) : undefined;

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
        const plan = workspaces.get(identity.plan ?? 'free') ?? workspaces.get('free');
        if (plan) {
          policies.push(plan);
          keys.push(identity.workspace);
        }
      }
      if (facts.vote) {
        policies.push(voter);
        keys.push(`${facts.vote.pollId}:${facts.vote.voter}`);
      }
      const outcomes = await consume(policies, keys);

      let described = '';
      // The policy closest to its limit is the one a client should heed.
      let tightest = outcomes[0]!;
      let spent: Outcome | undefined;
      for (const entry of outcomes) {
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
    },
  };
}

const seconds = (entry: Outcome) => Math.max(1, Math.ceil(entry.msBeforeNext / 1000));
