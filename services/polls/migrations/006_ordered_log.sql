-- The poll streams become the ordered log the relay publishes (docs/architecture.md, "Order"):
-- every event gets its partition (by poll id, as partitionOf() in @canvass/eventing, 8 partitions)
-- and its sequence within it, in the order it was appended. The relay starts every partition
-- from the beginning, so a deployment upgraded from the previous layout publishes its whole
-- history once on the new partition subjects, and analytics (whose upgrade empties its
-- projection) counts it again from there: same polls, votes and counts, in order.
alter table poll_events add column partition int, add column seq bigint;
update poll_events set partition = canvass_partition_of(poll_id, 8);
update poll_events e set seq = n.seq
  from (select position, row_number() over (partition by partition order by position) as seq from poll_events) n
  where e.position = n.position;
alter table poll_events alter column partition set not null, alter column seq set not null;
create unique index poll_events_log on poll_events (partition, seq);

insert into log_heads (log, partition, seq)
  select 'poll_events', p, coalesce((select max(seq) from poll_events where partition = p), 0)
  from generate_series(0, 7) p;
insert into relay_checkpoints (log, partition) select 'poll_events', p from generate_series(0, 7) p;

-- The previous layout also wrote every event to the outbox; the streams hold each of them.
delete from outbox;
