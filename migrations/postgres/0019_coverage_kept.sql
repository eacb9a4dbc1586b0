-- Coverage kept by the ingest (issue 15): each camera's recorded runs
-- (the union of its footage segments, touching ones merged) and status
-- changes (the heartbeats whose online-or-not differs from the one
-- before), kept up to date by every footage and heartbeat batch in its own
-- transaction (app/src/fleet/coverage/keep.rs). Coverage pages read these,
-- a handful of rows per camera and day, not every segment and heartbeat.
-- Keep in step with ../sqlite/0019_coverage_kept.sql.

CREATE TABLE camera_runs (
    camera_id  BIGINT NOT NULL REFERENCES cameras (id),
    starts_at  BIGINT NOT NULL,
    ends_at    BIGINT NOT NULL,
    PRIMARY KEY (camera_id, starts_at),
    CHECK (ends_at > starts_at)
);
CREATE INDEX camera_runs_end ON camera_runs (camera_id, ends_at);

CREATE TABLE camera_status_changes (
    camera_id  BIGINT NOT NULL REFERENCES cameras (id),
    ts         BIGINT NOT NULL,
    online     BIGINT NOT NULL CHECK (online IN (0, 1)),
    PRIMARY KEY (camera_id, ts)
);

-- What is already stored, worked out once.
INSERT INTO camera_runs (camera_id, starts_at, ends_at)
SELECT camera_id, MIN(starts_at), MAX(ends_at) FROM (
    SELECT camera_id, starts_at, ends_at,
        SUM(CASE WHEN prev_end IS NULL OR starts_at > prev_end THEN 1 ELSE 0 END)
            OVER (PARTITION BY camera_id ORDER BY starts_at, ends_at ROWS UNBOUNDED PRECEDING) AS run
    FROM (
        SELECT camera_id, starts_at, ends_at,
            MAX(ends_at) OVER (PARTITION BY camera_id ORDER BY starts_at, ends_at
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
        FROM footage_segments) AS s) AS r
GROUP BY camera_id, run;

INSERT INTO camera_status_changes (camera_id, ts, online)
SELECT camera_id, ts, online FROM (
    SELECT camera_id, ts, CASE WHEN status = 'online' THEN 1 ELSE 0 END AS online,
        LAG(CASE WHEN status = 'online' THEN 1 ELSE 0 END) OVER (PARTITION BY camera_id ORDER BY ts) AS was
    FROM camera_heartbeats) AS h
WHERE was IS NULL OR was <> online;
