-- Track windows as case evidence (issue 16). Keep in step with
-- ../postgres/0023_track_evidence.sql.
--
-- A `track` link names an officer and a window (ms, UTC): the officer's
-- pings in that window, as the track page showed them. Like every link it
-- points at the stored pings and never copies them; retention keeps the
-- pings inside a linked window whatever their age.
--
-- SQLite cannot change a table's CHECK constraints, so the table is
-- rebuilt with the same rows (the append-only triggers are not fired by
-- the copy or the drop, and are made again).
CREATE TABLE case_evidence_new (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases (id),
    kind         TEXT    NOT NULL CHECK (kind IN ('footage', 'confidence_test', 'document', 'track')),
    -- footage: the segment, and the time range inside it that matters (ms).
    segment_id   INTEGER REFERENCES footage_segments (id),
    clip_from    INTEGER,
    clip_to      INTEGER,
    test_id      INTEGER REFERENCES confidence_tests (id),
    document_id  INTEGER REFERENCES case_documents (id),
    reason       TEXT    NOT NULL,
    linked_by    TEXT    NOT NULL,
    linked_at    INTEGER NOT NULL,
    -- track: whose pings, and the window (ms).
    officer_id   INTEGER REFERENCES officers (id),
    track_from   INTEGER,
    track_to     INTEGER,
    CHECK ((kind = 'footage') = (segment_id IS NOT NULL AND clip_from IS NOT NULL AND clip_to IS NOT NULL AND clip_to > clip_from)),
    CHECK ((kind = 'confidence_test') = (test_id IS NOT NULL)),
    CHECK ((kind = 'document') = (document_id IS NOT NULL)),
    CHECK ((kind = 'track') = (officer_id IS NOT NULL AND track_from IS NOT NULL AND track_to IS NOT NULL AND track_to > track_from))
);
INSERT INTO case_evidence_new (id, case_id, kind, segment_id, clip_from, clip_to, test_id, document_id, reason, linked_by, linked_at)
    SELECT id, case_id, kind, segment_id, clip_from, clip_to, test_id, document_id, reason, linked_by, linked_at FROM case_evidence;
DROP TABLE case_evidence;
ALTER TABLE case_evidence_new RENAME TO case_evidence;
CREATE INDEX case_evidence_case ON case_evidence (case_id, id);
CREATE INDEX case_evidence_segment ON case_evidence (segment_id) WHERE segment_id IS NOT NULL;
CREATE INDEX case_evidence_test ON case_evidence (test_id) WHERE test_id IS NOT NULL;
-- Retention asks, for each old ping, whether a linked window holds it.
CREATE INDEX case_evidence_track ON case_evidence (officer_id, track_from, track_to) WHERE kind = 'track';
CREATE TRIGGER case_evidence_no_update BEFORE UPDATE ON case_evidence
BEGIN
    SELECT RAISE(ABORT, 'evidence links are append-only: UPDATE refused');
END;
CREATE TRIGGER case_evidence_no_delete BEFORE DELETE ON case_evidence
BEGIN
    SELECT RAISE(ABORT, 'evidence links are append-only: DELETE refused');
END;
