-- Account security (issue 13): failed sign-ins that cannot be turned into
-- a weapon, sessions ended by a reset, and the notice of a reset.
-- Keep in step with ../postgres/0011_account_security.sql.

-- A failure lock ends by itself: locked_at is when it began, locked_until
-- when it ends; failure_locks counts the locks in a row (each one lasts
-- twice the one before, up to a day), back to 0 at a good sign-in. An
-- administrator's lock on purpose is `disabled`.
ALTER TABLE users ADD COLUMN locked_until INTEGER;
ALTER TABLE users ADD COLUMN failure_locks INTEGER NOT NULL DEFAULT 0;
-- The locks set before this step waited for an administrator: they now end
-- 15 minutes after they began.
UPDATE users SET locked_until = locked_at + 900000, failure_locks = 1 WHERE locked_at IS NOT NULL;

-- Failed sign-ins per address and 15-minute window: an address over the
-- limit is answered 429 until its window ends, whatever names it tries.
CREATE TABLE sign_in_address_windows (
    ip           TEXT    NOT NULL,
    window_start INTEGER  NOT NULL, -- ms since the epoch, a multiple of 15 minutes
    failures     INTEGER NOT NULL,
    PRIMARY KEY (ip, window_start)
);

-- Failed sign-ins counted per subject (an account's username, or for a name
-- that is no account, the address it came from: what was typed is never
-- kept), reason and minute. A closed window becomes one audit record with
-- its count, so a flood adds a record a minute per subject, not one per try.
CREATE TABLE sign_in_failure_windows (
    subject   TEXT    NOT NULL, -- 'user:<username>' or 'ip:<address>'
    reason    TEXT    NOT NULL,
    minute    INTEGER  NOT NULL, -- ms since the epoch / 60000
    failures  INTEGER NOT NULL,
    ip        TEXT    NOT NULL, -- the address of the last try
    first_at  INTEGER  NOT NULL,
    last_at   INTEGER  NOT NULL,
    PRIMARY KEY (subject, reason, minute)
);

-- Sessions signed in before this moment end at their next request (a
-- reset of the password or second factor by an administrator, a change of
-- one's own password for the other sessions).
ALTER TABLE users ADD COLUMN sessions_after INTEGER;
-- Who reset the account's password or second factor, and when: shown to
-- the account's owner until they set a new one.
ALTER TABLE users ADD COLUMN password_reset_by TEXT;
ALTER TABLE users ADD COLUMN password_reset_at INTEGER;
ALTER TABLE users ADD COLUMN totp_reset_by TEXT;
ALTER TABLE users ADD COLUMN totp_reset_at INTEGER;
