-- The officer list is kept in memory by each server (app/src/officers/
-- directory.rs). This counter tells them when to read it again: the
-- triggers move it on every write that could change what the list shows,
-- in the same transaction as the write, whatever code path made it (once
-- per statement: an import of 40,000 rows moves it once).
-- Keep in step with ../sqlite/0008_officer_list_counter.sql.
CREATE TABLE change_counters (
    name    TEXT   PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO change_counters (name, version) VALUES ('officer_list', 1);

CREATE FUNCTION officer_list_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE change_counters SET version = version + 1 WHERE name = 'officer_list';
    RETURN NULL;
END;
$$;

CREATE TRIGGER officer_list_officers
AFTER INSERT OR DELETE OR TRUNCATE
   OR UPDATE OF badge_number, given_names, family_names, rank, unit_id, status, hire_date, search_key
ON officers FOR EACH STATEMENT EXECUTE FUNCTION officer_list_changed();
CREATE TRIGGER officer_list_units
AFTER UPDATE OF code, name ON units
FOR EACH STATEMENT EXECUTE FUNCTION officer_list_changed();
