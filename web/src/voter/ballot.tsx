// The ballot for each poll type: what a voter taps or fills in, and the answer it sends (the
// `POST …/votes` body fields of docs/polls.md). Each ballot calls `onVote` once with its answer.
import type { Poll, PollSettings } from '../api.ts';
import { MultipleChoiceBallot, SingleChoiceBallot } from './choice-ballot.tsx';
import { RankingBallot } from './ranking-ballot.tsx';
import { ScaleBallot } from './scale-ballot.tsx';
import { TextBallot } from './text-ballot.tsx';

export type Answer = { optionIds: string[] } | { rating: number } | { ranking: string[] } | { text: string };

export interface BallotProps {
  poll: Poll;
  settings: PollSettings;
  /** The answer being sent, or the voter's last one when they change it. */
  previous: Answer | null;
  sending: boolean;
  onVote(answer: Answer): void;
}

/** The option ids an answer picked, best first: what results mark as the voter's own. */
export function chosenIds(answer: Answer | null): string[] {
  if (!answer) return [];
  if ('optionIds' in answer) return answer.optionIds;
  if ('ranking' in answer) return answer.ranking.slice(0, 1);
  if ('rating' in answer) return [String(answer.rating)];
  return [];
}

export function Ballot(props: BallotProps) {
  switch (props.poll.type) {
    case 'single_choice':
      return <SingleChoiceBallot {...props} />;
    case 'multiple_choice':
      return <MultipleChoiceBallot {...props} />;
    case 'rating':
    case 'nps':
      return <ScaleBallot {...props} />;
    case 'ranking':
      return <RankingBallot {...props} />;
    case 'open_text':
      return <TextBallot {...props} />;
    default:
      return <p class="notice">This kind of poll cannot be answered here yet.</p>;
  }
}
