// Applies a batch of polls events to the tallies: one upsert per poll and per option touched,
// however many votes the batch holds.
import { type CloudEvent, PollCreatedV1, VoteCastV2 } from '@canvass/contracts';
import { type Kysely, sql } from 'kysely';
import type { Static } from 'typebox';
import type { AnalyticsTables } from '../tables.ts';

type PollCreated = Static<typeof PollCreatedV1.data>;
type VoteCast = Static<typeof VoteCastV2.data>;

/** Votes per option and ballots per poll in a batch of events. */
export function tallyByOption(votes: readonly VoteCast[]) {
  const ballots = new Map<string, number>();
  const options = new Map<string, Map<string, number>>();
  for (const vote of votes) {
    ballots.set(vote.pollId, (ballots.get(vote.pollId) ?? 0) + 1);
    const perOption = options.get(vote.pollId) ?? new Map<string, number>();
    for (const optionId of vote.optionIds) perOption.set(optionId, (perOption.get(optionId) ?? 0) + 1);
    options.set(vote.pollId, perOption);
  }
  return { ballots, options };
}

export async function applyPollsEvents(
  trx: Kysely<AnalyticsTables>,
  events: readonly CloudEvent[],
): Promise<void> {
  const votes: VoteCast[] = [];
  for (const event of events) {
    if (event.type === PollCreatedV1.type) await projectPollCreated(trx, event.data as PollCreated);
    else if (event.type === VoteCastV2.type) votes.push(event.data as VoteCast);
  }
  const { ballots, options } = tallyByOption(votes);
  for (const [pollId, count] of ballots) {
    await trx
      .insertInto('poll_results')
      .values({ poll_id: pollId, total_votes: count })
      .onConflict((oc) =>
        oc
          .column('poll_id')
          .doUpdateSet({ total_votes: sql`poll_results.total_votes + ${count}`, updated_at: sql`now()` }),
      )
      .execute();
    for (const [optionId, optionCount] of options.get(pollId) ?? []) {
      await trx
        .insertInto('option_tallies')
        .values({ poll_id: pollId, option_id: optionId, votes: optionCount })
        .onConflict((oc) =>
          oc
            .columns(['poll_id', 'option_id'])
            .doUpdateSet({ votes: sql`option_tallies.votes + ${optionCount}` }),
        )
        .execute();
    }
  }
}

async function projectPollCreated(trx: Kysely<AnalyticsTables>, poll: PollCreated): Promise<void> {
  await trx
    .insertInto('poll_results')
    .values({ poll_id: poll.pollId, question: poll.question })
    .onConflict((oc) => oc.column('poll_id').doUpdateSet({ question: poll.question }))
    .execute();
  for (const [position, option] of poll.options.entries()) {
    await trx
      .insertInto('option_tallies')
      .values({ poll_id: poll.pollId, option_id: option.id, position, label: option.label })
      .onConflict((oc) => oc.columns(['poll_id', 'option_id']).doUpdateSet({ position, label: option.label }))
      .execute();
  }
}
