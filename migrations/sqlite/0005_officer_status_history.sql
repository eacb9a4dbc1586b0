-- Every status change of an officer, with its reason and who recorded it.
-- Keep in step with ../postgres/0005_officer_status_history.sql.
CREATE TABLE officer_status_history (
    id            INTEGER PRIMARY KEY,
    officer_id    INTEGER NOT NULL REFERENCES officers (id),
    status        TEXT    NOT NULL CHECK (status IN ('active', 'suspended', 'dismissed', 'retired')),
    effective_on  TEXT    NOT NULL,
    reason        TEXT    NOT NULL,
    recorded_by   TEXT    NOT NULL,
    recorded_at   INTEGER NOT NULL
);
CREATE INDEX officer_status_history_officer ON officer_status_history (officer_id, effective_on);
