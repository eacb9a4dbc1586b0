-- The head moves once per transaction (issue 14, the national demo on
-- PostgreSQL): an appender takes the head's row lock (SELECT … FOR UPDATE),
-- inserts its records after the chain's last one, and before it commits
-- moves the head to its last record. PostgreSQL keeps every version of a
-- row updated inside one transaction, and the old protocol updated the
-- head twice per record: a transaction of many records slowed with each.
-- The protection is the same: a record goes in only right after the
-- chain's last one, linked to its hash; the head only moves forward, and
-- only to the chain's last record with that record's hash.
-- Keep in step with ../sqlite/0018_audit_head_once.sql.

CREATE OR REPLACE FUNCTION audit_log_in_sequence() RETURNS trigger AS $$
DECLARE
    last_seq  BIGINT;
    last_hash TEXT;
BEGIN
    SELECT seq, hash INTO last_seq, last_hash FROM audit_log ORDER BY seq DESC LIMIT 1;
    IF last_seq IS NULL THEN
        last_seq := 0;
        last_hash := '0000000000000000000000000000000000000000000000000000000000000000';
    END IF;
    IF NEW.seq IS DISTINCT FROM last_seq + 1 OR NEW.prev_hash IS DISTINCT FROM last_hash THEN
        RAISE EXCEPTION 'audit records are appended in sequence: out-of-sequence INSERT refused';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION audit_head_forward() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the audit chain''s head stays: DELETE refused';
    END IF;
    -- COALESCE: a comparison with nothing (an empty trail) refuses too.
    IF NOT COALESCE(
            NEW.id = OLD.id AND NEW.seq >= OLD.seq
        AND NEW.seq = (SELECT max(seq) FROM audit_log)
        AND NEW.hash = (SELECT hash FROM audit_log WHERE seq = NEW.seq), false
    ) THEN
        RAISE EXCEPTION 'the audit chain''s head only moves forward: UPDATE refused';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
