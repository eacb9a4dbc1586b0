-- Core records: the organisation (units), officers, the fleet and badge chips.
-- Times are INTEGER milliseconds since the Unix epoch, UTC; calendar dates are
-- 'YYYY-MM-DD' text. Keep in step with ../postgres/0001_core_records.sql.

CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    code        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('national', 'region', 'station')),
    parent_id   INTEGER REFERENCES units (id),
    created_at  INTEGER NOT NULL,
    CHECK ((kind = 'national') = (parent_id IS NULL))
);
CREATE INDEX units_parent ON units (parent_id);

CREATE TABLE officers (
    id                 INTEGER PRIMARY KEY,
    badge_number       TEXT    NOT NULL UNIQUE,
    given_names        TEXT    NOT NULL,
    family_names       TEXT    NOT NULL,
    rank               TEXT    NOT NULL CHECK (rank IN (
                           'agente', 'subinspector', 'inspector',
                           'oficial_tercero', 'oficial_segundo', 'oficial_primero',
                           'subcomisario', 'comisario', 'comisario_general',
                           'subdirector_general', 'director_general_adjunto', 'director_general')),
    unit_id            INTEGER NOT NULL REFERENCES units (id),
    status             TEXT    NOT NULL DEFAULT 'active'
                           CHECK (status IN ('active', 'suspended', 'dismissed', 'retired')),
    status_changed_on  TEXT,
    hire_date          TEXT    NOT NULL,
    national_id        TEXT,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX officers_unit ON officers (unit_id);
CREATE INDEX officers_family_names ON officers (family_names);

CREATE TABLE vehicles (
    id          INTEGER PRIMARY KEY,
    plate       TEXT    NOT NULL UNIQUE,
    unit_id     INTEGER NOT NULL REFERENCES units (id),
    created_at  INTEGER NOT NULL
);
CREATE INDEX vehicles_unit ON vehicles (unit_id);

CREATE TABLE cameras (
    id          INTEGER PRIMARY KEY,
    vehicle_id  INTEGER NOT NULL REFERENCES vehicles (id),
    placement   TEXT    NOT NULL CHECK (placement IN ('cabin', 'forward')),
    serial      TEXT    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    UNIQUE (vehicle_id, placement)
);

CREATE TABLE badges (
    id          INTEGER PRIMARY KEY,
    chip_id     TEXT    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

-- Which officer wore which chip, and when. valid_to NULL: still worn.
CREATE TABLE badge_assignments (
    id          INTEGER PRIMARY KEY,
    badge_id    INTEGER NOT NULL REFERENCES badges (id),
    officer_id  INTEGER NOT NULL REFERENCES officers (id),
    valid_from  INTEGER NOT NULL,
    valid_to    INTEGER,
    CHECK (valid_to IS NULL OR valid_to > valid_from)
);
CREATE INDEX badge_assignments_badge ON badge_assignments (badge_id, valid_from);
CREATE INDEX badge_assignments_officer ON badge_assignments (officer_id, valid_from);
