// Prometheus durations (`5m`, `1h30m`, `3d`): the range of a selector, an `offset`, a rule's
// `for:` and a group's `interval:`. Units from largest to smallest, each at most once.

const UNIT_MS: Readonly<Record<string, number>> = {
  y: 365 * 24 * 3600 * 1000,
  w: 7 * 24 * 3600 * 1000,
  d: 24 * 3600 * 1000,
  h: 3600 * 1000,
  m: 60 * 1000,
  s: 1000,
  ms: 1,
};
const ORDER = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
export const DURATION = /^(?:\d+(?:ms|[ywdhms]))+$/;

/** Milliseconds, or undefined when the text is not a duration. `0` alone is zero. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  let lastUnit = -1;
  for (const [, amount, unit] of text.matchAll(/(\d+)(ms|[ywdhms])/g)) {
    const order = ORDER.indexOf(unit!);
    if (order <= lastUnit) return undefined;
    lastUnit = order;
    total += Number(amount) * UNIT_MS[unit!]!;
  }
  return total;
}

/** `1h30m`, as Prometheus prints a duration. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const unit of ORDER) {
    const size = UNIT_MS[unit]!;
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return text;
}
