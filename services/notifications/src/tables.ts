import type { Generated } from 'kysely';

export interface NotificationsTables {
  people: { user_id: string; email: string; name: string; deleted_at: Date | null };
  workspaces: { workspace_id: string; name: string };
  members: { workspace_id: string; user_id: string; role: string };
  preferences: {
    user_id: string;
    inbox: Generated<boolean>;
    digest: Generated<boolean>;
    poll_mail: Generated<boolean>;
    member_mail: Generated<boolean>;
    webhook_mail: Generated<boolean>;
    digest_sent_at: Date | null;
    updated_at: Generated<Date>;
  };
  polls: {
    poll_id: string;
    workspace_id: string | null;
    question: Generated<string>;
    votes: Generated<number>;
    peak_votes: Generated<number>;
    results_sent_votes: number | null;
    results_due_at: Date | null;
  };
  inbox_items: {
    id: string;
    user_id: string;
    workspace_id: string | null;
    kind: string;
    title: string;
    body: string;
    url: string;
    created_at: Generated<Date>;
    read_at: Date | null;
  };
  mail_queue: {
    id: string;
    to_address: string;
    user_id: string | null;
    category: string;
    kind: string;
    params: unknown;
    status: Generated<string>;
    attempts: Generated<number>;
    next_attempt_at: Generated<Date>;
    lease_until: Date | null;
    last_error: string | null;
    created_at: Generated<Date>;
    sent_at: Date | null;
  };
  webhook_endpoints: {
    id: string;
    workspace_id: string;
    url: string;
    description: Generated<string>;
    event_types: string[];
    secret: string;
    previous_secret: string | null;
    previous_secret_until: Date | null;
    enabled: Generated<boolean>;
    disabled_reason: string | null;
    failing_since: Date | null;
    created_at: Generated<Date>;
    deleted_at: Date | null;
  };
  webhook_messages: {
    id: string;
    workspace_id: string;
    event_type: string;
    payload: unknown;
    created_at: Generated<Date>;
  };
  webhook_deliveries: {
    id: string;
    endpoint_id: string;
    message_id: string;
    status: Generated<string>;
    attempts: Generated<number>;
    next_attempt_at: Date | null;
    lease_until: Date | null;
    created_at: Generated<Date>;
    finished_at: Date | null;
  };
  webhook_attempts: {
    delivery_id: string;
    attempt: number;
    at: Date;
    status: number | null;
    latency_ms: number;
    error: string | null;
    excerpt: string;
  };
}
