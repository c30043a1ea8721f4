create table polls (
  id text primary key,
  workspace_id text,
  question text not null,
  type text not null,
  status text not null check (status in ('draft', 'scheduled', 'open', 'closed')),
  -- Guest polls: sha-256 of the secret manage token handed out once at creation.
  manage_token_hash text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table poll_options (
  poll_id text not null references polls (id) on delete cascade,
  id text not null,
  position int not null,
  label text not null,
  primary key (poll_id, id)
);

create table votes (
  id text primary key,
  poll_id text not null references polls (id) on delete cascade,
  -- sha-256 of poll id and voter token: one vote per voter per poll, no raw token stored.
  voter_hash text not null,
  option_ids text[] not null,
  cast_at timestamptz not null default now(),
  unique (poll_id, voter_hash)
);
