// The open-polls quota: a workspace's plan allows so many polls open at once (a guest poll has no
// workspace and no limit). Checked only where a poll becomes open (created open, opened by hand or
// by its schedule), never on the vote path. The plan comes from polls' own projection of billing's
// entitlements (service-kit entitlements.ts, consumer `polls-entitlements`), so nothing here waits
// on billing. A transaction-scoped advisory lock per workspace makes the count and the change one
// step: two polls opening at once cannot both take the last place. Nothing closes when a plan
// shrinks: open polls stay open, new ones wait until there is room.
import { entitlementsOf, quotaExceeded } from '@canvass/service-kit';
import { type Kysely, sql } from 'kysely';
import type { PollsTables } from '../tables.ts';

/** Throws 403 `quota-exceeded` when one more open poll would pass the workspace's plan. */
export async function assertRoomForOpenPoll(
  trx: Kysely<PollsTables>,
  workspaceId: string,
  detail = 'Close one of your open polls first',
): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`canvass.open-polls.${workspaceId}`}))`.execute(trx);
  const { plan, quotas } = await entitlementsOf(trx, workspaceId);
  if (quotas.openPolls === null) return;
  const open = await trx
    .selectFrom('polls')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('status', '=', 'open')
    .executeTakeFirstOrThrow();
  if (Number(open.n) >= quotas.openPolls) {
    throw quotaExceeded({ what: 'openPolls', limit: quotas.openPolls, plan, detail });
  }
}

export const isQuotaProblem = (error: unknown) =>
  (error as { type?: unknown } | undefined)?.type === 'quota-exceeded';
