-- The audit chain's own protection (issue 13): a record can only be
-- appended in sequence, after the head, and the head only moves forward.
-- Keep in step with ../postgres/0012_audit_chain_guard.sql.

-- An append moves the head's seq on by one, inserts the record at that seq
-- with the head's hash as its prev_hash, then sets the head's hash to the
-- record's. Nothing else gets in: not a record out of sequence, not one
-- that replaces another (INSERT OR REPLACE, which would also meet the
-- DELETE trigger), not one that forks the chain.
CREATE TRIGGER audit_log_in_sequence BEFORE INSERT ON audit_log
WHEN NEW.seq IS NOT (SELECT seq FROM audit_head WHERE id = 1)
  OR NEW.prev_hash IS NOT (SELECT hash FROM audit_head WHERE id = 1)
  OR EXISTS (SELECT 1 FROM audit_log WHERE seq >= NEW.seq)
BEGIN
    SELECT RAISE(ABORT, 'audit records are appended in sequence: out-of-sequence INSERT refused');
END;

-- The head moves one step at a time with its hash unchanged, or takes the
-- hash of the record at its seq; never back.
CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head
WHEN NOT (
       (NEW.id = OLD.id AND NEW.seq = OLD.seq + 1 AND NEW.hash = OLD.hash)
    OR (NEW.id = OLD.id AND NEW.seq = OLD.seq
        AND NEW.hash = (SELECT hash FROM audit_log WHERE seq = NEW.seq))
)
BEGIN
    SELECT RAISE(ABORT, 'the audit chain''s head only moves forward: UPDATE refused');
END;

CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN
    SELECT RAISE(ABORT, 'the audit chain''s head stays: DELETE refused');
END;
