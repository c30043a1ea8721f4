// Polls events, turned into what organizers and integrators hear: notices (a poll opened, closed,
// got its first vote, reached 100 or 1,000 votes) and webhook messages.
//
// Order: the consumer reads each poll's events in stream-version order (the ordering contract:
// the eventing package parks an event that comes early and drops a duplicate), so a poll's
// creation is known before its votes, and `sequence` in each webhook payload is that version.
// Nothing here needs order across polls. Every change is in the batch's transaction, so a
// redelivered batch changes nothing twice.
import {
  type CloudEvent,
  PollClaimedV1,
  PollClosedV1,
  PollCreatedV2,
  PollOpenedV1,
  PollUpdatedV1,
  VoteCastV3,
  VoteRetractedV1,
} from '@canvass/contracts';
import { type Kysely, sql } from 'kysely';
import { is, isStale } from '../events.ts';
import { membersWithRoles, type Notice, notify } from '../notices/notify.ts';
import type { NotificationsTables } from '../tables.ts';
import { FanOutBatch } from '../webhooks/fan-out.ts';

export const ACTIVITY_CONSUMER = 'notifications-activity';
const ORGANIZERS = ['owner', 'admin', 'editor'];
const MILESTONES = [1, 100, 1000];

interface ActivityDeps {
  schema: string;
  /** Where links in notices and mails point (the public URL). */
  appUrl: string;
  /** How long votes gather before one `poll.results_changed` goes out. */
  resultsEveryMs: number;
}

const messageIdOf = (event: CloudEvent) => `msg_${event.id.replaceAll('-', '')}`;

/** A poll created already open opens at that moment: organizers and integrators hear "opened" too. */
const createdOpen = (event: CloudEvent) => is(PollCreatedV2, event) && event.data.status === 'open';

type Webhook = { id: string; type: string; data: Record<string, unknown> };

/** What each polls event says to an integrator: none, one, or (a poll created open) two messages. */
function webhooksOf(event: CloudEvent): Webhook[] {
  const one = webhookOf(event);
  const all = one ? [{ id: messageIdOf(event), ...one }] : [];
  if (is(PollCreatedV2, event) && createdOpen(event)) {
    const { pollId, createdAt } = event.data;
    all.push({
      // Derived from the event's id, so a redelivered event fans out to the same message.
      id: `${messageIdOf(event)}_opened`,
      type: 'poll.opened',
      data: { pollId, sequence: event.streamversion ?? null, openedAt: createdAt },
    });
  }
  return all;
}

function webhookOf(event: CloudEvent): { type: string; data: Record<string, unknown> } | null {
  const sequence = event.streamversion ?? null;
  if (is(PollCreatedV2, event)) {
    const { pollId, question, type, status, options, createdAt, opensAt, closesAt } = event.data;
    return {
      type: 'poll.created',
      data: { pollId, sequence, question, type, status, options, opensAt, closesAt, createdAt },
    };
  }
  if (is(PollUpdatedV1, event)) {
    const { pollId, changes, previous, status, updatedAt } = event.data;
    return { type: 'poll.updated', data: { pollId, sequence, changes, previous, status, updatedAt } };
  }
  if (is(PollOpenedV1, event))
    return {
      type: 'poll.opened',
      data: { pollId: event.data.pollId, sequence, openedAt: event.data.openedAt },
    };
  if (is(PollClosedV1, event)) {
    const { pollId, closedAt, totals } = event.data;
    return { type: 'poll.closed', data: { pollId, sequence, closedAt, totals } };
  }
  if (is(VoteCastV3, event)) {
    const { pollId, voteId, optionIds, rating, text, segment, castAt } = event.data;
    return {
      type: 'vote.cast',
      data: { pollId, sequence, voteId, optionIds, rating, text, segment, castAt },
    };
  }
  if (is(VoteRetractedV1, event)) {
    const { pollId, voteId, retractedAt } = event.data;
    return { type: 'vote.retracted', data: { pollId, sequence, voteId, retractedAt } };
  }
  return null;
}

type PollRow = {
  poll_id: string;
  workspace_id: string | null;
  question: string;
  votes: number;
  peak_votes: number;
};

/**
 * A batch costs a few statements however many votes it holds: the polls it names are read once,
 * votes are counted in memory and written per poll at the end, and webhook messages go out through
 * one fan-out batch. Lifecycle events (rare) are written as they come.
 */
