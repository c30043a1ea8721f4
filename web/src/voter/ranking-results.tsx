// ranking: options by Borda points (an option earns more the higher each voter ranked it), with
// how often each came first. Options with the same points share their place (1, 1, 3: the
// competition ranking sports use), so a tie never reads as one option ahead of the other.
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
        rows={ranked.map((option) => {
          const points = option.points ?? 0;
          const place = 1 + ranked.filter((other) => (other.points ?? 0) > points).length;
          const tied = ranked.some((other) => other !== option && (other.points ?? 0) === points);
          const first = option.votes === 1 ? 'ranked first once' : `ranked first ${option.votes} times`;
          return {
            key: option.id,
            label: `${place}. ${option.label}`,
            percent: (points / top) * 100,
            figure: points === 1 ? '1 point' : `${points} points`,
            detail: tied ? `tied for place ${place}; ${first}` : first,
            chosen: chosen[0] === option.id,
          };
        })}
      />
    </ResultsSection>
  );
}
