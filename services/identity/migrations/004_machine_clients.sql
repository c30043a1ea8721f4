-- Machine clients (OAuth2 client credentials) as their workspace sees them: their scopes, who
-- answers for them, and whether they are revoked. The provider authenticates them from their
-- 'Client' row in oidc_payloads, which holds the secret and is deleted when the client is revoked.
create table machine_clients (
  id text primary key,
  workspace_id text not null references workspaces (id) on delete cascade,
  name text not null,
  scopes text[] not null,
  -- The person who made it or last rotated its secret; it is revoked when they leave the workspace.
  held_by text references users (id) on delete set null,
  created_at timestamptz not null default now(),
  secret_rotated_at timestamptz,
  revoked_at timestamptz
);
create index machine_clients_workspace on machine_clients (workspace_id, created_at);
create index machine_clients_held_by on machine_clients (held_by) where revoked_at is null;
create index api_keys_created_by on api_keys (created_by) where revoked_at is null;

-- Clients registered before this table: nobody is known to answer for them.
insert into machine_clients (id, workspace_id, name, scopes)
select p.id, p.payload->>'workspace_id', coalesce(p.payload->>'client_name', p.id),
  string_to_array(coalesce(p.payload->>'api_scopes', ''), ' ')
from oidc_payloads p
join workspaces w on w.id = p.payload->>'workspace_id'
where p.model = 'Client';

-- The rule holds for what exists too: keys whose maker has already left their workspace go now.
update api_keys k set revoked_at = now()
where k.revoked_at is null
  and k.created_by is not null
  and not exists (
    select 1 from memberships m where m.workspace_id = k.workspace_id and m.user_id = k.created_by
  );
