// Which rate-limit tier each workspace is on, as billing last said (`billing.entitlements.changed.v1`,
// `quotas.rateTier`). A token carries its workspace's plan from when it was issued (up to 15
// minutes old) and a verified API key from up to a few seconds ago; this map lets an upgrade (or a
// downgrade) count within seconds for both. The gateway has no database: the map is fed by an
// ephemeral subscription (every gateway process hears every change from the moment it subscribed)
// and starts empty, so a workspace this process has not heard of falls back to the credential's
// `plan` claim, which is current for every token issued after the change.
//
// Order: billing numbers each workspace's changes (`version`); the map keeps the highest it has
// seen, so a late, repeated or redelivered event changes nothing.
import { EntitlementsChangedV1 } from '@canvass/contracts';
import type { Delivery } from '@canvass/eventing';

export interface WorkspaceTiers {
  /** The tier billing last gave the workspace, if this process has heard; else undefined. */
  tierOf(workspace: string): string | undefined;
  /** Takes a delivery's payload; anything that is not a well-formed entitlements change is ignored. */
  apply(payload: unknown): void;
  readonly size: number;
}

interface Known {
  tier: string;
  version: number;
}

/**
 * `maxWorkspaces` bounds memory (about 100 bytes each): past it, the least recently changed
 * workspace is forgotten, and falls back to its credentials' claim, as after a restart.
 */
export function createWorkspaceTiers(options: { maxWorkspaces?: number } = {}): WorkspaceTiers {
  const max = options.maxWorkspaces ?? 200_000;
  const known = new Map<string, Known>();
  return {
    tierOf: (workspace) => known.get(workspace)?.tier,
    apply(payload) {
      const event = payload as { type?: unknown; data?: Record<string, unknown> } | null;
      if (event?.type !== EntitlementsChangedV1.type) return;
      const workspace = event.data?.workspaceId;
      const version = event.data?.version;
      const tier = (event.data?.quotas as { rateTier?: unknown } | undefined)?.rateTier;
      if (typeof workspace !== 'string' || !Number.isInteger(version) || typeof tier !== 'string') return;
      const current = known.get(workspace);
      if (current && current.version >= (version as number)) return;
      // Re-inserted, so the map's order is the order of changes: the first entry is the oldest.
      known.delete(workspace);
      known.set(workspace, { tier, version: version as number });
      if (known.size > max) known.delete(known.keys().next().value!);
    },
    get size() {
      return known.size;
    },
  };
}

/** The subscription's handler: never throws (in the embedded tier a throw would fail billing's publish). */
export const tiersHandler = (tiers: WorkspaceTiers) => async (batch: readonly Delivery[]) => {
  for (const delivery of batch) tiers.apply(delivery.payload);
};
