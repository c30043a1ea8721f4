import type { Generated } from 'kysely';

export interface AnalyticsTables {
  poll_results: {
    poll_id: string;
    question: string | null;
    total_votes: Generated<number>;
    updated_at: Generated<Date>;
  };
  option_tallies: {
    poll_id: string;
    option_id: string;
    position: number | null;
    label: string | null;
    votes: Generated<number>;
  };
}
