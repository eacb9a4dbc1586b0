-- Badge pings (issue 16): where each badge chip was, and when, as the badge
-- network and OsmAnd trackers send it through the machine API (API.md).
-- Keep in step with ../sqlite/0022_pings.sql, which says what each column
-- holds.
--
-- Partitioned by month of `ts` (milliseconds, UTC): Vigía creates each
-- month's partition itself, ahead of time at start and daily, and before a
-- batch that reaches into a month without one (app/src/tracking/
-- partitions.rs); retention drops whole months. Partitions are named
-- pings_yYYYYmMM.
CREATE TABLE pings (
    badge_id     BIGINT  NOT NULL,
    ts           BIGINT  NOT NULL,
    officer_id   BIGINT,
    lat_e7       BIGINT  NOT NULL CHECK (lat_e7 BETWEEN -900000000 AND 900000000),
    lon_e7       BIGINT  NOT NULL CHECK (lon_e7 BETWEEN -1800000000 AND 1800000000),
    cell         BIGINT  NOT NULL,
    accuracy_m   DOUBLE PRECISION CHECK (accuracy_m >= 0),
    source       TEXT CHECK (source IN ('gps', 'reader', 'cell')),
    speed_mps    DOUBLE PRECISION,
    bearing_deg  DOUBLE PRECISION,
    altitude_m   DOUBLE PRECISION,
    battery_pct  DOUBLE PRECISION,
    mock         BIGINT  NOT NULL DEFAULT 0 CHECK (mock IN (0, 1)),
    channel      TEXT    NOT NULL CHECK (channel IN ('batch', 'osmand')),
    received_at  BIGINT  NOT NULL,
    client_id    BIGINT,
    PRIMARY KEY (badge_id, ts)
) PARTITION BY RANGE (ts);
CREATE INDEX pings_officer_time ON pings (officer_id, ts);
CREATE INDEX pings_place_time ON pings (cell, ts);

ALTER TABLE badges ADD COLUMN last_ping_at BIGINT;
ALTER TABLE badges ADD COLUMN last_battery_pct DOUBLE PRECISION;
