import type { PollSettings } from '@canvass/contracts';
import type { Generated } from 'kysely';

export interface AnalyticsTables {
  poll_results: {
    poll_id: string;
    question: string | null;
    total_votes: Generated<number>;
    updated_at: Generated<Date>;
    workspace_id: string | null;
    type: string | null;
    status: string | null;
    settings: PollSettings | null;
    final: unknown;
  };
  option_tallies: {
    poll_id: string;
    option_id: string;
    position: number | null;
    label: string | null;
    votes: Generated<number>;
    points: Generated<number>;
  };
  vote_minutes: { poll_id: string; minute: Date; votes: Generated<number> };
  segment_tallies: { poll_id: string; segment: string; option_id: string; votes: Generated<number> };
  text_answers: { poll_id: string; vote_id: string; text: string; approved_at: Date };
  term_counts: { poll_id: string; term: string; count: Generated<number> };
  result_sequences: { poll_id: string; sequence: Generated<number> };
  /** Each region's grow-only counters per poll (docs/regions.md): this one's, and its peers' largest. */
  region_counters: { poll_id: string; region: string; key: string; casts: number; retractions: number };
  /** Polls whose counters here changed since they were last sent to the peers. */
  region_pending: { poll_id: string; change: Generated<number> };
}
