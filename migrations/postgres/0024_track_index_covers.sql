-- An officer's track reads the time, position, accuracy and mock flag of
-- each ping in a window: the officer index now carries them, so the track
-- is an index-only scan. Keep in step with
-- ../sqlite/0024_track_index_covers.sql.
DROP INDEX pings_officer_time;
CREATE INDEX pings_officer_time ON pings (officer_id, ts) INCLUDE (lat_e7, lon_e7, accuracy_m, mock);

-- Each ping batch moves its chips' last ping and battery (up to 5,000 rows
-- of `badges` a batch). With room left in each page, those updates stay
-- in the page and touch no index (heap-only tuples): half the time of the
-- update (BENCHMARKS.md). The table is rewritten once so that its pages
-- have that room (it holds one row per chip: tens of thousands).
ALTER TABLE badges SET (fillfactor = 50);
CLUSTER badges USING badges_pkey;
