create table invitations (
  id text primary key,
  workspace_id text not null references workspaces (id) on delete cascade,
  role text not null check (role in ('owner', 'admin', 'editor', 'viewer')),
  email text,
  -- sha-256 of the secret in the link; the link is shown (and mailed) once.
  token_hash text not null unique,
  invited_by text references users (id) on delete set null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  accepted_by text references users (id) on delete set null,
  accepted_at timestamptz
);
