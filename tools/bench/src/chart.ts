// The benchmark results as one standalone SVG (no fonts, scripts or links to fetch), readable in a
// browser and on GitHub: throughput as horizontal bars with each bar's ratio to its baseline, and
// latency percentiles as grouped bars per measure. Every text is escaped.
import { formatCompact, formatCount, formatMs, formatRatio, makeScale, type Scale } from './chart-scale.ts';

export interface ThroughputBar {
  label: string;
  perSecond: number;
  /** To its baseline (printed beside the value). */
  ratio?: number;
  /** Bars of a group share a colour and sit together (e.g. "gateway", "PostgreSQL"). */
  group?: string;
}

export interface LatencyMeasure {
  label: string;
  p50Ms: number;
  p99Ms: number;
  p999Ms?: number;
}

export interface ChartData {
  title: string;
  throughput: ThroughputBar[];
  latency: LatencyMeasure[];
}

const FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
const MARGIN = 24;
const PLOT = 440;
const VALUE_SPACE = 220;
const CHAR = 6.8; // a 12 px sans-serif character, roughly
const GROUP_COLOURS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#7f7f7f'];
const PERCENTILES = [
  { name: 'p50', colour: '#56b4e9', of: (measure: LatencyMeasure) => measure.p50Ms },
  { name: 'p99', colour: '#0072b2', of: (measure: LatencyMeasure) => measure.p99Ms },
  { name: 'p99.9', colour: '#d55e00', of: (measure: LatencyMeasure) => measure.p999Ms },
];

export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[character]!,
  );
}

const at = (value: number) => String(Math.round(value * 10) / 10);
const text = (x: number, y: number, content: string, attributes = '') =>
  `<text x="${at(x)}" y="${at(y)}"${attributes}>${escapeXml(content)}</text>`;
const bar = (x: number, y: number, width: number, height: number, colour: string, tooltip: string) =>
  `<rect x="${at(x)}" y="${at(y)}" width="${at(Math.max(1, width))}" height="${height}" fill="${colour}"><title>${escapeXml(tooltip)}</title></rect>`;
const line = (x1: number, y1: number, x2: number, y2: number, colour: string) =>
  `<line x1="${at(x1)}" y1="${at(y1)}" x2="${at(x2)}" y2="${at(y2)}" stroke="${colour}"/>`;

interface Panel {
  parts: string[];
  height: number;
}

function heading(x: number, y: number, content: string): string {
  return text(x, y + 16, content, ' font-size="14" font-weight="600"');
}

function legend(x: number, y: number, entries: readonly { name: string; colour: string }[]): string[] {
  let left = x;
  return entries.map(({ name, colour }) => {
    const item = `<rect x="${at(left)}" y="${at(y + 2)}" width="10" height="10" fill="${colour}"/>${text(left + 14, y + 11, name)}`;
    left += 14 + name.length * CHAR + 18;
    return item;
  });
}

function axis(
  scale: Scale,
  x: number,
  top: number,
  bottom: number,
  title: string,
  tick: (value: number) => string,
) {
  const parts: string[] = [];
  for (const value of scale.ticks) {
    const tickX = x + (value === 0 ? 0 : scale.toX(value));
    parts.push(line(tickX, top, tickX, bottom, '#e1e4e8'));
    parts.push(text(tickX, bottom + 14, tick(value), ' text-anchor="middle" fill="#57606a" font-size="11"'));
  }
  parts.push(line(x, top, x, bottom, '#8c959f'), line(x, bottom, x + PLOT, bottom, '#8c959f'));
  parts.push(
    text(
      x + PLOT / 2,
      bottom + 30,
      scale.log ? `${title} (log scale)` : title,
      ' text-anchor="middle" fill="#57606a"',
    ),
  );
  return parts;
}

