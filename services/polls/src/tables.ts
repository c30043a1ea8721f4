// The polls service's own tables, as Kysely sees them.
import type { PollSettings } from '@canvass/contracts';
import type { Generated } from 'kysely';

export interface PollsTables {
  polls: {
    id: string;
    workspace_id: string | null;
    question: string;
    type: string;
    status: string;
    manage_token_hash: string | null;
    settings: PollSettings;
    access_code: string | null;
    opens_at: Date | null;
    closes_at: Date | null;
    config_version: Generated<number>;
    home_region: string | null;
    voting_locked_at: Date | null;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
  events: {
    id: string;
    workspace_id: string;
    title: string;
    join_code: string;
    code_released: Generated<boolean>;
    starts_at: Date;
    ends_at: Date;
    stage_screen: Generated<'waiting' | 'poll' | 'qa' | 'leaderboard'>;
    stage_poll_id: string | null;
    stage_revealed: Generated<boolean>;
    stage_version: Generated<number>;
    created_by: string;
    qa_enabled: Generated<boolean>;
    qa_anonymous: Generated<boolean>;
    qa_moderation: Generated<boolean>;
    qa_version: Generated<number>;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
  questions: {
    id: string;
    event_id: string;
    text: string;
    author_name: string | null;
    asker_hash: string;
    status: 'pending' | 'approved' | 'dismissed';
    pinned: Generated<boolean>;
    answered: Generated<boolean>;
    upvotes: Generated<number>;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
  question_upvotes: { question_id: string; voter_hash: string; created_at: Generated<Date> };
  event_polls: {
    event_id: string;
    poll_id: string;
    position: number;
    correct_option_ids: string[] | null;
    seconds: number | null;
    started_at: Date | null;
  };
  quiz_players: { event_id: string; player_hash: string; nickname: string; joined_at: Generated<Date> };
  quiz_answers: {
    event_id: string;
    poll_id: string;
    player_hash: string;
    correct: boolean;
    points: number;
    answered_at: Date;
  };
  poll_options: { poll_id: string; id: string; position: number; label: string };
  votes: {
    id: string;
    poll_id: string;
    voter_hash: string;
    option_ids: string[];
    rating: number | null;
    text: string | null;
    segment: string | null;
    receipt_hash: string | null;
    event_id: string | null;
    retracted_at: Date | null;
    replaced_by: string | null;
    moderation: 'pending' | 'approved' | 'rejected' | null;
    cast_at: Generated<Date>;
  };
  poll_streams: { poll_id: string; version: number; head_hash: string };
  deleted_polls: {
    poll_id: string;
    workspace_id: string | null;
    deleted_at: Generated<Date>;
    deleted_by: string;
  };
  poll_events: {
    position: Generated<number>;
    poll_id: string;
    version: number;
    event_id: string;
    type: string;
    event: unknown;
    prev_hash: string;
    hash: string;
    partition: number;
    seq: number;
  };
}
