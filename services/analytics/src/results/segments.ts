// Which row of the breakdown a ballot's segment counts in. The segment is free text chosen by
// whoever votes, so it cannot name rows without a bound: a poll's first MAX_SEGMENTS_PER_POLL
// distinct tidy segments get rows of their own, and every other segment (later ones, and values
// that are not tidy: see TIDY_SEGMENT) counts in one "other" row. Totals and option tallies do not
// depend on segments, so they stay exact; the breakdown's rows still add up to the total.
//
// The decision depends only on the poll's events in stream order: a segment is admitted once it
// has a row (rows are never deleted, even at zero votes) or while the poll has room; once the
// poll is full nothing more is admitted, ever. So a retraction always finds its ballot in the row
// the cast counted it in, and a rebuild (replaying the same events) makes the same rows.
import type { CloudEvent } from '@canvass/contracts';
import type { Kysely } from 'kysely';
import type { AnalyticsTables } from '../tables.ts';

export const MAX_SEGMENTS_PER_POLL = 20;
/** The stored key of the "other" row ('' stores votes without a segment). */
export const OTHER_SEGMENT = '*';
/** How the "other" row is named in results: not a tidy segment, so no real one can look like it. */
export const OTHER_SEGMENT_LABEL = '(other)';
/** Letters and digits first, then also spaces and . _ : / + -; up to 64 characters. */
const TIDY_SEGMENT = /^[\p{L}\p{N}][\p{L}\p{M}\p{N} ._:/+-]{0,63}$/u;

export const isTidySegment = (segment: string) => segment.length <= 64 && TIDY_SEGMENT.test(segment);

export class SegmentBuckets {
  /** poll → segments with a row of their own (named ones only; not '' or OTHER_SEGMENT). */
  readonly #admitted: Map<string, Set<string>>;
  /** Admitted in this batch: their rows are written even if their votes net to zero. */
  readonly #admittedHere = new Map<string, Set<string>>();

  constructor(admitted = new Map<string, Set<string>>()) {
    this.#admitted = admitted;
  }

  /** The stored segment key a ballot of `pollId` with `segment` counts under. */
  bucket(pollId: string, segment: string | null): string {
    if (segment === null || segment === '') return '';
    let admitted = this.#admitted.get(pollId);
    if (admitted?.has(segment)) return segment;
    if (!isTidySegment(segment) || (admitted?.size ?? 0) >= MAX_SEGMENTS_PER_POLL) return OTHER_SEGMENT;
    if (!admitted) {
      admitted = new Set();
      this.#admitted.set(pollId, admitted);
    }
    admitted.add(segment);
    let here = this.#admittedHere.get(pollId);
    if (!here) {
      here = new Set();
      this.#admittedHere.set(pollId, here);
    }
    here.add(segment);
    return segment;
  }

  admittedHere(pollId: string, segment: string): boolean {
    return this.#admittedHere.get(pollId)?.has(segment) ?? false;
  }
}

/** The admitted segments of the polls whose ballots in `events` carry one (no query otherwise). */
export async function loadSegmentBuckets(
  trx: Kysely<AnalyticsTables>,
  events: readonly CloudEvent[],
): Promise<SegmentBuckets> {
  const pollIds = new Set<string>();
  for (const event of events) {
    const data = event.data as { pollId?: unknown; segment?: unknown };
    if (typeof data.segment === 'string' && typeof data.pollId === 'string') pollIds.add(data.pollId);
  }
  const admitted = new Map<string, Set<string>>();
  if (pollIds.size === 0) return new SegmentBuckets(admitted);
  const rows = await trx
    .selectFrom('segment_tallies')
    .select(['poll_id', 'segment'])
    .where('option_id', '=', '')
    .where('poll_id', 'in', [...pollIds])
    .execute();
  for (const row of rows) {
    if (row.segment === '' || row.segment === OTHER_SEGMENT) continue;
    const segments = admitted.get(row.poll_id) ?? new Set<string>();
    segments.add(row.segment);
    admitted.set(row.poll_id, segments);
  }
  return new SegmentBuckets(admitted);
}
