-- The head moves once per transaction: an appender (holding the write
-- lock) inserts its records after the chain's last one, and before it
-- commits moves the head to its last record. The protection is the same:
-- a record goes in only right after the chain's last one, linked to its
-- hash; the head only moves forward, and only to the chain's last record
-- with that record's hash.
-- Keep in step with ../postgres/0018_audit_head_once.sql.

DROP TRIGGER audit_log_in_sequence;
CREATE TRIGGER audit_log_in_sequence BEFORE INSERT ON audit_log
WHEN NEW.seq IS NOT COALESCE((SELECT max(seq) FROM audit_log), 0) + 1
  OR NEW.prev_hash IS NOT COALESCE(
        (SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1),
        '0000000000000000000000000000000000000000000000000000000000000000')
BEGIN
    SELECT RAISE(ABORT, 'audit records are appended in sequence: out-of-sequence INSERT refused');
END;

DROP TRIGGER audit_head_forward;
CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head
WHEN NOT (
        NEW.id = OLD.id AND NEW.seq >= OLD.seq
    AND NEW.seq IS (SELECT max(seq) FROM audit_log)
    AND NEW.hash IS (SELECT hash FROM audit_log WHERE seq = NEW.seq)
)
BEGIN
    SELECT RAISE(ABORT, 'the audit chain''s head only moves forward: UPDATE refused');
END;
