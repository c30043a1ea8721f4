// `poll.results_changed`: votes are many, so integrators that only want fresh totals subscribe
// to this instead of `vote.cast`. Each poll's votes gather for `resultsEveryMs` (polls.results_due_at,
// set by the activity consumer), then one message says the new total and how many votes came
// since the last one. Claimed with `skip locked`, so replicas never send one change twice.
import type { Database } from '@canvass/database';
import type { Logger } from '@canvass/service-kit';
import { type Kysely, sql } from 'kysely';
import type { NotificationsTables } from '../tables.ts';
import { createWorkLoop } from '../work-loop.ts';
import { FanOutBatch } from './fan-out.ts';

export function createResultsTicker(options: {
  db: Database;
  logger: Logger;
  appUrl: string;
  intervalMs: number;
}) {
  const db = options.db.kysely as Kysely<NotificationsTables>;
  return createWorkLoop({
    name: 'results changes',
    db: options.db,
    logger: options.logger,
    intervalMs: options.intervalMs,
    batch: 1,
    // One transaction claims and announces a batch of due polls.
    async claim() {
      const announced = await db.transaction().execute(async (trx) => {
        const due = await sql<{
          poll_id: string;
          workspace_id: string | null;
          votes: string;
          results_sent_votes: string | null;
        }>`
          select poll_id, workspace_id, votes, results_sent_votes from polls
          where results_due_at <= now() order by results_due_at limit 200 for update skip locked`.execute(
          trx,
        );
        const at = new Date();
        const messages = new FanOutBatch(trx, options.db.schema);
        for (const poll of due.rows) {
          const votes = Number(poll.votes);
          if (poll.workspace_id && votes !== Number(poll.results_sent_votes ?? 0)) {
            await messages.add({
              id: `msg_results_${poll.poll_id}_${at.getTime()}`,
              workspaceId: poll.workspace_id,
              type: 'poll.results_changed',
              data: {
                pollId: poll.poll_id,
                totalVotes: votes,
                votesSinceLast: votes - Number(poll.results_sent_votes ?? 0),
                resultsUrl: `${options.appUrl}/api/v1/polls/${poll.poll_id}/results`,
                changedAt: at.toISOString(),
              },
              at,
            });
          }
        }
        if (due.rows.length > 0) {
          // The rows are locked: `votes` is still what was announced.
          await trx
            .updateTable('polls')
            .set({ results_due_at: null, results_sent_votes: sql`votes` })
            .where(
              'poll_id',
              'in',
              due.rows.map((poll) => poll.poll_id),
            )
            .execute();
        }
        await messages.flush();
        return due.rows.length;
      });
      // A full batch: claim again at once.
      return announced === 200 ? [true] : [];
    },
    async work() {},
  });
}
