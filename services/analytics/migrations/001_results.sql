-- Live tallies projected from polls events. Rows are upserted so that a vote seen before its
-- poll's creation (possible after a redelivery) still counts; labels arrive with the creation.
create table poll_results (
  poll_id text primary key,
  question text,
  total_votes bigint not null default 0,
  updated_at timestamptz not null default now()
);

create table option_tallies (
  poll_id text not null,
  option_id text not null,
  position int,
  label text,
  votes bigint not null default 0,
  primary key (poll_id, option_id)
);
