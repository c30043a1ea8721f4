-- One polls process runs the schedule at a time (replicas would otherwise all look for due polls
-- every tick): the one holding this lease, renewed each tick, taken over once it lapses.
create table schedule_lease (
  name text primary key,
  owner text not null,
  lease_until timestamptz not null
);
