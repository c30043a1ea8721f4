-- Polls events now arrive on one ordered log per partition, each carrying its poll's stream
-- version, and this consumer applies each poll's events once and in order by that version
-- (stream_positions) rather than by an inbox row per event. Polls republishes its whole history
-- on the new log once when it upgrades; the projection starts empty and counts it again, in
-- order (which also repairs results an out-of-order delivery got wrong under the old layout).
-- Live sequence numbers (result_sequences) are kept, so live clients never see them go back.
delete from poll_results;
delete from option_tallies;
delete from vote_minutes;
delete from segment_tallies;
delete from text_answers;
delete from term_counts;
delete from inbox where consumer = 'analytics-tallies';
