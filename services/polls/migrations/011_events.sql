-- Events (docs/events.md): a workspace's polls in an order behind one six-digit join code, and the
-- stage the presenter drives. A code is unique among events that still hold it; an event lets go
-- of its code once it ends (released lazily, by the next event created), so codes are reused.
create table events (
  id text primary key,
  workspace_id text not null,
  title text not null,
  join_code text not null,
  code_released boolean not null default false,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  -- The stage: what every participant's screen shows now; stage_version orders its snapshots.
  stage_screen text not null default 'waiting' check (stage_screen in ('waiting', 'poll')),
  stage_poll_id text references polls (id) on delete set null,
  stage_revealed boolean not null default false,
  stage_version int not null default 1,
  created_by text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index events_live_join_code on events (join_code) where not code_released;
create index events_by_workspace on events (workspace_id, created_at desc, id desc);

-- The deck. A poll is in one event at most (the presenter locks its voting).
create table event_polls (
  event_id text not null references events (id) on delete cascade,
  poll_id text not null unique references polls (id) on delete cascade,
  position int not null,
  primary key (event_id, poll_id)
);

-- Voting stops at this time by the server's clock: the presenter's lock (now) or countdown
-- (later); null when voting is not locked. Checked by the vote batch, under the stream lock.
alter table polls add column voting_locked_at timestamptz;
