// Rate limits for the doors attackers knock on: sign-in (per IP and per account), sign-up and
// password-reset requests, and the token endpoint. In memory in the embedded tier; in Redis in
// the cluster tier (REDIS_URL), so the limits hold across identity replicas.

import { HttpProblem } from '@canvass/service-kit';
import type { FastifyReply } from 'fastify';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';

export interface LimitSpec {
  points: number;
  durationSeconds: number;
}

export interface IdentityLimits {
  signInPerIp: LimitSpec;
  signInPerAccount: LimitSpec;
  signUpPerIp: LimitSpec;
  resetPerIp: LimitSpec;
  tokenPerIp: LimitSpec;
}

export const defaultLimits: IdentityLimits = {
  signInPerIp: { points: 30, durationSeconds: 60 },
  signInPerAccount: { points: 5, durationSeconds: 60 },
  signUpPerIp: { points: 100, durationSeconds: 3600 },
  resetPerIp: { points: 20, durationSeconds: 3600 },
  tokenPerIp: { points: 600, durationSeconds: 60 },
};

export type Limiters = Record<keyof IdentityLimits, RateLimiterAbstract>;

/** `redis` is a connected node-redis client, or undefined for in-memory limits. */
export function createLimiters(limits: IdentityLimits, redis?: unknown): Limiters {
  const make = (name: string, spec: LimitSpec): RateLimiterAbstract =>
    redis
      ? new RateLimiterRedis({
          storeClient: redis,
          useRedisPackage: true,
          keyPrefix: `canvass:identity:${name}`,
          points: spec.points,
          duration: spec.durationSeconds,
        })
      : new RateLimiterMemory({ keyPrefix: name, points: spec.points, duration: spec.durationSeconds });
  return {
    signInPerIp: make('sign-in-ip', limits.signInPerIp),
    signInPerAccount: make('sign-in-account', limits.signInPerAccount),
    signUpPerIp: make('sign-up-ip', limits.signUpPerIp),
    resetPerIp: make('reset-ip', limits.resetPerIp),
    tokenPerIp: make('token-ip', limits.tokenPerIp),
  };
}

/** Consumes a point; throws a 429 problem (with Retry-After set on the reply) when none is left. */
export async function consumeOrThrow(
  limiter: RateLimiterAbstract,
  key: string,
  reply: FastifyReply,
): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (error) {
    if (!(error instanceof RateLimiterRes)) throw error;
    const seconds = Math.ceil(error.msBeforeNext / 1000);
    reply.header('retry-after', String(seconds));
    throw new HttpProblem(429, 'too-many-requests', 'Too many attempts', `Try again in ${seconds} seconds.`);
  }
}
