-- Refused machine-API requests, counted per client, address, reason and
-- minute. A closed window becomes one audit record with its count, so a
-- flood of refused requests adds one record a minute per sender, not one
-- per request.
CREATE TABLE api_refusal_windows (
    client_id INTEGER NOT NULL DEFAULT 0, -- 0: no client (missing or unknown token)
    ip TEXT NOT NULL,
    reason TEXT NOT NULL,
    minute INTEGER NOT NULL,              -- ms since the epoch / 60000
    refused INTEGER NOT NULL,
    first_at INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    PRIMARY KEY (client_id, ip, reason, minute)
);
