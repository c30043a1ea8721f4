-- Each poll's history as an append-only, hash-chained stream: created, edited, opened, closed and
-- every vote. `version` gives optimistic concurrency per poll; `position` orders all streams for
-- replays; each event's hash covers the previous event's hash, so an edit anywhere breaks the chain.
create table poll_streams (
  poll_id text primary key,
  version int not null,
  head_hash text not null
);

create table poll_events (
  position bigserial primary key,
  poll_id text not null,
  version int not null,
  event_id text not null unique,
  type text not null,
  event jsonb not null,
  prev_hash text not null,
  hash text not null,
  unique (poll_id, version)
);
