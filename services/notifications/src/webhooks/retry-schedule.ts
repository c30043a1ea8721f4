// When a failed delivery is tried again: the Standard Webhooks schedule (at once, 5 s, 5 min,
// 30 min, 2 h, 5 h, 10 h, 10 h: about 27.6 hours in all), each wait ±20% so a receiver coming
// back is not hit by every retry at once. Tests pass a shorter schedule (CANVASS_WEBHOOK_RETRY_MS).
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
];

/** The wait before attempt `attempt + 1` (attempt counts from 1), or null once the schedule is done. */
export function retryDelay(
  schedule: readonly number[],
  attempt: number,
  random = Math.random,
): number | null {
  const base = schedule[attempt - 1];
  if (base === undefined) return null;
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** How long deliveries may fail before the endpoint is disabled: the whole schedule. */
export const failingWindowMs = (schedule: readonly number[]) => schedule.reduce((sum, ms) => sum + ms, 0);
