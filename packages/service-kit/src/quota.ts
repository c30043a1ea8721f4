// The one problem every service answers when a plan's quota stops a request: 403 `quota-exceeded`,
// saying in plain words what the plan allows, what the user can do now, and which plans would
// allow more (the web app links to the billing page from `upgrade`).
import { PLAN_IDS, PLANS, type PlanId, planRank, type Quotas } from '@canvass/contracts/plans';
import { HttpProblem } from './problem.ts';

/** The quotas a service refuses requests for (votes are never refused: that quota is billing's warning). */
export type EnforcedQuota = 'openPolls' | 'members' | 'apiKeys' | 'webhookEndpoints';

const NOUNS: Record<EnforcedQuota, [one: string, many: string]> = {
  openPolls: ['open poll', 'open polls'],
  members: ['member', 'members'],
  apiKeys: ['API key', 'API keys'],
  webhookEndpoints: ['webhook endpoint', 'webhook endpoints'],
};

export const BILLING_PAGE = '/app/billing';

const counted = (what: EnforcedQuota, n: number | null) => {
  if (n === null) return `unlimited ${NOUNS[what][1]}`;
  if (n === 0) return `no ${NOUNS[what][1]}`;
  return `${n} ${NOUNS[what][n === 1 ? 0 : 1]}`;
};

const allowsMore = (quota: Quotas[EnforcedQuota], limit: number) => quota === null || quota > limit;

/** Plans above `plan` whose quota for `what` is larger than `limit`, cheapest first. */
export function upgradesFor(what: EnforcedQuota, limit: number, plan: string): PlanId[] {
  const rank = Object.hasOwn(PLANS, plan) ? planRank(plan as PlanId) : -1;
  return PLAN_IDS.filter((id) => planRank(id) > rank && allowsMore(PLANS[id].quotas[what], limit));
}

/**
 * `limit` is what the workspace's entitlements allow (which may differ from the plan's default);
 * `detail` is what the user can do without paying, in a few words ("Close a poll"): the upgrade
 * that would help is added to it.
 */
export function quotaExceeded(options: {
  what: EnforcedQuota;
  limit: number;
  plan: string;
  detail: string;
}): HttpProblem {
  const { what, limit, plan } = options;
  const plans = upgradesFor(what, limit, plan);
  const next = plans[0];
  const upgrade = next
    ? `, or upgrade to ${PLANS[next].name} for ${counted(what, PLANS[next].quotas[what])}`
    : '';
  return new HttpProblem(
    403,
    'quota-exceeded',
    `Your plan allows ${counted(what, limit)}`,
    `${options.detail}${upgrade}.`,
    { quota: what, limit, plan, upgrade: { url: BILLING_PAGE, plans } },
  );
}
