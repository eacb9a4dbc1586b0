-- What `vigia serve` may do when it runs as the role vigia_app (README,
-- "Using PostgreSQL"): read and change rows and append to the audit trail;
-- no schema change, no trigger dropped or disabled, no audit record updated,
-- deleted or truncated. Run it as the database's owner, in Vigía's
-- database, after `vigia migrate` (and again after each upgrade's migrate):
--
--   psql "postgres://vigia_owner@host/vigia" -f scripts/postgres-app-role.sql
--
-- The role must exist: CREATE ROLE vigia_app LOGIN PASSWORD '…';
DO $$ BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO vigia_app', current_database());
END $$;
GRANT USAGE ON SCHEMA public, tower_sessions TO vigia_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO vigia_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO vigia_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA tower_sessions TO vigia_app;
-- The trail: read and append only. The head moves forward (its triggers
-- allow nothing else); the migrations' own table is read only.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM vigia_app;
REVOKE DELETE, TRUNCATE ON audit_head FROM vigia_app;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON _sqlx_migrations FROM vigia_app;
