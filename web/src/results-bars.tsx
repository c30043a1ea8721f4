import type { Results } from './api.ts';

/** One bar per option; widths animate, so a live update never moves the layout. */
export function ResultsBars({ results, chosen }: { results: Results; chosen?: string | null }) {
  return (
    <section aria-labelledby="results-heading">
      <h2 id="results-heading">
        Results{' '}
        <span class="muted">· {results.totalVotes === 1 ? '1 vote' : `${results.totalVotes} votes`}</span>
      </h2>
      <ul class="bars">
        {results.options.map((option) => (
          <li key={option.id} class={option.id === chosen ? 'chosen' : undefined}>
            <div class="bar-label">
              <span>{option.label}</span>
              <span class="percent" title={`${option.votes} ${option.votes === 1 ? 'vote' : 'votes'}`}>
                {Math.round(option.percent)}%
              </span>
            </div>
            <div class="bar" aria-hidden="true">
              <div class="fill" style={{ width: `${option.percent}%` }} />
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
