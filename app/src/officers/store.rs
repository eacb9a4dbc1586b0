//! Officer and unit queries (server only): one SQL text for both backends.
//! The list itself is kept in memory: see [`super::directory`].

use sqlx::Row;

use super::{ChipRow, OfficerProfile, UnitNode};
use crate::error::{AppError, Field, Problem};
use crate::policy::{act, Permit};
use crate::store::Db;

use super::{AssignmentRole, OfficerStatus, Rank};
use crate::ids::OfficerId;

/// An officer's file. The national ID is masked unless the policy lets the
/// reader unmask it; an unmasked read is recorded in the audit trail.
#[tracing::instrument(skip_all, fields(actor = actor.label()))]
pub async fn profile(
    db: &Db,
    actor: &Permit<act::ReadOfficers>,
    ip: &str,
    badge_number: &str,
) -> Result<OfficerProfile, AppError> {
    let row = sqlx::query(
        "SELECT o.id, o.badge_number, o.given_names, o.family_names, o.rank, o.status, \
                o.status_changed_on, o.hire_date, o.national_id, u.code, u.name, \
                COALESCE(r.code, ''), COALESCE(r.name, '') \
         FROM officers o JOIN units u ON u.id = o.unit_id LEFT JOIN units r ON r.id = u.parent_id \
         WHERE o.badge_number = $1",
    )
    .bind(badge_number.trim())
    .fetch_optional(db.pool())
    .await?
    .ok_or_else(|| {
        AppError::NotFound(Problem::NoOfficer {
            badge: badge_number.to_string(),
        })
    })?;
    let id: OfficerId = row.try_get(0)?;
    let national_id: Option<String> = row.try_get(8)?;
    let unmask = actor.national_ids();
    let national_id = match (national_id, &unmask) {
        (Some(n), Some(permit)) => {
            crate::audit::record(
                db,
                permit,
                &crate::audit::AuditEntry {
                    action: crate::audit::AuditAction::NationalIdRead,
                    object_type: "officer",
                    object_id: badge_number.trim().to_string(),
                    outcome: "ok",
                    ip: ip.to_string(),
                    details: serde_json::json!({}),
                },
            )
            .await?;
            Some(n)
        }
        (Some(n), None) => Some(mask(&n)),
        (None, _) => None,
    };
    let chips = sqlx::query(
        "SELECT b.chip_id, a.valid_from, a.valid_to, b.last_ping_at, b.last_battery_pct \
         FROM badge_assignments a \
         JOIN badges b ON b.id = a.badge_id WHERE a.officer_id = $1 ORDER BY a.valid_from DESC",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        let (from_ms, to_ms): (i64, Option<i64>) = (r.try_get(1)?, r.try_get(2)?);
        let day = |ms| crate::time::date_of(ms).format("%Y-%m-%d").to_string();
        Ok(ChipRow {
            chip_id: r.try_get(0)?,
            from_ms,
            to_ms,
            period: match to_ms {
                Some(to) => format!("{} → {}", day(from_ms), day(to)),
                None => format!("{} →", day(from_ms)),
            },
            last_ping: r
                .try_get::<Option<i64>, _>(3)?
                .map(crate::time::local_second),
            battery_pct: r
                .try_get::<Option<f64>, _>(4)?
                .map(|b| b.round().clamp(0.0, 100.0) as u8),
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(OfficerProfile {
        badge_number: row.try_get(1)?,
        given_names: row.try_get(2)?,
        family_names: row.try_get(3)?,
        rank: Rank::from_stored(&row.try_get::<String, _>(4)?)?,
        status: OfficerStatus::from_stored(&row.try_get::<String, _>(5)?)?,
        status_changed_on: row.try_get(6)?,
        hire_date: row.try_get(7)?,
        national_id,
        national_id_masked: unmask.is_none(),
        unit_code: row.try_get(9)?,
        unit_name: row.try_get(10)?,
        region_code: row.try_get(11)?,
        region_name: row.try_get(12)?,
        chips,
        history: status_history(db, actor, badge_number.trim()).await?,
        assignments: assignments(db, id, 20).await?,
        assignment_count: sqlx::query(
            "SELECT COUNT(*) FROM vehicle_assignments WHERE officer_id = $1",
        )
        .bind(id)
        .fetch_one(db.pool())
        .await?
        .try_get(0)?,
        may_write: false,
        track_href: None,
    })
}

/// The officer's latest `limit` vehicle assignments, newest first.
pub async fn assignments(
    db: &Db,
    officer_id: OfficerId,
    limit: i64,
) -> Result<Vec<super::AssignmentRow>, AppError> {
    let now = crate::time::now_ms();
    let rows = sqlx::query(
        "SELECT v.plate, u.code, a.starts_at, a.ends_at, a.role FROM vehicle_assignments a \
         JOIN vehicles v ON v.id = a.vehicle_id JOIN units u ON u.id = v.unit_id \
         WHERE a.officer_id = $1 ORDER BY a.starts_at DESC LIMIT $2",
    )
    .bind(officer_id)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let (from, to): (i64, i64) = (r.try_get(2)?, r.try_get(3)?);
            Ok(super::AssignmentRow {
                plate: r.try_get(0)?,
                unit_code: r.try_get(1)?,
                from: super::rules::local_time(from),
                to: super::rules::local_time(to),
                role: AssignmentRole::from_stored(&r.try_get::<String, _>(4)?)?,
                current: from <= now && now < to,
            })
        })
        .collect::<Result<_, AppError>>()
}

/// The id of the officer with this badge number, or `NotFound`.
pub async fn officer_id(db: &Db, badge_number: &str) -> Result<OfficerId, AppError> {
    sqlx::query("SELECT id FROM officers WHERE badge_number = $1")
        .bind(badge_number.trim())
        .fetch_optional(db.pool())
        .await?
        .map(|r| r.try_get::<OfficerId, _>(0))
        .transpose()?
        .ok_or_else(|| {
            AppError::NotFound(Problem::NoOfficer {
                badge: badge_number.to_string(),
            })
        })
}

/// `2456 78901 1301` → `•••• ••••• 1301`.
pub fn mask(national_id: &str) -> String {
    let keep = national_id.len().saturating_sub(4);
    national_id
        .char_indices()
        .map(|(i, c)| {
            if i < keep && c.is_ascii_digit() {
                '•'
            } else {
                c
            }
        })
        .collect()
}

/// The organisation, national → regions → stations, with officer counts
/// (a region's count includes its stations).
///
/// The officers are counted in the officer list the server keeps
/// ([`super::directory`], never older than the last write): counting them
/// in SQL on every request cost PostgreSQL a visit to every officer's row.
#[tracing::instrument(skip_all, fields(actor = actor.label()))]
pub async fn units(
    db: &Db,
    actor: &Permit<act::ReadOfficers>,
    officers: &super::directory::Snapshot,
) -> Result<Vec<UnitNode>, AppError> {
    let rows = sqlx::query(
        "SELECT u.code, u.name, u.kind, COALESCE(p.code, '') \
         FROM units u LEFT JOIN units p ON p.id = u.parent_id ORDER BY u.code",
    )
    .fetch_all(db.pool())
    .await?;
    let per_unit = officers.officers_per_unit();
    let mut nodes: Vec<UnitNode> = rows
        .iter()
        .map(|r| {
            let code: String = r.try_get(0)?;
            Ok(UnitNode {
                officers: per_unit.get(code.as_str()).copied().unwrap_or(0),
                code,
                name: r.try_get(1)?,
                kind: r.try_get(2)?,
                parent_code: r.try_get(3)?,
                vehicles: 0,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    // Roll station counts up into their regions.
    let station_totals: Vec<(String, i64)> = nodes
        .iter()
        .filter(|n| n.kind == "station")
        .map(|n| (n.parent_code.clone(), n.officers))
        .collect();
    for (region, count) in station_totals {
        if let Some(r) = nodes.iter_mut().find(|n| n.code == region) {
            r.officers += count;
        }
    }
    Ok(nodes)
}

/// Records a status change: the officer's status and date, a history row
/// and the audit record, in one transaction.
#[tracing::instrument(skip_all, fields(actor = actor.label()))]
pub async fn change_status(
    db: &Db,
    actor: &Permit<act::WriteOfficers>,
    ip: &str,
    change: &super::StatusChange,
) -> Result<(), AppError> {
    let mut tx = crate::audit::AuditedTx::begin(db, actor).await?;
    change_status_in(&mut tx, actor, ip, change).await?;
    tx.commit().await
}

/// [`change_status`] in `tx`, a transaction of the caller's (the demo
/// loader's), with its audit record; the caller commits.
pub async fn change_status_in(
    tx: &mut crate::audit::AuditedTx,
    actor: &Permit<act::WriteOfficers>,
    ip: &str,
    change: &super::StatusChange,
) -> Result<(), AppError> {
    use crate::audit::{AuditAction, AuditEntry};

    let status =
        super::rules::status(&change.status).map_err(|p| AppError::validation(Field::Status, p))?;
    let effective_on = chrono::NaiveDate::parse_from_str(change.effective_on.trim(), "%Y-%m-%d")
        .map_err(|_| {
            AppError::validation(
                Field::EffectiveOn,
                Problem::NotADate {
                    given: change.effective_on.trim().to_string(),
                },
            )
        })?;
    let reason = change.reason.trim();
    if reason.is_empty() {
        return Err(AppError::validation(Field::Reason, Problem::SayWhy));
    }
    if reason.chars().count() > 1_000 {
        return Err(AppError::validation(
            Field::Reason,
            Problem::TooLong {
                max: "1,000".into(),
            },
        ));
    }
    let row = sqlx::query("SELECT id, status, hire_date FROM officers WHERE badge_number = $1")
        .bind(change.badge_number.trim())
        .fetch_optional(tx.conn())
        .await?
        .ok_or_else(|| {
            AppError::NotFound(Problem::NoOfficer {
                badge: change.badge_number.to_string(),
            })
        })?;
    let (id, from, hire_date): (OfficerId, String, String) =
        (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    let today = crate::time::today();
    if effective_on > today {
        return Err(AppError::validation(
            Field::EffectiveOn,
            Problem::InTheFuture,
        ));
    }
    if effective_on.format("%Y-%m-%d").to_string() < hire_date {
        return Err(AppError::validation(
            Field::EffectiveOn,
            Problem::BeforeHired { hire_date },
        ));
    }
    if from == status.as_str() {
        return Err(AppError::validation(
            Field::Status,
            Problem::AlreadyInStatus { status },
        ));
    }
    // A dismissal or a suspension is a ministry decision on a case (see
    // [`status_by_decision`]), never a form; and so is its undoing (an
    // appeal).
    let current = OfficerStatus::from_stored(&from)?;
    if current.by_decision() {
        return Err(AppError::validation(
            Field::Status,
            Problem::StatusFromDecision { status: current },
        ));
    }
    if matches!(status, OfficerStatus::Dismissed | OfficerStatus::Suspended) {
        return Err(AppError::validation(
            Field::Status,
            Problem::StatusFromDecision { status },
        ));
    }
    let effective = effective_on.format("%Y-%m-%d").to_string();
    let now = crate::time::now_ms();
    set_status(
        tx.conn(),
        id,
        status,
        &effective,
        reason,
        actor.label(),
        now,
        None,
    )
    .await?;
    tx.audit(&AuditEntry {
        action: AuditAction::OfficerStatusChanged,
        object_type: "officer",
        object_id: change.badge_number.trim().to_string(),
        outcome: "ok",
        ip: ip.to_string(),
        details: serde_json::json!({ "from": from, "to": status, "effective_on": effective, "reason": reason }),
    })
    .await?;
    Ok(())
}

/// Sets an officer's status as a ministry decision on a case says (a
/// dismissal, a suspension, or the status an appeal puts back), with its
/// history row naming the case and the audit record, in the decision's
/// transaction. Only a decision's permit on that case opens this way.
#[allow(clippy::too_many_arguments)]
pub async fn status_by_decision(
    tx: &mut crate::audit::AuditedTx,
    decision: &crate::policy::CasePermit<act::DecideCase>,
    ip: &str,
    badge_number: &str,
    status: OfficerStatus,
    effective_on: &str,
    reason: &str,
    case_id: i64,
) -> Result<(), AppError> {
    use crate::audit::{AuditAction, AuditEntry};
    let row = sqlx::query(
        "UPDATE officers SET updated_at = updated_at WHERE badge_number = $1 RETURNING id, status",
    )
    .bind(badge_number)
    .fetch_optional(tx.conn())
    .await?
    .ok_or_else(|| {
        AppError::NotFound(Problem::NoOfficer {
            badge: badge_number.to_string(),
        })
    })?;
    let (id, from): (OfficerId, String) = (row.try_get(0)?, row.try_get(1)?);
    set_status(
        tx.conn(),
        id,
        status,
        effective_on,
        reason,
        decision.permit().label(),
        crate::time::now_ms(),
        Some(case_id),
    )
    .await?;
    tx.audit(&AuditEntry {
        action: AuditAction::OfficerStatusChanged,
        object_type: "officer",
        object_id: badge_number.to_string(),
        outcome: "ok",
        ip: ip.to_string(),
        details: serde_json::json!({
            "from": from, "to": status, "effective_on": effective_on, "reason": reason,
            "case_id": case_id,
        }),
    })
    .await?;
    Ok(())
}

/// Sets an officer's status from a date and adds the history row (the
/// caller writes the audit record in the same transaction); `case_id` names
/// the case whose decision set it.
#[allow(clippy::too_many_arguments)]
pub async fn set_status(
    conn: &mut sqlx::AnyConnection,
    officer_id: OfficerId,
    status: OfficerStatus,
    effective_on: &str,
    reason: &str,
    recorded_by: &str,
    now: i64,
    case_id: Option<i64>,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE officers SET status = $1, status_changed_on = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(status.as_str())
    .bind(effective_on)
    .bind(now)
    .bind(officer_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO officer_status_history (officer_id, status, effective_on, reason, recorded_by, recorded_at, case_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(officer_id)
    .bind(status.as_str())
    .bind(effective_on)
    .bind(reason)
    .bind(recorded_by)
    .bind(now)
    .bind(case_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The officer's recorded status changes, newest first. The case behind a
/// decision is named only to a reader who may see that case (a sealed
/// case does not exist for the others).
pub async fn status_history(
    db: &Db,
    reader: &Permit<act::ReadOfficers>,
    officer_badge: &str,
) -> Result<Vec<super::StatusEvent>, AppError> {
    let rows = sqlx::query(
        "SELECT h.status, h.effective_on, h.reason, h.recorded_by, c.number, c.assigned_to, c.sealed, c.status \
         FROM officer_status_history h \
         JOIN officers o ON o.id = h.officer_id LEFT JOIN cases c ON c.id = h.case_id \
         WHERE o.badge_number = $1 \
         ORDER BY h.effective_on DESC, h.id DESC",
    )
    .bind(officer_badge)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(super::StatusEvent {
                status: OfficerStatus::from_stored(&r.try_get::<String, _>(0)?)?,
                effective_on: r.try_get(1)?,
                reason: r.try_get(2)?,
                recorded_by: r.try_get(3)?,
                case_number: {
                    let number: Option<String> = r.try_get(4)?;
                    let seen = match number {
                        Some(_) => {
                            let status: String = r.try_get(7)?;
                            let status = crate::codes::CaseStatus::from_stored(&status)?;
                            let facts = crate::policy::CaseFacts {
                                assigned_to: r.try_get(5)?,
                                sealed: r.try_get::<i64, _>(6)? == 1,
                                sent_to_ministry: matches!(
                                    status,
                                    crate::codes::CaseStatus::MinistryReview
                                        | crate::codes::CaseStatus::Decided
                                        | crate::codes::CaseStatus::Closed
                                ),
                            };
                            reader.also_allows(
                                crate::policy::Action::ReadCases,
                                crate::policy::Object::Case(facts),
                            )
                        }
                        None => false,
                    };
                    number.filter(|_| seen)
                },
            })
        })
        .collect::<Result<_, AppError>>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_ids_keep_only_their_last_four_digits() {
        assert_eq!(mask("2456 78901 1301"), "•••• ••••• 1301");
    }
}
