-- Case documents and evidence links (issue 14). Keep in step with
-- ../postgres/0016_case_evidence.sql.
--
-- A document's bytes live in the document store (a folder or an S3 bucket),
-- named by their SHA-256: the same file twice is stored once. `documents`
-- is the store's index: a row is written only once its bytes are durable.
CREATE TABLE documents (
    sha256     TEXT    PRIMARY KEY CHECK (length(sha256) = 64),
    bytes      INTEGER NOT NULL CHECK (bytes > 0),
    stored_at  INTEGER NOT NULL
);

-- A file as one case holds it: its name and type as uploaded.
CREATE TABLE case_documents (
    id            INTEGER PRIMARY KEY,
    case_id       INTEGER NOT NULL REFERENCES cases (id),
    sha256        TEXT    NOT NULL REFERENCES documents (sha256),
    file_name     TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    bytes         INTEGER NOT NULL CHECK (bytes > 0),
    uploaded_by   TEXT    NOT NULL,
    uploaded_at   INTEGER NOT NULL,
    UNIQUE (case_id, sha256)
);

-- What a case rests on: a link to a stored record (never a copy of it),
-- with who linked it, when and why. Append-only, like notes.
CREATE TABLE case_evidence (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases (id),
    kind         TEXT    NOT NULL CHECK (kind IN ('footage', 'confidence_test', 'document')),
    -- footage: the segment, and the time range inside it that matters (ms).
    segment_id   INTEGER REFERENCES footage_segments (id),
    clip_from    INTEGER,
    clip_to      INTEGER,
    test_id      INTEGER REFERENCES confidence_tests (id),
    document_id  INTEGER REFERENCES case_documents (id),
    reason       TEXT    NOT NULL,
    linked_by    TEXT    NOT NULL,
    linked_at    INTEGER NOT NULL,
    CHECK ((kind = 'footage') = (segment_id IS NOT NULL AND clip_from IS NOT NULL AND clip_to IS NOT NULL AND clip_to > clip_from)),
    CHECK ((kind = 'confidence_test') = (test_id IS NOT NULL)),
    CHECK ((kind = 'document') = (document_id IS NOT NULL))
);
CREATE INDEX case_evidence_case ON case_evidence (case_id, id);
CREATE INDEX case_evidence_segment ON case_evidence (segment_id) WHERE segment_id IS NOT NULL;
CREATE INDEX case_evidence_test ON case_evidence (test_id) WHERE test_id IS NOT NULL;
CREATE TRIGGER case_evidence_no_update BEFORE UPDATE ON case_evidence
BEGIN
    SELECT RAISE(ABORT, 'evidence links are append-only: UPDATE refused');
END;
CREATE TRIGGER case_evidence_no_delete BEFORE DELETE ON case_evidence
BEGIN
    SELECT RAISE(ABORT, 'evidence links are append-only: DELETE refused');
END;
