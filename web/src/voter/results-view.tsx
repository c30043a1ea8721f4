// Results as each poll type shows them: bars for choices, the average for ratings, the score for
// NPS, Borda points for rankings, approved answers and common words for open text.
import type { Results } from '../api.ts';
import { ResultsBars } from '../results-bars.tsx';
import { RankingResults } from './ranking-results.tsx';
import { NpsResults, RatingResults } from './scale-results.tsx';
import { TextResults } from './text-results.tsx';

export function ResultsView({
  results,
  type,
  chosen = [],
  organizer = false,
}: {
  results: Results;
  type: string;
  /** The voter's own answer (option ids, or the rated value), marked in the results. */
  chosen?: readonly string[];
  /** The organizer's own page: what only they need (answers awaiting moderation) shows too. */
  organizer?: boolean;
}) {
  switch (results.type ?? type) {
    case 'rating':
      return <RatingResults results={results} chosen={chosen} />;
    case 'nps':
      return <NpsResults results={results} />;
    case 'ranking':
      return <RankingResults results={results} chosen={chosen} />;
    case 'open_text':
      return <TextResults results={results} organizer={organizer} />;
    default:
      return (
        <ResultsBars results={results} chosen={chosen}>
          {results.totalVotes === 0 && <p class="muted small">No votes yet.</p>}
        </ResultsBars>
      );
  }
}
