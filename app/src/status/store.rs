//! Status queries: one SQL text for both backends.

use sqlx::Row;

use super::SystemStatus;
use crate::error::AppError;
use crate::policy::{act, Permit};
use crate::store::Db;

/// Counts the core records in one round trip.
#[tracing::instrument(skip_all, fields(actor = actor.label()))]
pub async fn system_status(
    db: &Db,
    actor: &Permit<act::ReadSystemStatus>,
) -> Result<SystemStatus, AppError> {
    let row = sqlx::query(
        "SELECT \
           (SELECT COUNT(*) FROM units WHERE kind = 'region'), \
           (SELECT COUNT(*) FROM units WHERE kind = 'station'), \
           (SELECT COUNT(*) FROM officers), \
           (SELECT COUNT(*) FROM vehicles), \
           (SELECT COUNT(*) FROM cameras), \
           (SELECT COUNT(*) FROM badges)",
    )
    .fetch_one(db.pool())
    .await?;
    Ok(SystemStatus {
        regions: row.try_get(0)?,
        stations: row.try_get(1)?,
        officers: row.try_get(2)?,
        vehicles: row.try_get(3)?,
        cameras: row.try_get(4)?,
        badges: row.try_get(5)?,
        backend: db.backend().name().to_string(),
        backend_version: if crate::policy::sees_versions(actor.principal()) {
            Some(db.server_version().await?)
        } else {
            None
        },
        app_version: env!("CARGO_PKG_VERSION").to_string(),
    })
}