export async function applyPollsEvents(
  db: Kysely<NotificationsTables>,
  events: readonly CloudEvent[],
  deps: ActivityDeps,
): Promise<void> {
  const pollIds = [...new Set(events.map((event) => (event.data as { pollId: string }).pollId))];
  const polls = new Map<string, PollRow>(
    pollIds.length
      ? (
          await db
            .selectFrom('polls')
            .select(['poll_id', 'workspace_id', 'question', 'votes', 'peak_votes'])
            .where('poll_id', 'in', pollIds)
            .execute()
        ).map((row) => [
          row.poll_id,
          { ...row, votes: Number(row.votes), peak_votes: Number(row.peak_votes) },
        ])
      : [],
  );
  const counted = new Set<PollRow>();
  const messages = new FanOutBatch(db, deps.schema);
  for (const event of events) {
    const pollId = (event.data as { pollId: string }).pollId;
    const known = polls.get(pollId);
    if (is(PollCreatedV2, event)) {
      const { workspaceId, question } = event.data;
      await db
        .insertInto('polls')
        .values({
          poll_id: pollId,
          workspace_id: workspaceId,
          question,
          results_sent_votes: null,
          results_due_at: null,
        })
        .onConflict((oc) => oc.column('poll_id').doUpdateSet({ workspace_id: workspaceId, question }))
        .execute();
      polls.set(pollId, {
        poll_id: pollId,
        workspace_id: workspaceId,
        question,
        votes: known?.votes ?? 0,
        peak_votes: known?.peak_votes ?? 0,
      });
    } else if (is(PollClaimedV1, event)) {
      await db
        .updateTable('polls')
        .set({ workspace_id: event.data.workspaceId })
        .where('poll_id', '=', pollId)
        .execute();
      if (known) known.workspace_id = event.data.workspaceId;
    } else if (is(PollUpdatedV1, event) && typeof event.data.changes.question === 'string') {
      await db
        .updateTable('polls')
        .set({ question: event.data.changes.question })
        .where('poll_id', '=', pollId)
        .execute();
      if (known) known.question = event.data.changes.question;
    }
    const poll = polls.get(pollId);
    if (!poll?.workspace_id) continue; // a guest poll: nobody to tell
    for (const webhook of webhooksOf(event)) {
      await messages.add({
        id: webhook.id,
        workspaceId: poll.workspace_id,
        type: webhook.type as never,
        data: webhook.data,
        at: new Date(event.time),
      });
    }
    const delta = is(VoteCastV3, event) ? 1 : is(VoteRetractedV1, event) ? -1 : 0;
    if (delta !== 0) {
      counted.add(poll);
      await countVote(db, poll, delta, event, deps);
    } else if (!isStale(event)) await tellLifecycle(db, poll, event, deps);
  }
  if (counted.size > 0) {
    const values = sql.join(
      [...counted].map((poll) => sql`(${poll.poll_id}, ${poll.votes}::bigint, ${poll.peak_votes}::bigint)`),
    );
    // Votes gather for a while, then one `poll.results_changed` tells integrators (ticker.ts).
    await sql`update polls as p set votes = v.votes, peak_votes = v.peak,
        results_due_at = coalesce(p.results_due_at, now() + ${`${deps.resultsEveryMs} milliseconds`}::interval)
      from (values ${values}) as v(poll_id, votes, peak)
      where p.poll_id = v.poll_id`.execute(db);
  }
  await messages.flush();
}

/** Counts the vote in memory (written once per batch); tells organizers of a milestone reached. */
async function countVote(
  db: Kysely<NotificationsTables>,
  poll: PollRow,
  delta: 1 | -1,
  event: CloudEvent,
  deps: ActivityDeps,
) {
  const before = poll.peak_votes;
  poll.votes += delta;
  poll.peak_votes = Math.max(before, poll.votes);
  const reached = MILESTONES.find((mark) => before < mark && poll.peak_votes >= mark);
  if (reached === undefined || isStale(event)) return;
  const votesText = reached === 1 ? 'its first vote' : `${reached.toLocaleString('en')} votes`;
  await tellOrganizers(db, poll, deps, {
    kind: `poll.votes.${reached}`,
    title: `“${poll.question}” got ${votesText}`,
    body:
      reached === 1 ? 'The first vote is in.' : `${reached.toLocaleString('en')} people have voted so far.`,
    url: `/app/polls/${poll.poll_id}`,
    template: 'poll-milestone',
    params: { votes: reached },
  });
}

async function tellLifecycle(
  db: Kysely<NotificationsTables>,
  poll: PollRow,
  event: CloudEvent,
  deps: ActivityDeps,
) {
  if (is(PollOpenedV1, event) || createdOpen(event)) {
    await tellOrganizers(db, poll, deps, {
      kind: 'poll.opened',
      title: `“${poll.question}” is open`,
      body: 'Voters can vote now.',
      url: `/app/polls/${poll.poll_id}`,
      template: 'poll-opened',
      params: {},
    });
  } else if (is(PollClosedV1, event)) {
    const total = event.data.totals.ballots;
    await tellOrganizers(db, poll, deps, {
      kind: 'poll.closed',
      title: `“${poll.question}” closed`,
      body: `It closed with ${total.toLocaleString('en')} ${total === 1 ? 'vote' : 'votes'}.`,
      url: `/app/polls/${poll.poll_id}`,
      template: 'poll-closed',
      params: { totalVotes: total },
    });
  }
}

async function tellOrganizers(
  db: Kysely<NotificationsTables>,
  poll: PollRow,
  deps: ActivityDeps,
  notice: Omit<Notice, 'workspaceId' | 'mail'> & { template: string; params: Record<string, unknown> },
) {
  const recipients = await membersWithRoles(db, poll.workspace_id!, ORGANIZERS);
  const pollUrl = `${deps.appUrl}${notice.url}`;
  await notify(db, deps.schema, recipients, {
    kind: notice.kind,
    workspaceId: poll.workspace_id,
    title: notice.title,
    body: notice.body,
    url: notice.url,
    mail: {
      preference: 'poll_mail',
      template: notice.template,
      params: { ...notice.params, question: poll.question, pollUrl, resultsUrl: `${pollUrl}/analytics` },
    },
  });
}
