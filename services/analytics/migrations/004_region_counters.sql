-- Several regions (docs/regions.md): each region's counters of each poll, apart, as grow-only
-- sums (what ballots added, what withdrawals and changes took away). This region's rows move with
-- its tallies; a peer's take the largest value the peer ever sent, so no snapshot counts twice.
create table region_counters (
  poll_id text not null,
  region text not null,
  -- '' ballots, 'v:<option id or rating value>' votes, 'p:<option id>' ranking points
  key text not null,
  casts bigint not null default 0,
  retractions bigint not null default 0,
  primary key (poll_id, region, key)
);

-- Polls whose counters changed here and are yet to be sent; `change` tells a send that raced a
-- newer change (the row stays for the next round).
create table region_pending (
  poll_id text primary key,
  change integer not null default 1
);
