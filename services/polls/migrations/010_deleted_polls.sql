-- Deleted polls (docs/polls.md, "Deleting a poll"): the poll's row, options and votes are gone;
-- this tombstone keeps its id from answering 404 as if it never existed (410 instead), and tells
-- the log's prune which stream events to erase once the relay has published them.
create table deleted_polls (
  poll_id text primary key,
  workspace_id text,
  deleted_at timestamptz not null default now(),
  deleted_by text not null
);
