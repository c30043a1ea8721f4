// Puts a test's workspace on a plan the way billing would (its `billing.entitlements.changed.v1`),
// and waits until every service that enforces quotas holds it. For tests that need more room
// than the Free plan gives (several API keys, webhook endpoints, open polls) but are not about
// billing: tests/embedded/billing.test.ts goes through the real upgrade.
import assert from 'node:assert/strict';
import type { PlanId } from '@canvass/contracts';
import type { EmbeddedPlatform } from '@canvass/launcher';
import { entitlementsChanged } from '@canvass/service-kit';
import { sql } from 'kysely';
import { eventually } from './api.ts';

/** Far above any version billing gives in a test, so a real change in the same test does not undo it. */
const VERSION = 1_000_000;

export async function onPlan(platform: EmbeddedPlatform, workspaceId: string, plan: PlanId): Promise<void> {
  await platform.bus.publish([entitlementsChanged({ workspaceId, plan, version: VERSION })]);
  await eventually(async () => {
    for (const schema of ['identity', 'polls', 'notifications']) {
      const rows = await sql<{
        plan: string;
      }>`select plan from entitlements where workspace_id = ${workspaceId}`.execute(
        platform.host.database(schema).kysely,
      );
      assert.equal(rows.rows[0]?.plan, plan, `${schema} holds the plan`);
    }
  });
}
