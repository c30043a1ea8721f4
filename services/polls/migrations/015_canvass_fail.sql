-- Raises `message` with SQLSTATE `code`, so the statement that calls it is undone as a whole.
-- The fenced vote statement (services/polls/src/votes/vote-writer.ts) calls it to say why it
-- could not hold (CV001 a stream head moved, CV002 a poll closed, locked or changed, CV003 a voter
-- had voted), and the batch takes the locking path instead; every append calls it with CV004
-- rather than write events without their log places (a partition with no head row). It replaces
-- canvass_fenced_out() (014), which said only that something did not hold.
create or replace function canvass_fail(code text, message text) returns void language plpgsql as $$
begin
  raise exception using errcode = code, message = message;
end
$$;
drop function if exists canvass_fenced_out();
