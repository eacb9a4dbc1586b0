-- The API client each camera's footage comes through (issue 13): set when
-- the first client sends for it, changed only by an administrator
-- (audited); footage for it from any other client is refused.
-- Keep in step with ../postgres/0013_camera_clients.sql.
ALTER TABLE cameras ADD COLUMN client_id INTEGER REFERENCES api_clients (id);
