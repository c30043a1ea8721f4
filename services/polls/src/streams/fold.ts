// A poll's current state folded from its stream alone: what `polls` would hold if its tables were
// lost. (Voter de-duplication keys never leave the service, so they are not in the stream.)
import type { Ballot, CloudEvent, PollSettings } from '@canvass/contracts';
import type { StoredPoll } from '../polls/poll-store.ts';

export interface FoldedVote extends Ballot {
  segment: string | null;
  moderation: 'pending' | 'approved' | 'rejected' | null;
}

export interface FoldedPoll {
  poll: Pick<StoredPoll, 'id' | 'workspaceId' | 'question' | 'type' | 'status' | 'options'> & {
    settings: PollSettings | null;
    /** Its organizer deleted it (the stream's last event). */
    deleted?: true;
  };
  /** The votes that count now (changed and withdrawn ones are gone), by vote id. */
  votes: Map<string, FoldedVote>;
}

type Data = Record<string, unknown>;

export function foldPollStream(events: readonly CloudEvent[]): FoldedPoll {
  let poll: FoldedPoll['poll'] | undefined;
  const votes: FoldedPoll['votes'] = new Map();
  for (const event of events) {
    const data = event.data as Data;
    if (event.type === 'polls.poll.created.v1' || event.type === 'polls.poll.created.v2') {
      poll = {
        id: data.pollId as string,
        workspaceId: data.workspaceId as string | null,
        question: data.question as string,
        type: data.type as StoredPoll['type'],
        status: data.status as StoredPoll['status'],
        options: data.options as StoredPoll['options'],
        settings: (data.settings as PollSettings | undefined) ?? null,
      };
      continue;
    }
    if (!poll) throw new Error('the stream does not start with the poll’s creation');
    switch (event.type) {
      case 'polls.poll.claimed.v1':
        poll.workspaceId = data.workspaceId as string;
        break;
      case 'polls.poll.updated.v1': {
        const changes = data.changes as Data;
        if ('question' in changes) poll.question = changes.question as string;
        if ('options' in changes) poll.options = changes.options as StoredPoll['options'];
        if ('settings' in changes) poll.settings = changes.settings as PollSettings;
        poll.status = data.status as StoredPoll['status'];
        break;
      }
      case 'polls.poll.opened.v1':
        poll.status = 'open';
        break;
      case 'polls.poll.closed.v1':
        poll.status = 'closed';
        break;
      case 'polls.vote.cast.v1':
      case 'polls.vote.cast.v2':
      case 'polls.vote.cast.v3': {
        const text = (data.text as string | null | undefined) ?? null;
        votes.set(data.voteId as string, {
          optionIds: data.optionIds as string[],
          rating: (data.rating as number | null | undefined) ?? null,
          text,
          segment: (data.segment as string | null | undefined) ?? null,
          moderation: text === null ? null : poll.settings?.moderation ? 'pending' : 'approved',
        });
        break;
      }
      case 'polls.vote.retracted.v1':
        votes.delete(data.voteId as string);
        break;
      case 'polls.poll.deleted.v1':
        // Nothing of it counts any more (and nothing follows in its stream).
        poll.deleted = true;
        votes.clear();
        break;
      case 'polls.answer.moderated.v1': {
        const vote = votes.get(data.voteId as string);
        if (vote) vote.moderation = data.decision as 'approved' | 'rejected';
        break;
      }
      default:
        throw new Error(`cannot fold ${event.type} into a poll`);
    }
  }
  if (!poll) throw new Error('the stream does not start with the poll’s creation');
  return { poll, votes };
}
