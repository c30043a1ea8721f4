-- The segment label a vote was cast under (for example the embed source), for breakdowns.
alter table votes add column segment text;
