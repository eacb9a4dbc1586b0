-- TOTP second factor (RFC 6238). Keep in step with ../sqlite/0003_totp.sql.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled BIGINT NOT NULL DEFAULT 0 CHECK (totp_enabled IN (0, 1));
-- The last time step used, so a code cannot be replayed.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
