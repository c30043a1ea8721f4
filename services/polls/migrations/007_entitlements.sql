-- What billing says each workspace may do (billing.entitlements.changed.v1), kept here so the
-- open-polls quota is checked without asking billing. The highest version wins
-- (docs/architecture.md, "Entitlements"); no row: the free plan.
create table entitlements (
  workspace_id text primary key,
  plan text not null,
  quotas jsonb not null,
  version integer not null,
  changed_at timestamptz not null
);

-- A workspace's open polls, counted when one more would open.
create index polls_open_by_workspace on polls (workspace_id) where status = 'open' and workspace_id is not null;
