// A service's own projection of billing's entitlements (docs/architecture.md, "Entitlements"):
// each service that enforces a quota keeps an `entitlements` table in its own schema, fed by
// `billing.entitlements.changed.v1` in its consumer's transaction, and reads it where it enforces,
// so no request waits on billing.
//
// Order: none needed. Billing numbers each workspace's changes (`version`, one more per change);
// the table keeps the highest version it has seen, so an older event arriving late, a duplicate,
// a redelivery or a replay changes nothing (the consumer's inbox drops repeated ids as well).
import { type CloudEvent, EntitlementsChangedV1 } from '@canvass/contracts';
import { PLANS, type PlanId, type Quotas } from '@canvass/contracts/plans';
import { type ConsumerSpec, createEvent } from '@canvass/eventing';
import { type Kysely, sql } from 'kysely';
import type { Static } from 'typebox';

export interface Entitlements {
  workspaceId: string;
  plan: PlanId;
  quotas: Quotas;
  /** 0: billing has said nothing about this workspace yet (the free plan). */
  version: number;
}

type EntitlementsChange = Static<typeof EntitlementsChangedV1.data>;

/** The table each service's migration creates (the same shape in every schema). */
interface Tables {
  entitlements: {
    workspace_id: string;
    plan: string;
    quotas: Quotas;
    version: number;
    changed_at: Date;
  };
}
const tablesOf = <DB>(db: Kysely<DB>) => db as unknown as Kysely<Tables>;

/**
 * The event billing publishes when a workspace's plan changes (also how tests and the bench put
 * a workspace on a plan): the plan's own quotas unless others are given.
 */
export function entitlementsChanged(change: {
  workspaceId: string;
  plan: PlanId;
  version: number;
  quotas?: Quotas;
  at?: Date;
  source?: string;
}): CloudEvent {
  return createEvent(EntitlementsChangedV1, {
    source: change.source ?? '/billing',
    workspace: change.workspaceId,
    data: {
      workspaceId: change.workspaceId,
      plan: change.plan,
      quotas: change.quotas ?? PLANS[change.plan].quotas,
      version: change.version,
      changedAt: (change.at ?? new Date()).toISOString(),
    },
  });
}

/** The newest change per workspace in a batch of events (pure: the highest version wins). */
export function newestEntitlements(events: readonly CloudEvent[]): EntitlementsChange[] {
  const newest = new Map<string, EntitlementsChange>();
  for (const event of events) {
    if (event.type !== EntitlementsChangedV1.type) continue;
    const change = event.data as EntitlementsChange;
    const known = newest.get(change.workspaceId);
    if (!known || change.version > known.version) newest.set(change.workspaceId, change);
  }
  return [...newest.values()];
}

/**
 * Stores the batch's newest entitlements where they are newer than the table's, in the caller's
 * transaction; answers those that were (for a service that acts on a change, as identity does).
 */
export async function storeEntitlements<DB>(
  trx: Kysely<DB>,
  events: readonly CloudEvent[],
): Promise<Entitlements[]> {
  const newest = newestEntitlements(events);
  if (newest.length === 0) return [];
  const rows = await tablesOf(trx)
    .insertInto('entitlements')
    .values(
      newest.map((change) => ({
        workspace_id: change.workspaceId,
        plan: change.plan,
        quotas: JSON.stringify(change.quotas) as never,
        version: change.version,
        changed_at: new Date(change.changedAt),
      })),
    )
    .onConflict((oc) =>
      oc
        .column('workspace_id')
        .doUpdateSet({
          plan: sql`excluded.plan`,
          quotas: sql`excluded.quotas`,
          version: sql`excluded.version`,
          changed_at: sql`excluded.changed_at`,
        })
        // Only forward: an older version arriving late (or again) leaves the row as it is.
        .where('entitlements.version', '<', sql<number>`excluded.version`),
    )
    .returning('workspace_id')
    .execute();
  const stored = new Set(rows.map((row) => row.workspace_id));
  return newest
    .filter((change) => stored.has(change.workspaceId))
    .map(({ workspaceId, plan, quotas, version }) => ({ workspaceId, plan, quotas, version }));
}

/** A workspace's entitlements from the service's projection: the free plan's until billing says otherwise. */
export async function entitlementsOf<DB>(db: Kysely<DB>, workspaceId: string): Promise<Entitlements> {
  const row = await tablesOf(db)
    .selectFrom('entitlements')
    .select(['plan', 'quotas', 'version'])
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  if (!row) return { workspaceId, plan: 'free', quotas: PLANS.free.quotas, version: 0 };
  return {
    workspaceId,
    plan: row.plan as PlanId,
    quotas: typeof row.quotas === 'string' ? JSON.parse(row.quotas) : row.quotas,
    version: Number(row.version),
  };
}

/**
 * The consumer a service registers to keep its projection. `applied`, if given, runs in the same
 * transaction with the entitlements that were newer than what the table held.
 */
export function entitlementsConsumer(
  name: string,
  applied?: (trx: Kysely<unknown>, entitlements: Entitlements[]) => Promise<void>,
): ConsumerSpec {
  return {
    name,
    types: [EntitlementsChangedV1.type],
    async handle(trx, events) {
      const stored = await storeEntitlements(trx, events);
      if (stored.length > 0) await applied?.(trx as Kysely<unknown>, stored);
    },
  };
}
