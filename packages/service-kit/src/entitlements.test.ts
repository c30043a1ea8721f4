// The projection keeps each workspace's highest version, whatever order and how often events come.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CloudEvent, PLANS, type PlanId } from '@canvass/contracts';
import fc from 'fast-check';
import { newestEntitlements } from './entitlements.ts';

const change = (workspaceId: string, version: number, plan: PlanId): CloudEvent => ({
  specversion: '1.0',
  id: `${workspaceId}-${version}`,
  source: '/billing',
  type: 'billing.entitlements.changed.v1',
  time: new Date(0).toISOString(),
  datacontenttype: 'application/json',
  workspace: workspaceId,
  data: { workspaceId, plan, quotas: PLANS[plan].quotas, version, changedAt: new Date(0).toISOString() },
});

const planAt = (version: number): PlanId => (['free', 'pro', 'business'] as const)[version % 3]!;

test('any order, with duplicates, gives each workspace its highest version', () => {
  const history = fc
    .array(fc.tuple(fc.constantFrom('w1', 'w2', 'w3'), fc.integer({ min: 1, max: 20 })), { minLength: 1 })
    .chain((entries) => fc.shuffledSubarray([...entries, ...entries], { minLength: entries.length * 2 }));
  fc.assert(
    fc.property(history, (entries) => {
      const events = entries.map(([workspace, version]) => change(workspace, version, planAt(version)));
      const newest = new Map(newestEntitlements(events).map((entry) => [entry.workspaceId, entry]));
      const expected = new Map<string, number>();
      for (const [workspace, version] of entries)
        expected.set(workspace, Math.max(version, expected.get(workspace) ?? 0));
      assert.equal(newest.size, expected.size);
      for (const [workspace, version] of expected) {
        assert.equal(newest.get(workspace)?.version, version);
        assert.equal(newest.get(workspace)?.plan, planAt(version));
      }
    }),
  );
});

test('other event types are left alone', () => {
  const other = { ...change('w1', 1, 'pro'), type: 'billing.payment.succeeded.v1' };
  assert.deepEqual(newestEntitlements([other]), []);
});
