// Rate limits at the front door (rate-limiter-flexible: in memory in the embedded tier, in Redis in
// the cluster tier so they hold across gateway processes): per client IP on every API request,
// per API key, per workspace by plan, and per voter per poll on votes. Answers carry the IETF
// `RateLimit-Policy` and `RateLimit` headers (draft-ietf-httpapi-ratelimit-headers); a request over
// a limit gets 429 problem+json with Retry-After. If Redis is unreachable, each process falls back
// to its own memory limits rather than refusing traffic.
import type { Identity } from '@canvass/service-kit';
import { HttpProblem } from '@canvass/service-kit';
import type { FastifyReply } from 'fastify';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';

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
  limiter: RateLimiterAbstract;
}

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
  const make = (name: string, spec: LimitSpec): Policy => {
    const memory = new RateLimiterMemory({
      keyPrefix: name,
      points: spec.points,
      duration: spec.windowSeconds,
    });
    const limiter = redis
      ? new RateLimiterRedis({
          storeClient: redis,
          useRedisPackage: true,
          keyPrefix: `canvass:gateway:${name}`,
          points: spec.points,
          duration: spec.windowSeconds,
          insuranceLimiter: memory,
        })
      : memory;
    return { name, spec, limiter };
  };
  const ip = make('ip', limits.perIp);
  const apiKey = make('api-key', limits.perApiKey);
  const voter = make('vote', limits.perVoter);
  const workspaces = new Map(
    Object.entries(limits.perWorkspace).map(([plan, spec]) => [plan, make(`workspace-${plan}`, spec)]),
  );

  return {
    async check(facts, reply) {
      const applied: { policy: Policy; key: string }[] = [{ policy: ip, key: facts.ip }];
      const identity = facts.identity;
      if (identity?.kind === 'api-key') applied.push({ policy: apiKey, key: identity.subject });
      if (identity) {
        const plan = workspaces.get(identity.plan ?? 'free') ?? workspaces.get('free');
        if (plan) applied.push({ policy: plan, key: identity.workspace });
      }
      if (facts.vote) applied.push({ policy: voter, key: `${facts.vote.pollId}:${facts.vote.voter}` });

      const results = await Promise.all(
        applied.map(async ({ policy, key }) => {
          try {
            return { policy, result: await policy.limiter.consume(key), spent: false };
          } catch (error) {
            if (!(error instanceof RateLimiterRes)) throw error;
            return { policy, result: error, spent: true };
          }
        }),
      );
      reply.header(
        'ratelimit-policy',
        results
          .map(({ policy }) => `"${policy.name}";q=${policy.spec.points};w=${policy.spec.windowSeconds}`)
          .join(', '),
      );
      // The policy closest to its limit is the one a client should heed.
      const tightest = results.reduce((a, b) =>
        b.result.remainingPoints < a.result.remainingPoints ? b : a,
      );
      const seconds = (result: RateLimiterRes) => Math.max(1, Math.ceil(result.msBeforeNext / 1000));
      reply.header(
        'ratelimit',
        `"${tightest.policy.name}";r=${Math.max(0, tightest.result.remainingPoints)};t=${seconds(tightest.result)}`,
      );
      const spent = results.find((entry) => entry.spent);
      if (spent) {
        const wait = seconds(spent.result);
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
