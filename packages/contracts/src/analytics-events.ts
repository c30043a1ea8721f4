import Type from 'typebox';
import { defineEvent } from './envelope.ts';
import { PollStatus, ResultsVisibility } from './polls-events.ts';

/**
 * A poll's results changed: the newest snapshot, coalesced to at most about ten per second per
 * poll. `sequence` grows with every change, so a live client can tell new from old and resume.
 * `public` says whether anyone may see the results now (live, or after_close once closed); when
 * it is false, only viewers whose credentials the results endpoint accepts may see them.
 */
export const ResultsUpdatedV1 = defineEvent(
  'analytics.results.updated.v1',
  Type.Object({
    pollId: Type.String({ minLength: 1, maxLength: 64 }),
    sequence: Type.Integer({ minimum: 1 }),
    status: PollStatus,
    visibility: ResultsVisibility,
    public: Type.Boolean(),
    /** The same body as GET /api/v1/polls/{pollId}/results. */
    results: Type.Record(Type.String(), Type.Unknown()),
    /** When the earliest vote this snapshot counts for the first time was accepted (vote → screen). */
    oldestVoteAt: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  }),
);
