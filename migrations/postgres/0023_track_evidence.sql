-- Track windows as case evidence (issue 16). Keep in step with
-- ../sqlite/0023_track_evidence.sql.
--
-- A `track` link names an officer and a window (ms, UTC): the officer's
-- pings in that window, as the track page showed them. Like every link it
-- points at the stored pings and never copies them; retention keeps the
-- pings inside a linked window whatever their age (whole months are then
-- emptied around them instead of dropped).
ALTER TABLE case_evidence ADD COLUMN officer_id BIGINT REFERENCES officers (id);
ALTER TABLE case_evidence ADD COLUMN track_from BIGINT;
ALTER TABLE case_evidence ADD COLUMN track_to BIGINT;
ALTER TABLE case_evidence DROP CONSTRAINT case_evidence_kind_check;
ALTER TABLE case_evidence ADD CONSTRAINT case_evidence_kind_check
    CHECK (kind IN ('footage', 'confidence_test', 'document', 'track'));
ALTER TABLE case_evidence ADD CONSTRAINT case_evidence_track_check
    CHECK ((kind = 'track') = (officer_id IS NOT NULL AND track_from IS NOT NULL AND track_to IS NOT NULL AND track_to > track_from));
CREATE INDEX case_evidence_track ON case_evidence (officer_id, track_from, track_to) WHERE kind = 'track';
