-- A batch of new votes is written in one autocommit statement when the polls process knows the
-- stream heads it appends to (services/polls/src/votes/vote-writer.ts). When something it relied
-- on does not hold (a head moved, a poll closed or changed, a voter had voted), the statement
-- calls this, so it is undone as a whole and the batch takes the locking path instead.
create or replace function canvass_fenced_out() returns void language plpgsql as $$
begin
  raise exception 'vote batch fenced out: a stream head moved, a poll changed or a voter had voted'
    using errcode = 'CV001';
end
$$;
