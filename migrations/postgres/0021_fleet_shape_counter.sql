-- The fleet's reports (the board, footage coverage, the SLA report) are
-- computed once per change and kept by each server (app/src/store/
-- recent.rs). They are read again when one of three counters moves:
-- `fleet_ingest` (every footage or heartbeat batch), `officer_list` (the
-- names they show) and this one, `fleet_shape`, which the triggers below
-- move on every write to what the fleet is made of: vehicles, their
-- cameras (not the ingest's last-heard columns), who rides in them when,
-- and the units they belong to. In the write's own transaction, whatever
-- code path made it, once per statement.
-- Keep in step with ../sqlite/0021_fleet_shape_counter.sql.
INSERT INTO change_counters (name, version) VALUES ('fleet_shape', 1);

CREATE FUNCTION fleet_shape_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE change_counters SET version = version + 1 WHERE name = 'fleet_shape';
    RETURN NULL;
END;
$$;

CREATE TRIGGER fleet_shape_vehicles
AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF plate, unit_id, created_at
ON vehicles FOR EACH STATEMENT EXECUTE FUNCTION fleet_shape_changed();
CREATE TRIGGER fleet_shape_cameras
AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF vehicle_id, placement, created_at
ON cameras FOR EACH STATEMENT EXECUTE FUNCTION fleet_shape_changed();
CREATE TRIGGER fleet_shape_assignments
AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE
ON vehicle_assignments FOR EACH STATEMENT EXECUTE FUNCTION fleet_shape_changed();
CREATE TRIGGER fleet_shape_units
AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF code, name, kind, parent_id
ON units FOR EACH STATEMENT EXECUTE FUNCTION fleet_shape_changed();
