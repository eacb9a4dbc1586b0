-- The audit chain's own protection (issue 13): a record can only be
-- appended in sequence, after the head, and the head only moves forward.
-- Keep in step with ../sqlite/0012_audit_chain_guard.sql.

-- An append moves the head's seq on by one (taking its row lock), inserts
-- the record at that seq with the head's hash as its prev_hash, then sets
-- the head's hash to the record's. Nothing else gets in: not a record out
-- of sequence, not one that forks the chain.
CREATE FUNCTION audit_log_in_sequence() RETURNS trigger AS $$
DECLARE
    head audit_head%ROWTYPE;
BEGIN
    SELECT * INTO head FROM audit_head WHERE id = 1;
    IF NEW.seq IS DISTINCT FROM head.seq OR NEW.prev_hash IS DISTINCT FROM head.hash
       OR EXISTS (SELECT 1 FROM audit_log WHERE seq >= NEW.seq) THEN
        RAISE EXCEPTION 'audit records are appended in sequence: out-of-sequence INSERT refused';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_log_in_sequence BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_in_sequence();

-- The head moves one step at a time with its hash unchanged, or takes the
-- hash of the record at its seq; never back.
CREATE FUNCTION audit_head_forward() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the audit chain''s head stays: DELETE refused';
    END IF;
    IF NOT (
           (NEW.id = OLD.id AND NEW.seq = OLD.seq + 1 AND NEW.hash = OLD.hash)
        OR (NEW.id = OLD.id AND NEW.seq = OLD.seq
            AND NEW.hash = (SELECT hash FROM audit_log WHERE seq = NEW.seq))
    ) THEN
        RAISE EXCEPTION 'the audit chain''s head only moves forward: UPDATE refused';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_head_forward BEFORE UPDATE OR DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_head_forward();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
