-- Segments that arrived long after they were recorded (issue 13): kept, but
-- flagged, so old coverage is not filled in silently.
-- Keep in step with ../postgres/0014_late_footage.sql.
ALTER TABLE footage_segments ADD COLUMN late INTEGER NOT NULL DEFAULT 0;
