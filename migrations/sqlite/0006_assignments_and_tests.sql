-- Vehicle assignments (which officers were in which car, when) and
-- confidence tests. Keep in step with ../postgres/0006_assignments_and_tests.sql.
-- "No officer in two vehicles at once" is checked by Vigía inside the
-- writing transaction, under a lock on the officer's row.

CREATE TABLE vehicle_assignments (
    id           INTEGER PRIMARY KEY,
    officer_id   INTEGER NOT NULL REFERENCES officers (id),
    vehicle_id   INTEGER NOT NULL REFERENCES vehicles (id),
    starts_at    INTEGER NOT NULL,
    ends_at      INTEGER NOT NULL,
    role         TEXT    NOT NULL CHECK (role IN ('driver', 'crew')),
    recorded_by  TEXT    NOT NULL,
    recorded_at  INTEGER NOT NULL,
    -- A shift ends after it starts and lasts at most 24 hours.
    CHECK (ends_at > starts_at AND ends_at - starts_at <= 86400000)
);
CREATE INDEX vehicle_assignments_officer ON vehicle_assignments (officer_id, starts_at);
CREATE INDEX vehicle_assignments_vehicle ON vehicle_assignments (vehicle_id, starts_at);

CREATE TABLE confidence_tests (
    id           INTEGER PRIMARY KEY,
    officer_id   INTEGER NOT NULL REFERENCES officers (id),
    kind         TEXT    NOT NULL CHECK (kind IN ('polygraph', 'background', 'assets', 'toxicology', 'psychological')),
    taken_on     TEXT    NOT NULL,
    result       TEXT    NOT NULL CHECK (result IN ('pass', 'fail', 'inconclusive')),
    examiner     TEXT    NOT NULL,
    notes        TEXT    NOT NULL DEFAULT '',
    recorded_by  TEXT    NOT NULL,
    recorded_at  INTEGER NOT NULL,
    -- One test of a kind per officer and day: what makes a re-import a no-op.
    UNIQUE (officer_id, kind, taken_on)
);
CREATE INDEX confidence_tests_failed ON confidence_tests (result, taken_on);
