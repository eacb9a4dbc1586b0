//! The end of a suspension (server only). A ministry's `suspended` decision
//! sets the officer's status for a number of days; once they have run, the
//! officer is back in service, recorded as any status change is (history
//! row naming the case, audit record), by the system. The background job
//! runs [`end_due`] every minute; it is idempotent, and with several servers
//! on one database the officer's row decides which one ends it.

use chrono::Days;
use serde_json::json;
use sqlx::Row;

use crate::audit::{AuditAction, AuditEntry, AuditedTx};
use crate::codes::OfficerStatus;
use crate::error::AppError;
use crate::ids::OfficerId;
use crate::policy::Principal;
use crate::store::Db;
use crate::time::{now_ms, today};

/// Ends the suspensions whose days have run by today; answers how many.
///
/// A suspension is ended only while it is still the officer's status: its
/// decision is current (not replaced on appeal) and the officer's status is
/// still `suspended` from the decision's date (a later change, by another
/// decision or by hand, is left alone). The officer is back in service
/// from the day after the last day suspended.
pub async fn end_due(db: &Db) -> Result<usize, AppError> {
    let rows = sqlx::query(
        "SELECT d.id, d.case_id, d.decided_on, d.suspension_days, o.id, o.badge_number \
         FROM case_decisions d JOIN case_subjects s ON s.id = d.subject_id \
         JOIN officers o ON o.id = s.officer_id \
         WHERE d.outcome = 'suspended' AND d.superseded_at IS NULL \
         AND o.status = 'suspended' AND o.status_changed_on = d.decided_on",
    )
    .fetch_all(db.pool())
    .await?;
    let today = today();
    let mut ended = 0;
    for r in rows {
        let (decision, case_id, decided_on, days, officer, badge): (
            i64,
            i64,
            String,
            i64,
            OfficerId,
            String,
        ) = (
            r.try_get(0)?,
            r.try_get(1)?,
            r.try_get(2)?,
            r.try_get(3)?,
            r.try_get(4)?,
            r.try_get(5)?,
        );
        let Ok(start) = chrono::NaiveDate::parse_from_str(&decided_on, "%Y-%m-%d") else {
            continue;
        };
        let Some(back_on) = start.checked_add_days(Days::new(days.max(0) as u64)) else {
            continue;
        };
        if back_on > today {
            continue;
        }
        let back_on = back_on.format("%Y-%m-%d").to_string();
        let mut tx = AuditedTx::begin_as(db, &Principal::system()).await?;
        // Still suspended by this decision (another server may have ended it).
        let still = sqlx::query(
            "UPDATE officers SET updated_at = updated_at \
             WHERE id = $1 AND status = 'suspended' AND status_changed_on = $2 RETURNING id",
        )
        .bind(officer)
        .bind(&decided_on)
        .fetch_optional(tx.conn())
        .await?;
        if still.is_none() {
            continue;
        }
        // The history is the force's record: written in Spanish.
        let reason = format!("Fin de la suspensión de {days} días decidida por el Ministerio");
        crate::officers::store::set_status(
            tx.conn(),
            officer,
            OfficerStatus::Active,
            &back_on,
            &reason,
            "system",
            now_ms(),
            Some(case_id),
        )
        .await?;
        tx.audit(&AuditEntry {
            action: AuditAction::OfficerStatusChanged,
            object_type: "officer",
            object_id: badge,
            outcome: "ok",
            ip: "local".into(),
            details: json!({
                "from": OfficerStatus::Suspended, "to": OfficerStatus::Active,
                "effective_on": back_on, "reason": reason, "case_id": case_id,
                "decision": decision, "suspension_days": days,
            }),
        })
        .await?;
        tx.commit().await?;
        ended += 1;
    }
    Ok(ended)
}
