// open_text: the newest answers shown (approved, where the poll is moderated) and the words that
// come up most, larger the more often. How many answers wait for moderation is the organizer's
// business: voters and the presenter's audience never see it.
import type { Results } from '../api.ts';
import { ResultsSection } from '../results-bars.tsx';

export function TextResults({ results, organizer }: { results: Results; organizer: boolean }) {
  const answers = results.answers;
  const recent = answers?.recent ?? [];
  const terms = answers?.terms ?? [];
  const most = Math.max(1, ...terms.map((t) => t.count));
  const waiting = answers?.awaitingModeration ?? 0;
  return (
    <ResultsSection results={results}>
      {organizer && waiting > 0 && (
        <p class="muted small">
          {waiting === 1 ? '1 answer waits' : `${waiting} answers wait`} for the organizer’s review.
        </p>
      )}
      {terms.length > 0 && (
        <>
          <h3>Common words</h3>
          <ul class="terms">
            {terms.slice(0, 20).map((term) => (
              <li key={term.term} style={{ fontSize: `${0.9 + (term.count / most) * 0.8}rem` }}>
                <span class="term" title={term.term}>
                  {term.term}
                </span>{' '}
                <span class="muted small">{term.count}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      <h3>Latest answers</h3>
      {recent.length === 0 ? (
        <p class="muted">No answers to show yet.</p>
      ) : (
        <ul class="answers">
          {recent.map((answer) => (
            <li key={answer.id}>{answer.text}</li>
          ))}
        </ul>
      )}
    </ResultsSection>
  );
}
