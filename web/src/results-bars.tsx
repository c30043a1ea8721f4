import type { ComponentChildren } from 'preact';
import type { Results } from './api.ts';

export interface BarRow {
  key: string;
  label: string;
  /** Bar width, 0–100. */
  percent: number;
  /** What the row shows at its end (`42%`, `12 points`). */
  figure: string;
  /** Said to screen readers and on hover: the figure in words. */
  detail?: string;
  chosen?: boolean;
}

const votes = (n: number, noun = 'vote') => (n === 1 ? `1 ${noun}` : `${n} ${noun}s`);

/** What a poll of `type` counts: open-text polls take answers, every other type votes. */
export const countNoun = (type: string | undefined) => (type === 'open_text' ? 'answer' : 'vote');

/** "12 votes", "1 answer": the count in the word the poll type uses, the same on every page. */
export const countOf = (n: number, type: string | undefined) => votes(n, countNoun(type));

/** Rows of labelled bars; widths animate, so a live update never moves the layout. */
export function Bars({ rows }: { rows: BarRow[] }) {
  return (
    <ul class="bars">
      {rows.map((row) => (
        <li key={row.key} class={row.chosen ? 'chosen' : undefined}>
          <div class="bar-label">
            <span>
              {row.label}
              {row.chosen && <span class="visually-hidden"> (your answer)</span>}
            </span>
            <span class="percent" title={row.detail}>
              {row.figure}
              {row.detail && <span class="visually-hidden"> ({row.detail})</span>}
            </span>
          </div>
          <div class="bar" aria-hidden="true">
            <div class="fill" style={{ width: `${Math.max(0, Math.min(100, row.percent))}%` }} />
          </div>
        </li>
      ))}
    </ul>
  );
}

/** The results section: a heading with the vote count, what `children` add, then the bars. */
export function ResultsBars({
  results,
  chosen,
  children,
}: {
  results: Results;
  chosen?: string | readonly string[] | null;
  children?: ComponentChildren;
}) {
  const picked = new Set(typeof chosen === 'string' ? [chosen] : (chosen ?? []));
  return (
    <ResultsSection results={results}>
      {children}
      <Bars
        rows={results.options.map((option) => ({
          key: option.id,
          label: option.label,
          percent: option.percent,
          figure: `${Math.round(option.percent)}%`,
          detail: votes(option.votes),
          chosen: picked.has(option.id),
        }))}
      />
    </ResultsSection>
  );
}

/** A results heading ("Results · 12 votes", "Final results" once closed) over its figures. */
export function ResultsSection({ results, children }: { results: Results; children: ComponentChildren }) {
  return (
    <section class="results" aria-labelledby="results-heading">
      <h2 id="results-heading">
        {results.status === 'closed' ? 'Final results' : 'Results'}{' '}
        <span class="muted">· {countOf(results.totalVotes, results.type)}</span>
      </h2>
      {children}
    </section>
  );
}
