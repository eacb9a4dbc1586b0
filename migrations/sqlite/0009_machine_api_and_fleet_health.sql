-- The machine API's clients, and what the camera control center sends
-- through it: camera heartbeats and footage-segment references.
-- Keep in step with ../postgres/0009_machine_api_and_fleet_health.sql.

-- A machine that may call /api/v1. The token is shown once, when made;
-- only its SHA-256 is kept (it is 256 random bits, so a fast hash is
-- enough: there is nothing to guess). `token_hint` is its first characters,
-- to tell tokens apart in lists.
CREATE TABLE api_clients (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    token_hash    TEXT    NOT NULL UNIQUE,
    token_hint    TEXT    NOT NULL,
    -- Comma-separated, in a fixed order: pings:write,footage:write,health:write
    scopes        TEXT    NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    INTEGER NOT NULL,
    created_by    TEXT    NOT NULL,
    last_used_at  INTEGER,
    -- Requests refused while this client was disabled or lacked the scope.
    refused       INTEGER NOT NULL DEFAULT 0
);

-- Requests the API refused, by reason (`missing`, `unknown`, `disabled`,
-- `scope`): the unknown tokens are nobody's, so they are counted here.
CREATE TABLE api_refusals (
    reason   TEXT    PRIMARY KEY,
    refused  INTEGER NOT NULL,
    last_at  INTEGER NOT NULL
);

-- What each camera last said about itself, and when footage of it last
-- arrived: kept by the ingest, read by the fleet board.
ALTER TABLE cameras ADD COLUMN last_status TEXT
    CHECK (last_status IN ('online', 'offline', 'tamper', 'storage_fault'));
ALTER TABLE cameras ADD COLUMN last_status_at INTEGER;
ALTER TABLE cameras ADD COLUMN last_footage_at INTEGER;

CREATE TABLE camera_heartbeats (
    camera_id    INTEGER NOT NULL REFERENCES cameras (id),
    ts           INTEGER NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('online', 'offline', 'tamper', 'storage_fault')),
    received_at  INTEGER NOT NULL,
    client_id    INTEGER REFERENCES api_clients (id),
    PRIMARY KEY (camera_id, ts)
);

CREATE TABLE footage_segments (
    id           INTEGER PRIMARY KEY,
    segment      TEXT    NOT NULL UNIQUE,
    camera_id    INTEGER NOT NULL REFERENCES cameras (id),
    starts_at    INTEGER NOT NULL,
    ends_at      INTEGER NOT NULL,
    uri          TEXT    NOT NULL,
    sha256       TEXT    NOT NULL CHECK (length(sha256) = 64),
    bytes        INTEGER NOT NULL CHECK (bytes >= 0),
    received_at  INTEGER NOT NULL,
    client_id    INTEGER REFERENCES api_clients (id),
    -- The last check of the file against its SHA-256 (`vigia` verify).
    verified_at  INTEGER,
    verify_result TEXT CHECK (verify_result IN ('match', 'mismatch', 'unreadable')),
    CHECK (ends_at > starts_at AND ends_at - starts_at <= 86400000)
);
CREATE INDEX footage_segments_camera_time ON footage_segments (camera_id, starts_at);

-- Ingest batches take this row's lock first, so that two batches carrying
-- the same new segment cannot both decide it is new.
INSERT INTO change_counters (name, version) VALUES ('fleet_ingest', 1);
