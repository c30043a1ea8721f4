// How long and how many: the limits the polls API enforces and the web app's inputs show, from
// one place, so a form never lets through what the API then refuses. No imports: the web app
// imports this file (`@canvass/contracts/poll-limits`) without pulling the schemas in.

export const POLL_LIMITS = {
  /** Characters in a poll's question. */
  question: 300,
  /** Characters in one option's label. */
  optionLabel: 200,
  /** Options a choice or ranking poll has at least, and at most (one limit, for guests too). */
  minOptions: 2,
  maxOptions: 50,
  /** An access code's length. */
  accessCodeMin: 4,
  accessCodeMax: 64,
  /** Characters in an open-text answer. */
  textAnswer: 500,
  /** The lowest and highest values a rating scale may use (nps is always 0 to 10). */
  scaleMin: 0,
  scaleMax: 10,
} as const;

/** The key two labels clash on: the same words, whatever the case and spacing. */
export const labelKey = (label: string) => label.trim().replace(/\s+/g, ' ').toLocaleLowerCase();

/** The first label that repeats an earlier one (by `labelKey`), with both positions; or null. */
export function repeatedLabel(
  labels: readonly string[],
): { label: string; first: number; again: number } | null {
  const seen = new Map<string, number>();
  for (const [index, label] of labels.entries()) {
    const key = labelKey(label);
    const first = seen.get(key);
    if (first !== undefined) return { label: label.trim(), first, again: index };
    seen.set(key, index);
  }
  return null;
}
