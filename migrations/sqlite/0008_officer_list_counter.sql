-- The officer list is kept in memory by each server (app/src/officers/
-- directory.rs). This counter tells them when to read it again: the
-- triggers move it on every write that could change what the list shows,
-- in the same transaction as the write, whatever code path made it.
-- Keep in step with ../postgres/0008_officer_list_counter.sql.
CREATE TABLE change_counters (
    name    TEXT    PRIMARY KEY,
    version INTEGER NOT NULL
);
INSERT INTO change_counters (name, version) VALUES ('officer_list', 1);

CREATE TRIGGER officer_list_insert AFTER INSERT ON officers BEGIN
    UPDATE change_counters SET version = version + 1 WHERE name = 'officer_list';
END;
CREATE TRIGGER officer_list_update
AFTER UPDATE OF badge_number, given_names, family_names, rank, unit_id, status, hire_date, search_key
ON officers BEGIN
    UPDATE change_counters SET version = version + 1 WHERE name = 'officer_list';
END;
CREATE TRIGGER officer_list_delete AFTER DELETE ON officers BEGIN
    UPDATE change_counters SET version = version + 1 WHERE name = 'officer_list';
END;
CREATE TRIGGER officer_list_unit_update AFTER UPDATE OF code, name ON units BEGIN
    UPDATE change_counters SET version = version + 1 WHERE name = 'officer_list';
END;
