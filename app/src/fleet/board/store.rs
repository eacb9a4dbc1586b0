use sqlx::Row;

use super::{camera_state, CameraHealth, SilentBadge, VehicleHealth};
use crate::error::AppError;
use crate::policy::Permit;
use crate::store::Db;

/// The board as computed at `at`: kept in a [`BoardCache`] and shared by
/// its readers until the fleet changes (or for [`BOARD_MAX_AGE`]).
#[derive(Debug)]
pub struct BoardSnapshot {
    pub at: i64,
    pub regions: Vec<(String, String)>,
    pub vehicles: Vec<VehicleHealth>,
}

/// The last board computed (registered at start-up), and after how long
/// a crew member's badge counts as silent on it (`VIGIA_BADGE_SILENT_MINUTES`).
pub struct BoardCache {
    recent: crate::store::recent::Recent<(), BoardSnapshot>,
    pub badge_silent_ms: i64,
}

/// How long a board stays right with nothing written: cameras fall silent
/// by the clock alone.
pub const BOARD_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(10);

/// A board cache for the start-up.
pub fn board_cache(badge_silent_minutes: u32) -> BoardCache {
    BoardCache {
        recent: crate::store::recent::Recent::new(
            crate::store::recent::FLEET_COUNTERS,
            BOARD_MAX_AGE,
        ),
        badge_silent_ms: i64::from(badge_silent_minutes) * 60_000,
    }
}

/// The board now: the kept one if nothing changed since it was computed.
pub async fn board<A: crate::fleet::ReadsCoverage>(
    db: &Db,
    caches: &crate::state::Caches,
    reader: &Permit<A>,
    silent_after_ms: i64,
) -> Result<std::sync::Arc<BoardSnapshot>, AppError> {
    let cache = caches.get::<std::sync::Arc<BoardCache>>()?;
    let badge_silent_ms = cache.badge_silent_ms;
    cache
        .recent
        .get(db, (), || async {
            let at = crate::time::now_ms();
            let (regions, vehicles) =
                read_board(db, reader, at, silent_after_ms, badge_silent_ms).await?;
            Ok(BoardSnapshot {
                at,
                regions,
                vehicles,
            })
        })
        .await
}

/// Every region, and every vehicle with its cameras' states, by plate.
/// Takes the reader's [`Actor`] (`ReadFleet`).
pub async fn read_board<A: crate::fleet::ReadsCoverage>(
    db: &Db,
    _reader: &Permit<A>,
    now: i64,
    silent_after_ms: i64,
    badge_silent_after_ms: i64,
) -> Result<(Vec<(String, String)>, Vec<VehicleHealth>), AppError> {
    let regions = sqlx::query("SELECT code, name FROM units WHERE kind = 'region' ORDER BY code")
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<Vec<_>, _>>()?;
    let vehicles = read_vehicles(
        db,
        _reader,
        None,
        now,
        silent_after_ms,
        badge_silent_after_ms,
    )
    .await?;
    Ok((regions, vehicles))
}

