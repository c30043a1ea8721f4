// Scales and number formats for the benchmark chart: linear with round ticks, or logarithmic
// (powers of ten) when the values span more than WIDE times, so small bars stay visible.

export interface Scale {
  log: boolean;
  ticks: number[];
  /** Pixels from the axis origin; 0 for values the scale cannot show (zero, negative, not finite). */
  toX(value: number): number;
}

const WIDE = 20;

/** The first 1, 2 or 5 × 10^k at or above `value`. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  const nice = [1, 2, 5, 10]
    .map((factor) => factor * power)
    .find((candidate) => candidate >= value * 0.999999);
  return nice ?? 10 * power;
}

export function makeScale(values: readonly number[], width: number, options: { log?: boolean } = {}): Scale {
  const positive = values.filter((value) => Number.isFinite(value) && value > 0);
  if (positive.length === 0) return { log: false, ticks: [0, 1], toX: () => 0 };
  const max = Math.max(...positive);
  const min = Math.min(...positive);
  if (options.log ?? max / min > WIDE) {
    // A decade lower when the smallest value sits on or just above a power of ten, so its bar shows.
    const low = 10 ** Math.floor(Math.log10(min) - 0.3);
    // The axis ends at the first 1, 2 or 5 × 10^k at or above the largest value.
    const high = Math.max(niceCeiling(max), low * 10);
    const few = Math.log10(high / low) <= 2.5;
    const ticks: number[] = [];
    for (let decade = low; decade <= high * 1.000001; decade *= 10) {
      for (const factor of few ? [1, 2, 5] : [1]) {
        const tick = Number((decade * factor).toPrecision(6));
        if (tick <= high * 1.000001) ticks.push(tick);
      }
    }
    // The end of the axis gets a tick unless it would crowd the last one.
    if (Math.log10(high / ticks.at(-1)!) > 0.4) ticks.push(Number(high.toPrecision(6)));
    const span = Math.log10(high / low);
    return {
      log: true,
      ticks,
      toX: (value) =>
        Number.isFinite(value) && value > 0
          ? Math.min(1, Math.max(0, Math.log10(value / low) / span)) * width
          : 0,
    };
  }
  const step = niceCeiling(max / 5);
  const top = Math.ceil(max / step - 1e-9) * step;
  const ticks = Array.from({ length: Math.round(top / step) + 1 }, (_, i) =>
    Number((i * step).toPrecision(12)),
  );
  return {
    log: false,
    ticks,
    toX: (value) => (Number.isFinite(value) && value > 0 ? Math.min(1, value / top) * width : 0),
  };
}

/** 27,563 ; 4.5 ; 0.25 */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(2)).toLocaleString('en-US');
}

/** Axis ticks: 500 ; 20k ; 1.5M */
export function formatCompact(value: number): string {
  const units: [number, string][] = [
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, suffix] of units) {
    if (Math.abs(value) >= size) return `${Number((value / size).toPrecision(3))}${suffix}`;
  }
  return String(Number(value.toPrecision(3)));
}

/** 0.35 ms ; 4.2 ms ; 113 ms ; 1,250 ms */
export function formatMs(value: number): string {
  if (!Number.isFinite(value)) return `${value} ms`;
  if (value >= 100) return `${Math.round(value).toLocaleString('en-US')} ms`;
  return `${Number(value.toPrecision(2))} ms`;
}

/** 0.27× ; 1.00× ; 12× */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return `${ratio}×`;
  if (ratio >= 10) return `${Math.round(ratio)}×`;
  if (ratio >= 0.01 || ratio === 0) return `${ratio.toFixed(2)}×`;
  return `${Number(ratio.toPrecision(1))}×`;
}
