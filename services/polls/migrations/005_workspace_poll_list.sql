-- A workspace's polls, newest first (GET /api/v1/polls pages with a keyset on created_at, id).
-- Guest polls have no workspace and are never listed, so they stay out of the index.
create index polls_by_workspace on polls (workspace_id, created_at desc, id desc) where workspace_id is not null;
