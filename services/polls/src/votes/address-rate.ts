// Velocity per network address: the gateway counts the votes (and device tokens) each address
// sends to a poll, per minute and per hour, in the rate-limit call it makes anyway (one EVALSHA
// in the cluster tier), and passes the counts in `x-canvass-address-rate`; this is where they
// meet the poll's own limits. No lookup and no state here: a vote path check is a parse and two
// comparisons. A request that did not come through the gateway carries no counts and is not judged.
import { HttpProblem } from '@canvass/service-kit';
import type { FastifyRequest } from 'fastify';
import type { StoredPoll } from '../polls/poll-store.ts';

export const ADDRESS_RATE_HEADER = 'x-canvass-address-rate';

/** `60=<count>/<seconds left>,3600=<count>/<seconds left>` → count and wait per window. */
export function parseAddressRate(value: unknown): Map<number, { count: number; retryAfter: number }> {
  const windows = new Map<number, { count: number; retryAfter: number }>();
  if (typeof value !== 'string' || value.length > 200) return windows;
  for (const part of value.split(',')) {
    const match = /^(\d{1,6})=(\d{1,15})\/(\d{1,7})$/.exec(part.trim());
    if (match) windows.set(Number(match[1]), { count: Number(match[2]), retryAfter: Number(match[3]) });
  }
  return windows;
}

/**
 * Refuses (429, Retry-After) a vote or a device token when this address has sent more to the
 * poll than its settings allow in the last minute or hour.
 */
export function checkAddressRate(
  request: Pick<FastifyRequest, 'headers'>,
  poll: StoredPoll,
  what: 'votes' | 'device tokens',
): void {
  const header = request.headers[ADDRESS_RATE_HEADER];
  if (header === undefined) return;
  const counts = parseAddressRate(header);
  const limits: [number, number | undefined, string][] = [
    [60, poll.settings.votesPerAddressPerMinute, 'minute'],
    [3_600, poll.settings.votesPerAddressPerHour, 'hour'],
  ];
  for (const [window, limit, per] of limits) {
    const counted = counts.get(window);
    if (!limit || !counted || counted.count <= limit) continue;
    const retryAfter = Math.max(1, counted.retryAfter);
    throw new HttpProblem(
      429,
      'address-rate-limited',
      'Too many votes from your network',
      `This poll takes at most ${limit} ${what} per ${per} from one network address; try again in ${retryAfter} s.`,
      { retryAfter, limit, window: per },
    );
  }
}
