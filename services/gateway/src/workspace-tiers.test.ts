// The gateway's map of rate-limit tiers: billing's newest word per workspace, nothing older, and
// the rate limits prefer it to a credential's plan claim.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PLANS, type PlanId } from '@canvass/contracts';
import { createRateLimits, defaultLimits } from './rate-limits.ts';
import { createWorkspaceTiers } from './workspace-tiers.ts';

const changed = (workspaceId: string, version: number, plan: PlanId) => ({
  type: 'billing.entitlements.changed.v1',
  data: { workspaceId, plan, quotas: PLANS[plan].quotas, version, changedAt: new Date().toISOString() },
});

test('the highest version wins; older, repeated and malformed events change nothing', () => {
  const tiers = createWorkspaceTiers();
  assert.equal(tiers.tierOf('w1'), undefined, 'not heard of: the claim decides');
  tiers.apply(changed('w1', 2, 'pro'));
  tiers.apply(changed('w1', 1, 'free'));
  tiers.apply(changed('w1', 2, 'business'));
  assert.equal(tiers.tierOf('w1'), 'pro');
  tiers.apply(changed('w1', 3, 'business'));
  assert.equal(tiers.tierOf('w1'), 'business');
  for (const junk of [
    null,
    'text',
    { type: 'analytics.results.updated.v1', data: {} },
    { ...changed('w2', 1, 'pro'), data: { workspaceId: 'w2' } },
  ])
    tiers.apply(junk);
  assert.equal(tiers.tierOf('w2'), undefined);
  assert.equal(tiers.size, 1);
});

test('past its bound the map forgets the workspace changed longest ago', () => {
  const tiers = createWorkspaceTiers({ maxWorkspaces: 2 });
  tiers.apply(changed('a', 1, 'pro'));
  tiers.apply(changed('b', 1, 'pro'));
  tiers.apply(changed('a', 2, 'business'));
  tiers.apply(changed('c', 1, 'pro'));
  assert.equal(tiers.tierOf('b'), undefined);
  assert.equal(tiers.tierOf('a'), 'business');
  assert.equal(tiers.size, 2);
});

test('the workspace limit follows the tier billing gave, not the older claim', async () => {
  const limits = createRateLimits({
    ...defaultLimits,
    perWorkspace: { free: { points: 1, windowSeconds: 60 }, pro: { points: 5, windowSeconds: 60 } },
  });
  const headers: Record<string, string> = {};
  const reply = { header: (name: string, value: string) => (headers[name] = value) } as never;
  const identity = { subject: 'u1', kind: 'user' as const, workspace: 'w9', scopes: [], plan: 'free' };
  await limits.check({ ip: '203.0.113.9', identity }, reply);
  await assert.rejects(limits.check({ ip: '203.0.113.9', identity }, reply), { status: 429 });
  await limits.check({ ip: '203.0.113.9', identity, workspaceTier: 'pro' }, reply);
  assert.match(headers['ratelimit-policy']!, /"workspace-pro";q=5;w=60/);
});
