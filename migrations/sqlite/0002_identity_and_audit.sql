-- Accounts, roles, sign-in failures, and the append-only audit trail.
-- Keep in step with ../postgres/0002_identity_and_audit.sql.

CREATE TABLE users (
    id                    INTEGER PRIMARY KEY,
    username              TEXT    NOT NULL UNIQUE,
    display_name          TEXT    NOT NULL,
    password_hash         TEXT    NOT NULL,
    must_change_password  INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
    disabled              INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    locked_at             INTEGER,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
);

CREATE TABLE user_roles (
    user_id  INTEGER NOT NULL REFERENCES users (id),
    role     TEXT    NOT NULL CHECK (role IN (
                 'investigator', 'supervisor', 'ministry', 'auditor', 'monitor', 'admin')),
    PRIMARY KEY (user_id, role)
);

CREATE TABLE sign_in_failures (
    id       INTEGER PRIMARY KEY,
    user_id  INTEGER NOT NULL REFERENCES users (id),
    at       INTEGER NOT NULL
);
CREATE INDEX sign_in_failures_user ON sign_in_failures (user_id, at);

-- The audit trail. hash = SHA-256(prev_hash || canonical encoding of the
-- record); see app/src/audit. Rows are never updated or deleted.
CREATE TABLE audit_log (
    seq          INTEGER PRIMARY KEY,
    at           INTEGER NOT NULL,
    actor_kind   TEXT    NOT NULL,
    actor_id     INTEGER,
    actor_label  TEXT    NOT NULL,
    action       TEXT    NOT NULL,
    object_type  TEXT    NOT NULL,
    object_id    TEXT    NOT NULL,
    outcome      TEXT    NOT NULL,
    ip           TEXT    NOT NULL,
    details      TEXT    NOT NULL,
    prev_hash    TEXT    NOT NULL,
    hash         TEXT    NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_label, at);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id);

-- The head of the chain: one row, updated by every append, which also
-- serialises appenders.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   INTEGER NOT NULL,
    hash  TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit records are append-only: UPDATE refused');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit records are append-only: DELETE refused');
END;
