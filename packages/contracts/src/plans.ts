// The plans Canvass sells and what each allows (docs/billing.md says why these numbers). Import-free,
// so the web app, the gateway and every service read one table. `null`: no limit.

export type PlanId = 'free' | 'pro' | 'business';

export interface Quotas {
  /** Votes a workspace's polls take per calendar month (UTC). A soft limit: owners are warned, votes are never refused. */
  votesPerMonth: number;
  /** Polls open at once. */
  openPolls: number | null;
  /** People in the workspace, the owner included. */
  members: number;
  apiKeys: number;
  webhookEndpoints: number;
  /** The gateway's per-workspace rate-limit tier (services/gateway/src/rate-limits.ts). */
  rateTier: PlanId;
}

export interface Plan {
  id: PlanId;
  name: string;
  /** Per month, in cents of `currency`. */
  priceCents: number;
  currency: 'usd';
  blurb: string;
  quotas: Quotas;
}

export const PLANS: Readonly<Record<PlanId, Plan>> = {
  free: {
    id: 'free',
    name: 'Free',
    priceCents: 0,
    currency: 'usd',
    blurb: 'For a class, a meetup or a team check-in.',
    quotas: {
      votesPerMonth: 5_000,
      openPolls: 3,
      members: 3,
      apiKeys: 2,
      webhookEndpoints: 1,
      rateTier: 'free',
    },
  },
  pro: {
    id: 'pro',
    name: 'Pro',
    priceCents: 2_900,
    currency: 'usd',
    blurb: 'For people who run talks, trainings and all-hands every week.',
    quotas: {
      votesPerMonth: 100_000,
      openPolls: 50,
      members: 10,
      apiKeys: 10,
      webhookEndpoints: 5,
      rateTier: 'pro',
    },
  },
  business: {
    id: 'business',
    name: 'Business',
    priceCents: 14_900,
    currency: 'usd',
    blurb: 'For companies with many organizers, large events and integrations.',
    quotas: {
      votesPerMonth: 2_000_000,
      openPolls: null,
      members: 100,
      apiKeys: 50,
      webhookEndpoints: 25,
      rateTier: 'business',
    },
  },
};

export const PLAN_IDS = Object.keys(PLANS) as PlanId[];

export const isPlanId = (value: unknown): value is PlanId =>
  typeof value === 'string' && Object.hasOwn(PLANS, value);

/** A plan's rank: an upgrade goes up, a downgrade down. */
export const planRank = (plan: PlanId) => PLAN_IDS.indexOf(plan);

/** The share of the vote quota at which owners are warned, then told it is reached. */
export const VOTE_WARNINGS = [0.8, 1] as const;
