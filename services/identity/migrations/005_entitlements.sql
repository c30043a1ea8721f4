-- What billing says each workspace may do (billing.entitlements.changed.v1), kept here so quotas
-- (members, API keys) are checked without asking billing, and workspaces.plan (the tokens' `plan`
-- claim, API-key verification) follows it. The highest version wins (docs/architecture.md,
-- "Entitlements"); no row: the free plan.
create table entitlements (
  workspace_id text primary key,
  plan text not null,
  quotas jsonb not null,
  version integer not null,
  changed_at timestamptz not null
);

-- Pending invitations count against the members quota.
create index invitations_pending on invitations (workspace_id) where accepted_at is null;
-- Active API keys count against the API keys quota.
create index api_keys_active_by_workspace on api_keys (workspace_id) where revoked_at is null;
