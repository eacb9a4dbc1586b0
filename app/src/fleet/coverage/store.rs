use std::collections::HashMap;

use sqlx::Row;

use super::{camera_gaps, keep, total, AssignmentRole, CameraCoverage, ShiftCoverage, Span, Whose};
use crate::error::AppError;
use crate::ids::CameraId;
use crate::policy::Permit;
use crate::store::batch::{fetch_packed, json_rows, JsonCol, Value};
use crate::store::Db;

/// The assignments of `whose` that overlap `window` (cut at its ends),
/// each with its vehicle's cameras' coverage: footage segments and
/// heartbeats read once for the window, each shift then a slice of
/// them. Takes a permit that reads coverage (fleet, SLA or officer
/// records: [`super::super::ReadsCoverage`]).
pub async fn shift_coverage<A: crate::fleet::ReadsCoverage>(
    db: &Db,
    _reader: &Permit<A>,
    whose: Whose<'_>,
    window: Span,
) -> Result<Vec<ShiftCoverage>, AppError> {
    let backend = db.backend();
    let (filter, key) = match whose {
        Whose::Vehicle(plate) => ("AND v.plate = $3", Some(plate)),
        Whose::Officer(badge) => ("AND o.badge_number = $3", Some(badge)),
        Whose::Fleet => ("", None),
    };
    let select = format!(
        "SELECT v.id AS c0, v.plate AS c1, o.badge_number AS c2, o.given_names || ' ' || o.family_names AS c3, \
                a.role AS c4, a.starts_at AS c5, a.ends_at AS c6 \
         FROM vehicle_assignments a JOIN vehicles v ON v.id = a.vehicle_id JOIN officers o ON o.id = a.officer_id \
         WHERE a.starts_at < $2 AND a.ends_at > $1 {filter}"
    );
    let mut binds = vec![Value::Int(window.from), Value::Int(window.to)];
    if let Some(key) = key {
        binds.push(Value::from(key));
    }
    let mut conn = db.pool().acquire().await?;
    type Row7 = (i64, String, String, String, String, i64, i64);
    let mut rows: Vec<Row7> = fetch_packed(&mut conn, backend, &select, 7, &binds).await?;
    // Newest first, then by plate, the driver before the crew.
    rows.sort_unstable_by(|a, b| {
        b.5.cmp(&a.5)
            .then_with(|| a.1.cmp(&b.1))
            .then_with(|| b.4.cmp(&a.4))
            .then_with(|| a.2.cmp(&b.2))
    });
    struct Assignment {
        vehicle: i64,
        plate: String,
        badge: String,
        officer: String,
        role: AssignmentRole,
        shift: Span,
    }
    let mut assignments = Vec::with_capacity(rows.len());
    for (vehicle, plate, badge, officer, role, from, to) in rows {
        assignments.push(Assignment {
            vehicle,
            plate,
            badge,
            officer,
            role: AssignmentRole::from_stored(&role)?,
            shift: Span {
                from: from.max(window.from),
                to: to.min(window.to),
            },
        });
    }
    if assignments.is_empty() {
        return Ok(Vec::new());
    }
    let mut vehicles: Vec<[i64; 1]> = assignments.iter().map(|a| [a.vehicle]).collect();
    vehicles.sort();
    vehicles.dedup();
    let vehicles_json = serde_json::to_string(&vehicles).map_err(|_| AppError::Internal)?;
    let in_vehicles = format!(
        "SELECT c0 FROM ({}) AS k",
        json_rows(backend, 1, &[JsonCol::Int])
    );

    // The cameras of those vehicles, by vehicle.
    let mut cameras: HashMap<i64, Vec<(i64, String, i64)>> = HashMap::new();
    for r in sqlx::query(&format!(
        "SELECT vehicle_id, id, placement, created_at FROM cameras WHERE vehicle_id IN ({in_vehicles}) ORDER BY vehicle_id, placement"
    ))
    .bind(&vehicles_json)
    .fetch_all(&mut *conn)
    .await?
    {
        cameras
            .entry(r.try_get(0)?)
            .or_default()
            .push((r.try_get(1)?, r.try_get(2)?, r.try_get(3)?));
    }
    // Their recorded runs and status changes for the window, as the
    // ingest keeps them (`keep`): a row per run of recording and per
    // change between online and not, whatever the number of segments.
    let ids: Vec<CameraId> = cameras.values().flatten().map(|c| CameraId(c.0)).collect();
    let (segments, beats) = keep::read(&mut conn, backend, &ids, window).await?;
    drop(conn);

    let none_s: Vec<Span> = Vec::new();
    let none_b: Vec<(i64, bool)> = Vec::new();
    let mut out = Vec::with_capacity(assignments.len());
    for a in assignments {
        let mut cams = Vec::new();
        for (camera, placement, registered) in
            cameras.get(&a.vehicle).map(Vec::as_slice).unwrap_or(&[])
        {
            // No footage is expected of a camera before it was registered.
            let shift = Span {
                from: a.shift.from.max(*registered),
                to: a.shift.to,
            };
            if shift.is_empty() {
                continue;
            }
            let runs = segments.get(&CameraId(*camera)).unwrap_or(&none_s);
            // Only the runs that touch the shift (sorted, apart, so
            // their ends are sorted too).
            let lo = runs.partition_point(|r| r.to <= shift.from);
            let hi = runs.partition_point(|r| r.from < shift.to);
            let hb = beats.get(&CameraId(*camera)).unwrap_or(&none_b);
            // From the last heartbeat at or before the shift's start.
            let first = hb.partition_point(|b| b.0 <= shift.from).saturating_sub(1);
            let last = hb.partition_point(|b| b.0 < shift.to);
            let gaps = camera_gaps(shift, &runs[lo..hi.max(lo)], &hb[first.min(last)..last]);
            cams.push(CameraCoverage {
                placement: placement.clone(),
                expected_ms: shift.len(),
                covered_ms: shift.len() - total(&gaps),
                gaps,
            });
        }
        out.push(ShiftCoverage {
            plate: a.plate,
            badge: a.badge,
            officer: a.officer,
            role: a.role,
            shift: a.shift,
            cameras: cams,
        });
    }
    Ok(out)
}
