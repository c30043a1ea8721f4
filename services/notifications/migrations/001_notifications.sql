-- Who can be told what: people and workspace members as identity's events describe them.
create table people (
  user_id text primary key,
  email text not null,
  name text not null,
  deleted_at timestamptz
);

create table workspaces (
  workspace_id text primary key,
  name text not null
);

create table members (
  workspace_id text not null,
  user_id text not null,
  role text not null,
  primary key (workspace_id, user_id)
);

create table preferences (
  user_id text primary key,
  inbox boolean not null default true,
  digest boolean not null default true,
  poll_mail boolean not null default true,
  member_mail boolean not null default true,
  webhook_mail boolean not null default true,
  digest_sent_at timestamptz,
  updated_at timestamptz not null default now()
);

-- What notifications knows of each poll: enough to word a notice and to spot vote milestones.
create table polls (
  poll_id text primary key,
  workspace_id text,
  question text not null default '',
  votes bigint not null default 0,
  -- The most votes it ever had: milestones (1, 100, 1,000) are told once, when first reached.
  peak_votes bigint not null default 0,
  -- Votes counted when the last `poll.results_changed` went out; null: nothing pending.
  results_sent_votes bigint,
  results_due_at timestamptz
);
create index polls_results_due on polls (results_due_at) where results_due_at is not null;

create table inbox_items (
  id text primary key,
  user_id text not null,
  workspace_id text,
  kind text not null,
  title text not null,
  body text not null,
  url text not null,
  created_at timestamptz not null default now(),
  read_at timestamptz
);
create index inbox_items_by_user on inbox_items (user_id, created_at desc, id desc);
create index inbox_items_unread on inbox_items (user_id) where read_at is null;

-- Mail waiting to go out, and what went. A security mail's link stays sealed until the moment it
-- is sent, and is wiped once it is: the row keeps only what the mail was about.
create table mail_queue (
  id text primary key,
  to_address text not null,
  user_id text,
  category text not null,
  kind text not null,
  params jsonb not null,
  status text not null default 'pending',
  attempts int not null default 0,
  next_attempt_at timestamptz not null default now(),
  lease_until timestamptz,
  last_error text,
  created_at timestamptz not null default now(),
  sent_at timestamptz
);
create index mail_queue_due on mail_queue (next_attempt_at) where status = 'pending';

create table webhook_endpoints (
  id text primary key,
  workspace_id text not null,
  url text not null,
  description text not null default '',
  event_types jsonb not null,
  secret text not null,
  previous_secret text,
  previous_secret_until timestamptz,
  enabled boolean not null default true,
  disabled_reason text,
  failing_since timestamptz,
  created_at timestamptz not null default now(),
  deleted_at timestamptz
);
create index webhook_endpoints_by_workspace on webhook_endpoints (workspace_id) where deleted_at is null;

-- One row per message (the `webhook-id`): the body every delivery of it sends.
create table webhook_messages (
  id text primary key,
  workspace_id text not null,
  event_type text not null,
  payload jsonb not null,
  created_at timestamptz not null default now()
);
create index webhook_messages_by_workspace on webhook_messages (workspace_id, created_at);

create table webhook_deliveries (
  id text primary key,
  endpoint_id text not null,
  message_id text not null,
  status text not null default 'pending',
  attempts int not null default 0,
  next_attempt_at timestamptz,
  lease_until timestamptz,
  created_at timestamptz not null default now(),
  finished_at timestamptz
);
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_by_endpoint on webhook_deliveries (endpoint_id, created_at desc, id desc);
create index webhook_deliveries_newest on webhook_deliveries (created_at desc, id desc);

create table webhook_attempts (
  delivery_id text not null,
  attempt int not null,
  at timestamptz not null,
  status int,
  latency_ms int not null,
  error text,
  excerpt text not null default '',
  primary key (delivery_id, attempt)
);
