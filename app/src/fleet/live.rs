//! What the demo's live feed (`vigia demo-feed`) reads to play the control
//! center and the badge network: the cameras with what each last sent, and
//! the crews on shift now with their badges and each badge's last ping. Only
//! for the demo loader's permit: no person reads through here.

use sqlx::Row;

use crate::error::AppError;
use crate::policy::{act, Permit};
use crate::store::Db;

/// A camera and what it last sent.
#[derive(Debug, Clone)]
pub struct LiveCamera {
    pub plate: String,
    pub placement: String,
    pub last_status: Option<String>,
    pub last_status_at: Option<i64>,
    pub last_footage_at: Option<i64>,
    /// When the car's shift under way now began, if one is.
    pub shift_from: Option<i64>,
}

/// A badge worn now by a crew member of a car on shift.
#[derive(Debug, Clone)]
pub struct LiveBadge {
    pub plate: String,
    /// The car's unit (station) code.
    pub unit: String,
    pub shift_from: i64,
    pub shift_to: i64,
    pub badge_id: i64,
    pub chip: String,
    pub last_ping_at: Option<i64>,
}

/// Every camera, by plate and placement.
pub async fn cameras(
    db: &Db,
    _demo: &Permit<act::LoadDemoData>,
    now: i64,
) -> Result<Vec<LiveCamera>, AppError> {
    sqlx::query(
        "SELECT v.plate, c.placement, c.last_status, c.last_status_at, c.last_footage_at, \
         (SELECT MAX(a.starts_at) FROM vehicle_assignments a WHERE a.vehicle_id = v.id \
          AND a.starts_at <= $1 AND a.starts_at > $1 - 86400000 AND a.ends_at > $1) \
         FROM cameras c JOIN vehicles v ON v.id = c.vehicle_id ORDER BY v.plate, c.placement",
    )
    .bind(now)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(LiveCamera {
            plate: r.try_get(0)?,
            placement: r.try_get(1)?,
            last_status: r.try_get(2)?,
            last_status_at: r.try_get(3)?,
            last_footage_at: r.try_get(4)?,
            shift_from: r.try_get(5)?,
        })
    })
    .collect()
}

/// The badges worn now by the crews of the cars on shift, by plate and chip.
pub async fn badges_on_shift(
    db: &Db,
    _demo: &Permit<act::LoadDemoData>,
    now: i64,
) -> Result<Vec<LiveBadge>, AppError> {
    sqlx::query(
        "SELECT v.plate, u.code, a.starts_at, a.ends_at, b.id, b.chip_id, b.last_ping_at \
         FROM vehicle_assignments a JOIN vehicles v ON v.id = a.vehicle_id \
         JOIN units u ON u.id = v.unit_id \
         JOIN badge_assignments ba ON ba.officer_id = a.officer_id AND ba.valid_from <= $1 \
             AND (ba.valid_to IS NULL OR ba.valid_to > $1) \
         JOIN badges b ON b.id = ba.badge_id \
         WHERE a.starts_at <= $1 AND a.starts_at > $1 - 86400000 AND a.ends_at > $1 \
         ORDER BY v.plate, b.chip_id",
    )
    .bind(now)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(LiveBadge {
            plate: r.try_get(0)?,
            unit: r.try_get(1)?,
            shift_from: r.try_get(2)?,
            shift_to: r.try_get(3)?,
            badge_id: r.try_get(4)?,
            chip: r.try_get(5)?,
            last_ping_at: r.try_get(6)?,
        })
    })
    .collect()
}

/// Where chip `badge_id` was at `ts` (1e-7 degrees), if it pinged then.
pub async fn ping_at(
    db: &Db,
    _demo: &Permit<act::LoadDemoData>,
    badge_id: i64,
    ts: i64,
) -> Result<Option<(i64, i64)>, AppError> {
    Ok(
        sqlx::query("SELECT lat_e7, lon_e7 FROM pings WHERE badge_id = $1 AND ts = $2")
            .bind(badge_id)
            .bind(ts)
            .fetch_optional(db.pool())
            .await?
            .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?)))
            .transpose()?,
    )
}