function throughputPanel(bars: readonly ThroughputBar[], top: number, x: number): Panel {
  const parts = [heading(MARGIN, top, 'Throughput: per second, higher is better')];
  if (bars.length === 0) return { parts: [...parts, text(x, top + 40, 'No measures.')], height: 52 };
  const groups = [...new Set(bars.map((entry) => entry.group ?? ''))];
  const colour = (group = '') => GROUP_COLOURS[groups.indexOf(group) % GROUP_COLOURS.length]!;
  let y = top + 26;
  if (groups.some(Boolean)) {
    parts.push(
      ...legend(
        x,
        y,
        groups.map((group) => ({ name: group || 'other', colour: colour(group) })),
      ),
    );
    y += 20;
  }
  const scale = makeScale(
    bars.map((entry) => entry.perSecond),
    PLOT,
  );
  const rowsTop = y;
  const rows: string[] = [];
  bars.forEach((entry, i) => {
    if (i > 0 && entry.group !== bars[i - 1]!.group) y += 8;
    const width = scale.toX(entry.perSecond);
    const value = `${formatCount(entry.perSecond)}/s`;
    const ratio = entry.ratio === undefined ? '' : `${formatRatio(entry.ratio)} baseline`;
    rows.push(
      text(x - 8, y + 16, entry.label, ' text-anchor="end"'),
      bar(x, y + 4, width, 16, colour(entry.group), `${entry.label}: ${value}${ratio ? `, ${ratio}` : ''}`),
      `<text x="${at(x + width + 6)}" y="${at(y + 16)}" font-weight="600">${escapeXml(value)}${
        ratio ? `<tspan dx="8" font-weight="400" fill="#57606a">${escapeXml(ratio)}</tspan>` : ''
      }</text>`,
    );
    y += 24;
  });
  parts.push(...axis(scale, x, rowsTop, y + 4, 'per second', formatCompact), ...rows);
  return { parts, height: y + 4 + 40 - top };
}

function latencyPanel(measures: readonly LatencyMeasure[], top: number, x: number): Panel {
  const parts = [heading(MARGIN, top, 'Latency percentiles: milliseconds, lower is better')];
  if (measures.length === 0) return { parts: [...parts, text(x, top + 40, 'No measures.')], height: 52 };
  const shown = PERCENTILES.filter((percentile) =>
    measures.some((measure) => percentile.of(measure) !== undefined),
  );
  parts.push(...legend(x, top + 26, shown));
  const scale = makeScale(
    measures.flatMap((measure) => shown.map((percentile) => percentile.of(measure) ?? 0)),
    PLOT,
  );
  const rowsTop = top + 50;
  let y = rowsTop + 4;
  const rows: string[] = [];
  for (const measure of measures) {
    const present = shown.filter((percentile) => percentile.of(measure) !== undefined);
    rows.push(text(x - 8, y + (present.length * 12) / 2 + 4, measure.label, ' text-anchor="end"'));
    for (const percentile of present) {
      const value = percentile.of(measure)!;
      const width = scale.toX(value);
      rows.push(
        bar(x, y, width, 10, percentile.colour, `${measure.label}: ${percentile.name} ${formatMs(value)}`),
        text(x + width + 6, y + 9, `${percentile.name} ${formatMs(value)}`, ' font-size="11"'),
      );
      y += 12;
    }
    y += 10;
  }
  parts.push(...axis(scale, x, rowsTop, y, 'milliseconds', formatCompact), ...rows);
  return { parts, height: y + 40 - top };
}

export function renderChart(data: ChartData): string {
  const labels = [...data.throughput, ...data.latency].map((entry) => entry.label.length);
  const labelWidth = Math.max(100, Math.ceil(Math.max(0, ...labels) * CHAR) + 16);
  const x = MARGIN + labelWidth;
  const width = Math.ceil(x + PLOT + VALUE_SPACE + MARGIN);
  const throughput = throughputPanel(data.throughput, MARGIN + 36, x);
  const latency = latencyPanel(data.latency, MARGIN + 36 + throughput.height + 16, x);
  const height = Math.ceil(MARGIN + 36 + throughput.height + 16 + latency.height + MARGIN);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}" font-size="12" fill="#1f2328">`,
    `<title>${escapeXml(data.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    text(MARGIN, MARGIN + 16, data.title, ' font-size="18" font-weight="600"'),
    ...throughput.parts,
    ...latency.parts,
    '</svg>',
    '',
  ].join('\n');
}
