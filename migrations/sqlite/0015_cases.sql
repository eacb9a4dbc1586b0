-- Internal-affairs cases (issue 14): the case, its complainant, subjects,
-- allegations and findings, decisions, notes, documents and evidence links.
-- Keep in step with ../postgres/0015_cases.sql.
--
-- The case's timeline is its records in the audit trail (object_type
-- 'case', object_id its number), so the two cannot disagree.

-- The last number given out each year: IA-2013-000022 is the 22nd case of
-- 2013. Taken with an upsert inside the creating transaction, so numbers are
-- consecutive and never given twice.
CREATE TABLE case_numbers (
    year  INTEGER PRIMARY KEY,
    last  INTEGER NOT NULL CHECK (last > 0)
);

CREATE TABLE cases (
    id                   INTEGER PRIMARY KEY,
    number               TEXT    NOT NULL UNIQUE,
    year                 INTEGER NOT NULL,
    seq                  INTEGER NOT NULL,
    title                TEXT    NOT NULL,
    summary              TEXT    NOT NULL,
    origin               TEXT    NOT NULL CHECK (origin IN ('complaint', 'confidence_test', 'camera_review', 'badge_anomaly', 'referral', 'early_warning')),
    intake_on            TEXT    NOT NULL,
    incident_at          INTEGER,
    unit_id              INTEGER REFERENCES units (id),
    region_id            INTEGER REFERENCES units (id),
    place                TEXT    NOT NULL DEFAULT '',
    status               TEXT    NOT NULL CHECK (status IN ('intake', 'investigation', 'supervisor_review', 'ministry_review', 'decided', 'closed')),
    sealed               INTEGER NOT NULL DEFAULT 0 CHECK (sealed IN (0, 1)),
    assigned_to          INTEGER REFERENCES users (id),
    -- The current stage's due date (none once decided) and the clock's pause.
    due_on               TEXT,
    paused_on            TEXT,
    pause_reason         TEXT,
    -- The complainant (sensitive): none, anonymous, or named.
    complainant          TEXT    NOT NULL DEFAULT 'none' CHECK (complainant IN ('none', 'anonymous', 'named')),
    complainant_name     TEXT,
    complainant_contact  TEXT,
    -- What the search reads: number, title, summary, subject names, notes,
    -- folded and stemmed by Vigía (the FTS5 table case_search holds it).
    search_doc           TEXT    NOT NULL DEFAULT '',
    created_by           TEXT    NOT NULL,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    status_changed_at    INTEGER NOT NULL,
    decided_on           TEXT,
    -- The last appeal: every accused officer is decided again after it.
    appealed_at          INTEGER,
    UNIQUE (year, seq)
);
CREATE INDEX cases_status ON cases (status, number);
CREATE INDEX cases_assigned ON cases (assigned_to, status);
CREATE INDEX cases_region ON cases (region_id);
CREATE INDEX cases_due ON cases (due_on);
CREATE INDEX cases_intake ON cases (intake_on);

CREATE VIRTUAL TABLE case_search USING fts5 (doc, tokenize = 'unicode61 remove_diacritics 2');

CREATE TABLE case_subjects (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    officer_id  INTEGER NOT NULL REFERENCES officers (id),
    role        TEXT    NOT NULL CHECK (role IN ('accused', 'witness', 'involved')),
    added_by    TEXT    NOT NULL,
    added_at    INTEGER NOT NULL,
    UNIQUE (case_id, officer_id)
);
CREATE INDEX case_subjects_officer ON case_subjects (officer_id);

CREATE TABLE case_allegations (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    subject_id  INTEGER NOT NULL REFERENCES case_subjects (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('corruption', 'criminal_links', 'extortion', 'abuse_of_force', 'negligence', 'other')),
    finding     TEXT    NOT NULL DEFAULT 'pending' CHECK (finding IN ('pending', 'sustained', 'not_sustained', 'exonerated', 'unfounded')),
    added_by    TEXT    NOT NULL,
    added_at    INTEGER NOT NULL,
    finding_by  TEXT,
    finding_at  INTEGER,
    UNIQUE (subject_id, kind)
);
CREATE INDEX case_allegations_case ON case_allegations (case_id, kind);

-- The ministry's decision on one accused subject. A decision changed on
-- appeal is superseded (kept) and the officer's earlier status, kept here,
-- is put back.
CREATE TABLE case_decisions (
    id                 INTEGER PRIMARY KEY,
    case_id            INTEGER NOT NULL REFERENCES cases (id),
    subject_id         INTEGER NOT NULL REFERENCES case_subjects (id),
    outcome            TEXT    NOT NULL CHECK (outcome IN ('dismissed', 'suspended', 'reprimand', 'cleared', 'referred_to_prosecutor')),
    suspension_days    INTEGER CHECK (suspension_days IS NULL OR suspension_days > 0),
    basis              TEXT    NOT NULL,
    decided_on         TEXT    NOT NULL,
    decided_by         TEXT    NOT NULL,
    decided_at         INTEGER NOT NULL,
    status_before      TEXT,
    status_on_before   TEXT,
    superseded_at      INTEGER,
    CHECK ((outcome = 'suspended') = (suspension_days IS NOT NULL))
);
CREATE UNIQUE INDEX case_decisions_current ON case_decisions (subject_id) WHERE superseded_at IS NULL;
CREATE INDEX case_decisions_case ON case_decisions (case_id);

-- Notes are append-only: a correction is a new note pointing at the old.
CREATE TABLE case_notes (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases (id),
    body         TEXT    NOT NULL,
    corrects_id  INTEGER REFERENCES case_notes (id),
    author       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX case_notes_case ON case_notes (case_id, id);
CREATE TRIGGER case_notes_no_update BEFORE UPDATE ON case_notes
BEGIN
    SELECT RAISE(ABORT, 'case notes are append-only: UPDATE refused');
END;
CREATE TRIGGER case_notes_no_delete BEFORE DELETE ON case_notes
BEGIN
    SELECT RAISE(ABORT, 'case notes are append-only: DELETE refused');
END;

-- An officer's status set by a case's decision names the case.
ALTER TABLE officer_status_history ADD COLUMN case_id INTEGER REFERENCES cases (id);