/// Every vehicle (or the one of `plate`) with its cameras' states, by
/// plate. Takes the reader's [`Actor`] (`ReadFleet`).
pub async fn read_vehicles<A: crate::fleet::ReadsCoverage>(
    db: &Db,
    _reader: &Permit<A>,
    plate: Option<&str>,
    now: i64,
    silent_after_ms: i64,
    badge_silent_after_ms: i64,
) -> Result<Vec<VehicleHealth>, AppError> {
    // A car belongs to a station (its region is the station's parent)
    // or straight to a region. It is on shift while an assignment
    // holds now (shifts last at most a day, which bounds the look-up).
    let sql = format!(
        "SELECT v.plate, u.name, CASE WHEN u.kind = 'region' THEN u.code ELSE COALESCE(r.code, '') END, \
                c.placement, c.last_status, c.last_status_at, c.last_footage_at, \
                CAST(CASE WHEN EXISTS (SELECT 1 FROM vehicle_assignments a WHERE a.vehicle_id = v.id \
                    AND a.starts_at <= $1 AND a.starts_at > $1 - 86400000 AND a.ends_at > $1) \
                    THEN 1 ELSE 0 END AS BIGINT) \
         FROM vehicles v JOIN units u ON u.id = v.unit_id LEFT JOIN units r ON r.id = u.parent_id \
         LEFT JOIN cameras c ON c.vehicle_id = v.id {} \
         ORDER BY v.plate",
        if plate.is_some() { "WHERE v.plate = $2" } else { "" }
    );
    let mut query = sqlx::query(&sql).bind(now);
    if let Some(plate) = plate {
        query = query.bind(plate);
    }
    let rows = query.fetch_all(db.pool()).await?;
    let mut crews = crew_badges(db, plate, now, badge_silent_after_ms).await?;
    let mut vehicles: Vec<VehicleHealth> = Vec::new();
    for row in &rows {
        let plate: String = row.try_get(0)?;
        if vehicles.last().is_none_or(|v| v.plate != plate) {
            let (badges, silent_badges) = crews.remove(&plate).unwrap_or_default();
            vehicles.push(VehicleHealth {
                plate: plate.clone(),
                station: row.try_get(1)?,
                region: row.try_get(2)?,
                cabin: None,
                forward: None,
                on_shift: row.try_get::<i64, _>(7)? == 1,
                badges,
                silent_badges,
            });
        }
        let placement: Option<String> = row.try_get(3)?;
        let Some(placement) = placement else { continue };
        let status: Option<String> = row.try_get(4)?;
        let status_at: Option<i64> = row.try_get(5)?;
        let footage_at: Option<i64> = row.try_get(6)?;
        let health = CameraHealth {
            state: camera_state(
                status.as_deref(),
                status_at,
                footage_at,
                now,
                silent_after_ms,
            ),
            last_heard_at: status_at.max(footage_at),
        };
        let v = vehicles.last_mut().expect("pushed above");
        if placement == "cabin" {
            v.cabin = Some(health);
        } else {
            v.forward = Some(health);
        }
    }
    Ok(vehicles)
}

/// The badges each car's crew wear now (the cars on shift, or the one of
/// `plate`): how many, and those silent longer than `silent_after_ms` (or
/// never heard), by plate.
async fn crew_badges(
    db: &Db,
    plate: Option<&str>,
    now: i64,
    silent_after_ms: i64,
) -> Result<std::collections::HashMap<String, (u32, Vec<SilentBadge>)>, AppError> {
    let sql = format!(
        "SELECT v.plate, o.badge_number, b.last_ping_at FROM vehicles v \
         JOIN vehicle_assignments a ON a.vehicle_id = v.id AND a.starts_at <= $1 \
             AND a.starts_at > $1 - 86400000 AND a.ends_at > $1 \
         JOIN officers o ON o.id = a.officer_id \
         JOIN badge_assignments ba ON ba.officer_id = o.id AND ba.valid_from <= $1 \
             AND (ba.valid_to IS NULL OR ba.valid_to > $1) \
         JOIN badges b ON b.id = ba.badge_id {} \
         ORDER BY v.plate, o.badge_number",
        if plate.is_some() {
            "WHERE v.plate = $2"
        } else {
            ""
        }
    );
    let mut query = sqlx::query(&sql).bind(now);
    if let Some(plate) = plate {
        query = query.bind(plate);
    }
    let mut crews: std::collections::HashMap<String, (u32, Vec<SilentBadge>)> =
        std::collections::HashMap::new();
    for row in query.fetch_all(db.pool()).await? {
        let crew = crews.entry(row.try_get(0)?).or_default();
        crew.0 += 1;
        let last: Option<i64> = row.try_get(2)?;
        if last.is_none_or(|t| now - t > silent_after_ms) {
            crew.1.push(SilentBadge {
                badge_number: row.try_get(1)?,
                last_ping_at: last,
            });
        }
    }
    Ok(crews)
}
