-- Badge pings (issue 16): where each badge chip was, and when, as the badge
-- network and OsmAnd trackers send it through the machine API (API.md).
-- Keep in step with ../postgres/0022_pings.sql.
--
-- Identity (badge, ts): the primary key, and the table's order on SQLite
-- (WITHOUT ROWID), so that a chip's pings over a window are one range of
-- the table. `officer_id` is who wore the chip at `ts` (badge_assignments),
-- set by the ingest and set again when the chip's assignments change: a
-- track follows the officer, not the chip. NULL: the chip was worn by no
-- one then.
--
-- Coordinates are kept as whole ten-millionths of a degree (about 1 cm),
-- so that a ping sent again compares equal exactly. `cell` is the H3 cell
-- (resolution 9, cells of about 0.1 km²) of the position, for the place
-- queries. No foreign keys: the ingest resolves every chip and officer in
-- the batch's transaction, and pings are removed only by retention.
CREATE TABLE pings (
    badge_id     INTEGER NOT NULL,
    ts           INTEGER NOT NULL,
    officer_id   INTEGER,
    lat_e7       INTEGER NOT NULL CHECK (lat_e7 BETWEEN -900000000 AND 900000000),
    lon_e7       INTEGER NOT NULL CHECK (lon_e7 BETWEEN -1800000000 AND 1800000000),
    cell         INTEGER NOT NULL,
    accuracy_m   REAL CHECK (accuracy_m >= 0),
    source       TEXT CHECK (source IN ('gps', 'reader', 'cell')),
    speed_mps    REAL,
    bearing_deg  REAL,
    altitude_m   REAL,
    battery_pct  REAL,
    mock         INTEGER NOT NULL DEFAULT 0 CHECK (mock IN (0, 1)),
    -- How it came: a batch (`/ingest/pings`) or a tracker (`/osmand`).
    channel      TEXT NOT NULL CHECK (channel IN ('batch', 'osmand')),
    received_at  INTEGER NOT NULL,
    client_id    INTEGER,
    PRIMARY KEY (badge_id, ts)
) WITHOUT ROWID;
-- An officer's track over a window.
CREATE INDEX pings_officer_time ON pings (officer_id, ts);
-- Who was near a place at a time: the cells around the place, each over
-- the window.
CREATE INDEX pings_place_time ON pings (cell, ts);

-- Each chip's latest ping and battery, kept by the ingest (badge health on
-- the officer file and the fleet board).
ALTER TABLE badges ADD COLUMN last_ping_at INTEGER;
ALTER TABLE badges ADD COLUMN last_battery_pct REAL;
