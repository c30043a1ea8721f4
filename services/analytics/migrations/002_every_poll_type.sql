-- Results for every poll type: lifecycle and settings (for visibility), ranking points, a
-- per-minute series, a breakdown by segment, approved open-text answers and their terms.
alter table poll_results add column workspace_id text;
alter table poll_results add column type text;
alter table poll_results add column status text;
alter table poll_results add column settings jsonb;
-- The closed event's final chain head and totals.
alter table poll_results add column final jsonb;

-- ranking: Borda points (n-1 for a first place, 0 for a last); `votes` holds first places.
alter table option_tallies add column points bigint not null default 0;

create table vote_minutes (
  poll_id text not null,
  minute timestamptz not null,
  votes bigint not null default 0,
  primary key (poll_id, minute)
);

-- option_id '' holds the segment's ballots; segment '' holds votes cast without one.
create table segment_tallies (
  poll_id text not null,
  segment text not null,
  option_id text not null,
  votes bigint not null default 0,
  primary key (poll_id, segment, option_id)
);

create table text_answers (
  poll_id text not null,
  vote_id text not null,
  text text not null,
  approved_at timestamptz not null,
  primary key (poll_id, vote_id)
);
create index text_answers_recent on text_answers (poll_id, approved_at desc);

create table term_counts (
  poll_id text not null,
  term text not null,
  count bigint not null default 0,
  primary key (poll_id, term)
);

-- Live-update sequence numbers survive a projection rebuild (which empties the tables above), so
-- a live client never sees the sequence go backwards.
create table result_sequences (
  poll_id text primary key,
  sequence bigint not null default 0
);
