-- Polls imported from another region (docs/regions.md) name their home region; the region's own
-- polls leave it null. An imported poll takes votes here but changes only where it was created.
alter table polls add column home_region text;
