-- Refused machine-API requests, counted per client, address, reason and
-- minute. A closed window becomes one audit record with its count, so a
-- flood of refused requests adds one record a minute per sender, not one
-- per request.
CREATE TABLE api_refusal_windows (
    client_id BIGINT NOT NULL DEFAULT 0, -- 0: no client (missing or unknown token)
    ip TEXT NOT NULL,
    reason TEXT NOT NULL,
    minute BIGINT NOT NULL,              -- ms since the epoch / 60000
    refused BIGINT NOT NULL,
    first_at BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, ip, reason, minute)
);
