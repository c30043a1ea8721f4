// What the fan-out phase sends: a realistic results body (a single-choice poll with five options,
// eight minutes of per-minute votes and a breakdown by three segments, ~1.5 KB as a snapshot
// message), shaped like analytics' GET …/results, and the live `snapshot` message that carries it.
// Shared by the raw `ws` server (its child process), the analytics stub and the update publisher.

export const FANOUT_POLL_ID = 'FanoutPoll00000000000001';

const options = [
  { id: 'opt_a1', label: 'Keep the current schedule' },
  { id: 'opt_b2', label: 'Move the all-hands to Thursday' },
  { id: 'opt_c3', label: 'Alternate between Tuesday and Thursday' },
  { id: 'opt_d4', label: 'Make it fortnightly' },
  { id: 'opt_e5', label: 'No preference' },
];
const shares = [0.31, 0.27, 0.22, 0.13, 0.07];
const segments = ['engineering', 'sales', null];

/** The results body at a given sequence (its counts grow with it), as analytics would answer. */
export function resultsBody(sequence: number, updatedAt = new Date()): Record<string, unknown> {
  const totalVotes = 1_000 + sequence * 3;
  const counts = shares.map((share) => Math.floor(totalVotes * share));
  counts[0]! += totalVotes - counts.reduce((sum, count) => sum + count, 0);
  const percent = (votes: number, total: number) => Math.round((votes / Math.max(1, total)) * 1000) / 10;
  const minute = Math.floor(updatedAt.getTime() / 60_000) * 60_000;
  return {
    pollId: FANOUT_POLL_ID,
    question: 'Which day should the weekly all-hands be on from next quarter?',
    type: 'single_choice',
    status: 'open',
    totalVotes,
    options: options.map((option, i) => ({
      ...option,
      votes: counts[i]!,
      percent: percent(counts[i]!, totalVotes),
    })),
    series: Array.from({ length: 8 }, (_, i) => ({
      minute: new Date(minute - (7 - i) * 60_000).toISOString(),
      votes: 40 + ((sequence + i * 7) % 23),
    })),
    breakdown: segments.map((segment, s) => {
      const segmentTotal = Math.floor(totalVotes / 3) + (s === 0 ? totalVotes % 3 : 0);
      return {
        segment,
        totalVotes: segmentTotal,
        options: options.map((option, i) => {
          const votes = Math.floor(segmentTotal * shares[(i + s) % shares.length]!);
          return { id: option.id, votes, percent: percent(votes, segmentTotal) };
        }),
      };
    }),
    final: null,
    sequence,
    updatedAt: updatedAt.toISOString(),
  };
}

/** The live message realtime writes (`{ type: 'snapshot', ...newest }`), as text. */
export function snapshotMessage(sequence: number, updatedAt = new Date()): string {
  return JSON.stringify({ type: 'snapshot', sequence, results: resultsBody(sequence, updatedAt) });
}

/** Every snapshot message starts with this; the sequence's digits follow it. */
export const SNAPSHOT_PREFIX = '{"type":"snapshot","sequence":';
