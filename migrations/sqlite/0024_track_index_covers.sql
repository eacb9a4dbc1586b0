-- An officer's track reads the time, position, accuracy and mock flag of
-- each ping in a window: the officer index now holds them (the query reads
-- the index alone, contiguous pages, instead of looking up each ping in the
-- table by its identity: among 50 million pings a 30-day track's p95 went
-- from 53 to 33 ms; BENCHMARKS.md). Keep in step with
-- ../postgres/0024_track_index_covers.sql (which also leaves room in the
-- pages of `badges` for the ingest's updates: SQLite updates in place).
DROP INDEX pings_officer_time;
CREATE INDEX pings_officer_time ON pings (officer_id, ts, lat_e7, lon_e7, accuracy_m, mock);
