-- What billing knows of each workspace from identity's events: who owns it, who is in it.
create table workspaces (
  workspace_id text primary key,
  name text not null,
  owner_id text not null,
  created_at timestamptz not null default now()
);

create table members (
  workspace_id text not null,
  user_id text not null,
  role text not null,
  primary key (workspace_id, user_id)
);

-- Which workspace each poll counts against (a guest poll: none), and whether it is open.
create table polls (
  poll_id text primary key,
  workspace_id text,
  open boolean not null default false
);
create index polls_open_by_workspace on polls (workspace_id) where open;

-- Metered votes per workspace per calendar month (UTC), counted once from polls' events (the
-- consumer's inbox and stream positions, in the same transaction). `warned_share`: the highest
-- share of the quota owners were warned of this month.
create table vote_usage (
  workspace_id text not null,
  month text not null,
  votes bigint not null default 0,
  warned_share real not null default 0,
  primary key (workspace_id, month)
);

-- A workspace's plan. No row: free. `pending_plan`: a downgrade or cancel that takes effect at
-- `period_end`. `entitlements_version` grows with each entitlements event of the workspace.
create table subscriptions (
  workspace_id text primary key,
  plan text not null,
  status text not null, -- active, past_due
  customer_id text,
  payment_method text,
  period_start timestamptz,
  period_end timestamptz,
  pending_plan text,
  entitlements_version integer not null default 0,
  updated_at timestamptz not null default now()
);
create index subscriptions_period_end on subscriptions (period_end) where period_end is not null;

-- The saga log: one row per saga (upgrade, renewal) with its state, and one row per step taken.
-- The orchestrator moves a saga one step per transaction, writing in the same transaction the
-- step's record and the events the step calls for (the outbox).
create table sagas (
  id text primary key,
  kind text not null, -- upgrade, renewal
  workspace_id text not null,
  requested_by text,
  plan text not null,
  previous_plan text not null,
  amount_cents integer not null,
  currency text not null,
  payment_method text,
  state text not null,
  -- Where it ends: completed (charged, active), compensated (not charged or refunded, not
  -- active), failed (stopped and needing an operator: never left half-done silently).
  outcome text,
  -- Tries of the current step that failed for a passing reason (timeouts, 5xx).
  attempts integer not null default 0,
  -- Declined renewals so far (dunning).
  declines integer not null default 0,
  next_run_at timestamptz not null default now(),
  lease_until timestamptz,
  step_started_at timestamptz not null default now(),
  payment_id text,
  refund_id text,
  invoice_id text,
  error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index sagas_due on sagas (next_run_at) where outcome is null;
create index sagas_by_workspace on sagas (workspace_id, created_at desc);
-- One saga at a time per workspace: an upgrade and a renewal never race for one subscription.
create unique index sagas_one_at_a_time on sagas (workspace_id) where outcome is null;

create table saga_steps (
  saga_id text not null,
  seq integer not null,
  step text not null,
  outcome text not null, -- ok, retry, failed, compensate
  detail text,
  duration_ms integer not null,
  at timestamptz not null default now(),
  primary key (saga_id, seq)
);

create table invoices (
  id text primary key,
  number text not null unique,
  workspace_id text not null,
  saga_id text,
  plan text not null,
  status text not null, -- draft, paid, void, refunded
  total_cents integer not null,
  currency text not null,
  period_start timestamptz not null,
  period_end timestamptz not null,
  created_at timestamptz not null default now(),
  paid_at timestamptz
);
create index invoices_by_workspace on invoices (workspace_id, created_at desc);
create sequence invoice_numbers;

create table invoice_lines (
  invoice_id text not null,
  line integer not null,
  description text not null,
  quantity integer not null,
  unit_amount_cents integer not null,
  amount_cents integer not null,
  primary key (invoice_id, line)
);

-- Provider webhooks seen, by the provider's event id: a duplicate changes nothing.
create table provider_events (
  id text primary key,
  type text not null,
  payment_id text,
  received_at timestamptz not null default now()
);
-- What the provider says of each payment, from its webhooks; the newest state wins by its
-- `created` time, so events out of order do not step it back.
create table provider_payments (
  payment_id text primary key,
  saga_id text,
  status text not null,
  amount_refunded integer not null default 0,
  provider_time bigint not null
);
