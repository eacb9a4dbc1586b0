-- The fleet's reports (the board, footage coverage, the SLA report) are
-- computed once per change and kept by each server (app/src/store/
-- recent.rs). They are read again when one of three counters moves:
-- `fleet_ingest` (every footage or heartbeat batch), `officer_list` (the
-- names they show) and this one, `fleet_shape`, which the triggers below
-- move on every write to what the fleet is made of: vehicles, their
-- cameras (not the ingest's last-heard columns), who rides in them when,
-- and the units they belong to. In the write's own transaction, whatever
-- code path made it.
-- Keep in step with ../postgres/0021_fleet_shape_counter.sql.
INSERT INTO change_counters (name, version) VALUES ('fleet_shape', 1);

CREATE TRIGGER fleet_shape_vehicles_insert AFTER INSERT ON vehicles BEGIN
    UPDATE change_counters SET version = version + 1 WHERE name = 'fleet_shape';
END;
CREATE TRIGGER fleet_shape_vehicles_update AFTER UPDATE OF plate, unit_id, created_at ON vehicles BEGIN
    UPDATE change_counters SET version = version + 1 WHERE name = 'fleet_shape';
END;
CREATE TRIGGER fleet_shape_vehicles_delete AFTER DELETE ON vehicles BEGIN
    UPDATE change_counters SET version = version + 1 WHERE name = 'fleet_shape';
END;
CREATE TRIGGER fleet_shape_cameras_insert AFTER INSERT ON cameras BEGIN
    UPDATE change_counters SET version = version + 1 WHERE name = 'fleet_shape';
END;
CREATE TRIGGER fleet_shape_cameras_update AFTER UPDATE OF vehicle_id, placement, created_at ON cameras BEGIN
    UPDATE change_counters SET version = version + 1 WHERE name = 'fleet_shape';
END;
CREATE TRIGGER fleet_shape_cameras_delete AFTER DELETE ON cameras BEGIN
    UPDATE change_counters SET version = version + 1 WHERE name = 'fleet_shape';
END;
CREATE TRIGGER fleet_shape_assignments_insert AFTER INSERT ON vehicle_assignments BEGIN
    UPDATE change_counters SET version = version + 1 WHERE name = 'fleet_shape';
END;
CREATE TRIGGER fleet_shape_assignments_update AFTER UPDATE ON vehicle_assignments BEGIN
    UPDATE change_counters SET version = version + 1 WHERE name = 'fleet_shape';
END;
CREATE TRIGGER fleet_shape_assignments_delete AFTER DELETE ON vehicle_assignments BEGIN
    UPDATE change_counters SET version = version + 1 WHERE name = 'fleet_shape';
END;
CREATE TRIGGER fleet_shape_units_insert AFTER INSERT ON units BEGIN
    UPDATE change_counters SET version = version + 1 WHERE name = 'fleet_shape';
END;
CREATE TRIGGER fleet_shape_units_update AFTER UPDATE OF code, name, kind, parent_id ON units BEGIN
    UPDATE change_counters SET version = version + 1 WHERE name = 'fleet_shape';
END;
CREATE TRIGGER fleet_shape_units_delete AFTER DELETE ON units BEGIN
    UPDATE change_counters SET version = version + 1 WHERE name = 'fleet_shape';
END;
