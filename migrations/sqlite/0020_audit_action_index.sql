-- The audit trail by action (issue 15): an administrator's trail (sign-in
-- and account events only) and a search by action count and page their
-- records from this index instead of reading the whole trail.
-- Keep in step with ../postgres/0020_audit_action_index.sql.
CREATE INDEX audit_log_action ON audit_log (action, seq);
