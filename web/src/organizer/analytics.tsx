// Analytics for one poll: votes per minute (uPlot, loaded only on this page) and the same counts
// split by segment (where the vote came from, e.g. `embed`). Both follow the live results.
import { useEffect, useRef } from 'preact/hooks';
import type uPlot from 'uplot';
import type { FullResults } from './model.ts';
import { plural } from './ui.tsx';

/**
 * The time axis in seconds: at least the last half hour up to a minute from now, and every minute
 * with votes. Worked out from the minutes themselves, not from uPlot's data range: with every vote
 * in one minute that range is a single instant, which uPlot widened to years.
 */
export function timeRange(minutes: readonly number[], now = Date.now() / 1000): [number, number] {
  const first = minutes.length ? Math.min(...minutes) : now;
  const last = minutes.length ? Math.max(...minutes) : now;
  const end = Math.max(last, now) + 60;
  return [Math.min(first - 60, end - 1800), end];
}

const clock = (seconds: number) =>
  new Date(seconds * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

function VotesPerMinute({ series }: { series: FullResults['series'] }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const data: uPlot.AlignedData = [
    series.map((point) => Date.parse(point.minute) / 1000),
    series.map((point) => point.votes),
  ];
  const minutes = useRef(data[0] as number[]);
  minutes.current = data[0] as number[];

  useEffect(() => {
    let stopped = false;
    let resize: ResizeObserver | undefined;
    Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(([{ default: UPlot }]) => {
      if (stopped || !box.current) return;
      const style = getComputedStyle(document.documentElement);
      const accent = style.getPropertyValue('--accent').trim() || '#3b4fd8';
      const muted = style.getPropertyValue('--muted').trim() || '#5f6170';
      const line = style.getPropertyValue('--line').trim() || '#d7d8e0';
      const axis = { stroke: muted, grid: { stroke: line, width: 1 }, ticks: { stroke: line, width: 1 } };
      chart.current = new UPlot(
        {
          width: box.current.clientWidth,
          height: 220,
          legend: { show: false },
          cursor: { points: { show: false } },
          scales: {
            // At least the last half hour, so a first minute of votes is a bar, not a wall.
            x: { time: true, range: () => timeRange(minutes.current) },
            y: { range: (_u, _min, max) => [0, Math.max(1, max)] },
          },
          axes: [axis, { ...axis, size: 40 }],
          hooks: {
            // Says the span shown, for screen readers (and so a test can read the axis).
            setScale: [
              (u, key) => {
                const { min, max } = u.scales.x ?? {};
                if (key === 'x' && min != null && max != null && box.current)
                  box.current.dataset.span = `${clock(min)}–${clock(max)} (${Math.round((max - min) / 60)} minutes)`;
              },
            ],
          },
          series: [
            {},
            {
              label: 'Votes',
              stroke: accent,
              fill: `${accent}55`,
              width: 2,
              paths: UPlot.paths.bars?.({ size: [0.8, 40] }),
            },
          ],
        },
        data,
        box.current,
      );
      resize = new ResizeObserver(() => {
        if (box.current) chart.current?.setSize({ width: box.current.clientWidth, height: 220 });
      });
      resize.observe(box.current);
    });
    return () => {
      stopped = true;
      resize?.disconnect();
      chart.current?.destroy();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setData(data);
  });

  return (
    <div
      ref={box}
      class="chart"
      role="img"
      aria-label={`Votes per minute: ${plural(
        series.reduce((sum, point) => sum + point.votes, 0),
        'vote',
      )} in ${plural(series.length, 'minute')}`}
    />
  );
}

export function Analytics({ results }: { results: FullResults }) {
  const segments = results.breakdown;
  const labels = new Map(results.options.map((o) => [o.id, o.label]));
  return (
    <section aria-labelledby="analytics-heading">
      <h2 id="analytics-heading">Analytics</h2>
      <h3>Votes per minute</h3>
      {results.series.length === 0 ? (
        <p class="muted">No votes yet: the chart fills in as they arrive.</p>
      ) : (
        <VotesPerMinute series={results.series} />
      )}
      <h3>By source</h3>
      {segments.length === 0 ? (
        <p class="muted">No votes yet.</p>
      ) : (
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Source</th>
                <th scope="col">Votes</th>
                {results.options.map((o) => (
                  <th scope="col" key={o.id}>
                    {o.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {segments.map((segment) => (
                <tr key={segment.segment ?? ''}>
                  <th scope="row">{segment.segment ?? 'Direct link'}</th>
                  <td>{segment.totalVotes}</td>
                  {results.options.map((o) => {
                    const cell = segment.options.find((s) => s.id === o.id);
                    return (
                      <td key={o.id} title={labels.get(o.id)}>
                        {cell ? `${cell.votes} (${Math.round(cell.percent)}%)` : '0'}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
