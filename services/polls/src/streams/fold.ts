// A poll's current state folded from its stream alone: what `polls` would hold if its tables were
// lost. (Voter de-duplication keys never leave the service, so they are not in the stream.)
import type { CloudEvent } from '@canvass/contracts';
import type { StoredPoll } from '../polls/poll-store.ts';

export interface FoldedPoll {
  poll: Omit<StoredPoll, 'createdAt' | 'workspaceId'> & { workspaceId: string | null };
  votes: Map<string, { optionIds: string[]; segment: string | null }>;
}

export function foldPollStream(events: readonly CloudEvent[]): FoldedPoll {
  let poll: FoldedPoll['poll'] | undefined;
  const votes: FoldedPoll['votes'] = new Map();
  for (const event of events) {
    const data = event.data as Record<string, unknown>;
    switch (event.type) {
      case 'polls.poll.created.v1':
        poll = {
          id: data.pollId as string,
          workspaceId: data.workspaceId as string | null,
          question: data.question as string,
          type: data.type as StoredPoll['type'],
          status: data.status as StoredPoll['status'],
          options: data.options as StoredPoll['options'],
        };
        break;
      case 'polls.poll.claimed.v1':
        if (poll) poll.workspaceId = data.workspaceId as string;
        break;
      case 'polls.vote.cast.v1':
      case 'polls.vote.cast.v2':
        votes.set(data.voteId as string, {
          optionIds: data.optionIds as string[],
          segment: (data.segment as string | null | undefined) ?? null,
        });
        break;
      default:
        throw new Error(`cannot fold ${event.type} into a poll`);
    }
  }
  if (!poll) throw new Error('the stream does not start with the poll’s creation');
  return { poll, votes };
}
