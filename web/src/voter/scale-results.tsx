// rating: the average and how the ratings spread. nps: the score (% promoters minus % detractors)
// and how many promoters, passives and detractors it comes from.
import type { Results } from '../api.ts';
import { Bars, ResultsBars, ResultsSection } from '../results-bars.tsx';

const share = (part: number, total: number) => (total > 0 ? (part / total) * 100 : 0);
const people = (n: number) => (n === 1 ? '1 person' : `${n} people`);

export function RatingResults({ results, chosen }: { results: Results; chosen: readonly string[] }) {
  const average = results.rating?.average ?? null;
  const scaleMax = results.rating?.scaleMax ?? Math.max(0, ...results.options.map((o) => Number(o.id)));
  return (
    <ResultsBars results={results} chosen={chosen}>
      <p class="figure">
        {average === null ? (
          <span class="muted">No ratings yet</span>
        ) : (
          <>
            <strong>{average.toFixed(1)}</strong> <span class="muted">average, out of {scaleMax}</span>
          </>
        )}
      </p>
    </ResultsBars>
  );
}

export function NpsResults({ results }: { results: Results }) {
  const nps = results.nps;
  const total = results.totalVotes;
  if (!nps) return <ResultsBars results={results} />;
  const score = Math.round(nps.score);
  return (
    <ResultsSection results={results}>
      <p class="figure">
        {total === 0 ? (
          <span class="muted">No answers yet</span>
        ) : (
          <>
            <strong>{score > 0 ? `+${score}` : score}</strong> <span class="muted">Net Promoter Score</span>
          </>
        )}
      </p>
      <Bars
        rows={[
          { key: 'promoters', label: 'Promoters (9–10)', count: nps.promoters },
          { key: 'passives', label: 'Passives (7–8)', count: nps.passives },
          { key: 'detractors', label: 'Detractors (0–6)', count: nps.detractors },
        ].map(({ key, label, count }) => ({
          key,
          label,
          percent: share(count, total),
          figure: `${Math.round(share(count, total))}%`,
          detail: people(count),
        }))}
      />
      <p class="muted small">The score is the percentage of promoters minus the percentage of detractors.</p>
    </ResultsSection>
  );
}
