// Usage, metered from events: votes per workspace per calendar month (UTC, by the vote's own
// time), polls open now, members. Counted exactly once: the consumer applies each poll's events
// once and in order (stream versions) and each identity event once (its inbox), in the same
// transaction as these rows. Votes are a soft limit: crossing 80% and 100% of the month's quota
// writes `billing.usage.vote_quota_reached.v1` (notifications warns the owners); no vote is refused.
import {
  type CloudEvent,
  type EventContract,
  MemberChangedV1,
  PLANS,
  PollClaimedV1,
  PollClosedV1,
  PollCreatedV2,
  PollDeletedV1,
  PollOpenedV1,
  VOTE_WARNINGS,
  VoteCastV3,
  VoteQuotaReachedV1,
  WorkspaceCreatedV1,
} from '@canvass/contracts';
import { createEvent, type Outbox } from '@canvass/eventing';
import { type Kysely, sql } from 'kysely';
import type { Static, TSchema } from 'typebox';
import { monthOf, SOURCE, subscriptionOf } from '../subscription.ts';
import type { BillingTables } from '../tables.ts';

export const USAGE_CONSUMER = 'billing-usage';
export const DIRECTORY_CONSUMER = 'billing-directory';
export const usageTypes = [
  PollCreatedV2.type,
  PollClaimedV1.type,
  PollOpenedV1.type,
  PollClosedV1.type,
  PollDeletedV1.type,
  VoteCastV3.type,
];
export const directoryTypes = [WorkspaceCreatedV1.type, MemberChangedV1.type];

const is = <S extends TSchema>(
  contract: EventContract<string, S>,
  event: CloudEvent,
): event is CloudEvent<Static<S>> => event.type === contract.type;

export async function applyDirectoryEvents(db: Kysely<BillingTables>, events: readonly CloudEvent[]) {
  for (const event of events) {
    if (is(WorkspaceCreatedV1, event)) {
      const { workspaceId, name, ownerId } = event.data;
      await db
        .insertInto('workspaces')
        .values({ workspace_id: workspaceId, name, owner_id: ownerId })
        .onConflict((oc) => oc.column('workspace_id').doNothing())
        .execute();
      await db
        .insertInto('members')
        .values({ workspace_id: workspaceId, user_id: ownerId, role: 'owner' })
        .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doNothing())
        .execute();
    } else if (is(MemberChangedV1, event)) {
      const { workspaceId, userId, role } = event.data;
      if (role === null) {
        await db
          .deleteFrom('members')
          .where('workspace_id', '=', workspaceId)
          .where('user_id', '=', userId)
          .execute();
      } else {
        await db
          .insertInto('members')
          .values({ workspace_id: workspaceId, user_id: userId, role })
          .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doUpdateSet({ role }))
          .execute();
      }
    }
  }
}

export async function applyUsageEvents(
  db: Kysely<BillingTables>,
  outbox: Outbox,
  events: readonly CloudEvent[],
) {
  // Each poll's workspace, read once per batch and kept current as the batch's events change it.
  const pollIds = [...new Set(events.map((event) => (event.data as { pollId: string }).pollId))];
  const workspaces = new Map<string, string | null>(
    pollIds.length
      ? (
          await db
            .selectFrom('polls')
            .select(['poll_id', 'workspace_id'])
            .where('poll_id', 'in', pollIds)
            .execute()
        ).map((row) => [row.poll_id, row.workspace_id])
      : [],
  );
  // Votes add up per workspace and month first: one statement per (workspace, month) per batch.
  const votes = new Map<string, { workspaceId: string; month: string; count: number }>();
  for (const event of events) {
    const pollId = (event.data as { pollId: string }).pollId;
    if (is(PollCreatedV2, event)) {
      const { workspaceId, status } = event.data;
      // A poll already known (a redelivery past its position) keeps its row and workspace.
      if (!workspaces.has(pollId)) workspaces.set(pollId, workspaceId ?? null);
      await db
        .insertInto('polls')
        .values({ poll_id: pollId, workspace_id: workspaceId ?? null, open: status === 'open' })
        .onConflict((oc) => oc.column('poll_id').doNothing())
        .execute();
    } else if (is(PollClaimedV1, event)) {
      if (workspaces.has(pollId)) workspaces.set(pollId, event.data.workspaceId);
      await db
        .updateTable('polls')
        .set({ workspace_id: event.data.workspaceId })
        .where('poll_id', '=', pollId)
        .execute();
    } else if (is(PollOpenedV1, event) || is(PollClosedV1, event) || is(PollDeletedV1, event)) {
      // A deleted poll is open no more; the votes it took this month still count.
      await db
        .updateTable('polls')
        .set({ open: is(PollOpenedV1, event) })
        .where('poll_id', '=', pollId)
        .execute();
    } else if (is(VoteCastV3, event)) {
      const workspaceId = workspaces.get(pollId);
      if (!workspaceId) continue; // a guest poll: nobody's quota
      const month = monthOf(event.data.castAt ?? event.time);
      const key = `${workspaceId} ${month}`;
      const entry = votes.get(key) ?? { workspaceId, month, count: 0 };
      entry.count++;
      votes.set(key, entry);
    }
  }
  for (const { workspaceId, month, count } of votes.values()) {
    const row = await db
      .insertInto('vote_usage')
      .values({ workspace_id: workspaceId, month, votes: count })
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'month']).doUpdateSet({ votes: sql`vote_usage.votes + ${count}` }),
      )
      .returning(['votes', 'warned_share'])
      .executeTakeFirstOrThrow();
    await warnIfReached(db, outbox, {
      workspaceId,
      month,
      votes: Number(row.votes),
      warned: Number(row.warned_share),
    });
  }
}

async function warnIfReached(
  db: Kysely<BillingTables>,
  outbox: Outbox,
  usage: { workspaceId: string; month: string; votes: number; warned: number },
) {
  const { plan } = await subscriptionOf(db, usage.workspaceId);
  const quota = PLANS[plan].quotas.votesPerMonth;
  const share = VOTE_WARNINGS.filter((mark) => usage.votes >= mark * quota).at(-1);
  if (share === undefined || share <= usage.warned) return;
  await db
    .updateTable('vote_usage')
    .set({ warned_share: share })
    .where('workspace_id', '=', usage.workspaceId)
    .where('month', '=', usage.month)
    .execute();
  await outbox.append(db, [
    createEvent(VoteQuotaReachedV1, {
      source: SOURCE,
      workspace: usage.workspaceId,
      data: {
        workspaceId: usage.workspaceId,
        month: usage.month,
        share,
        votes: usage.votes,
        quota,
        plan,
        reachedAt: new Date().toISOString(),
      },
    }),
  ]);
}

/** Usage now: this month's votes, open polls, members. */
export async function usageOf(db: Kysely<BillingTables>, workspaceId: string, at = new Date()) {
  const month = monthOf(at);
  const [votes, open, members] = await Promise.all([
    db
      .selectFrom('vote_usage')
      .select('votes')
      .where('workspace_id', '=', workspaceId)
      .where('month', '=', month)
      .executeTakeFirst(),
    db
      .selectFrom('polls')
      .select(sql<number>`count(*)`.as('n'))
      .where('workspace_id', '=', workspaceId)
      .where('open', '=', true)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('members')
      .select(sql<number>`count(*)`.as('n'))
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirstOrThrow(),
  ]);
  return { month, votes: Number(votes?.votes ?? 0), openPolls: Number(open.n), members: Number(members.n) };
}
