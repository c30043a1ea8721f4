-- Every poll type, its settings and schedule; vote changes, receipts and moderation.
alter table polls add column settings jsonb;
update polls set settings = jsonb_build_object(
  'voters', 'anonymous', 'allowVoteChange', false, 'resultsVisibility', 'live',
  'minSelections', 1, 'maxSelections', 1, 'scaleMin', 1, 'scaleMax', 5, 'moderation', false);
alter table polls alter column settings set not null;
-- The code voters type under the access_code policy (shown only to organizers).
alter table polls add column access_code text;
alter table polls add column opens_at timestamptz;
alter table polls add column closes_at timestamptz;
-- Grows with every change a vote is checked against (status, options, settings): a vote batch
-- compares it with the cached poll it validated against, so a stale cache can never let one in.
alter table polls add column config_version int not null default 1;
create index polls_due_to_open on polls (opens_at) where status = 'scheduled';
create index polls_due_to_close on polls (closes_at) where status = 'open';

alter table votes alter column option_ids set default '{}';
alter table votes add column rating int;
alter table votes add column text text;
-- sha-256 of the receipt id handed to the voter; the id itself is never stored.
alter table votes add column receipt_hash text;
alter table votes add column event_id text;
-- A changed or withdrawn vote stays, marked, so its receipt can say what became of it.
alter table votes add column retracted_at timestamptz;
alter table votes add column replaced_by text;
-- Open text: pending until an organizer approves or rejects it (approved at once without moderation).
alter table votes add column moderation text check (moderation in ('pending', 'approved', 'rejected'));
alter table votes drop constraint votes_poll_id_voter_hash_key;
create unique index votes_one_current_per_voter on votes (poll_id, voter_hash) where retracted_at is null;
create unique index votes_by_receipt on votes (receipt_hash) where receipt_hash is not null;
create index votes_export_order on votes (poll_id, cast_at, id);
