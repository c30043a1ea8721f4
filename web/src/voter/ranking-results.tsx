// ranking: options by Borda points (an option earns more the higher each voter ranked it), with
// how often each came first.
import type { Results } from '../api.ts';
import { Bars, ResultsSection } from '../results-bars.tsx';

export function RankingResults({ results, chosen }: { results: Results; chosen: readonly string[] }) {
  const ranked = [...results.options].sort((a, b) => (b.points ?? 0) - (a.points ?? 0));
  const top = Math.max(1, ...ranked.map((o) => o.points ?? 0));
  return (
    <ResultsSection results={results}>
      {results.totalVotes === 0 ? (
        <p class="muted small">No rankings yet.</p>
      ) : (
        <p class="muted small">Ordered by points: the higher voters rank an option, the more it earns.</p>
      )}
      <Bars
        rows={ranked.map((option, index) => {
          const points = option.points ?? 0;
          return {
            key: option.id,
            label: `${index + 1}. ${option.label}`,
            percent: (points / top) * 100,
            figure: points === 1 ? '1 point' : `${points} points`,
            detail: option.votes === 1 ? 'ranked first once' : `ranked first ${option.votes} times`,
            chosen: chosen[0] === option.id,
          };
        })}
      />
    </ResultsSection>
  );
}
