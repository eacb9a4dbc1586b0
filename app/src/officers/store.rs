//! Officer and unit queries (server only): one SQL text for both backends.

use sqlx::Row;

use super::search::fold;
use super::{ChipRow, OfficerFilter, OfficerPage, OfficerProfile, OfficerRow, UnitNode, PAGE_SIZE};
use crate::error::AppError;
use crate::identity::Role;
use crate::policy::Actor;
use crate::store::batch::{bind_all, Value};
use crate::store::Db;

use super::{RANKS, STATUSES};

/// The PNC ladder as a sort key (see [`RANKS`]).
const RANK_ORDER: &str = "CASE o.rank WHEN 'agente' THEN 0 WHEN 'subinspector' THEN 1 \
    WHEN 'inspector' THEN 2 WHEN 'oficial_tercero' THEN 3 WHEN 'oficial_segundo' THEN 4 \
    WHEN 'oficial_primero' THEN 5 WHEN 'subcomisario' THEN 6 WHEN 'comisario' THEN 7 \
    WHEN 'comisario_general' THEN 8 WHEN 'subdirector_general' THEN 9 \
    WHEN 'director_general_adjunto' THEN 10 WHEN 'director_general' THEN 11 END, \
    o.family_names, o.badge_number";

/// Sort keys people may ask for, and the SQL they mean.
fn order_by(sort: &str) -> Result<&'static str, AppError> {
    Ok(match sort {
        "" | "name" => "o.family_names, o.given_names, o.badge_number",
        "badge" => "o.badge_number",
        // Up the ladder, not alphabetically.
        "rank" => RANK_ORDER,
        "unit" => "u.code, o.family_names, o.given_names, o.badge_number",
        "status" => "o.status, o.family_names, o.badge_number",
        "hired" => "o.hire_date, o.badge_number",
        other => {
            return Err(AppError::validation(
                "sort",
                format!("{other:?} is not a sort: use name, badge, rank, unit, status or hired"),
            ))
        }
    })
}

/// One page of officers matching `filter`.
#[tracing::instrument(skip_all, fields(actor = actor.label()))]
pub async fn list(db: &Db, actor: &Actor, filter: &OfficerFilter) -> Result<OfficerPage, AppError> {
    let mut conditions = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let mut push = |sql: &str, v: Value, values: &mut Vec<Value>| {
        values.push(v);
        conditions.push(sql.replace('?', &format!("${}", values.len())));
    };
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        // Every word must appear somewhere in the folded names or badge:
        // a plain substring test (both sides are folded already), which
        // both databases do much faster than LIKE '%…%'.
        let contains = match db.backend() {
            crate::store::Backend::Sqlite => "instr(o.search_key, ?) > 0",
            crate::store::Backend::Postgres => "strpos(o.search_key, ?) > 0",
        };
        for word in fold(q).split_whitespace().take(5) {
            push(contains, word.into(), &mut values);
        }
    }
    if let Some(rank) = filter.rank.as_deref().filter(|r| !r.is_empty()) {
        if !RANKS.contains(&rank) {
            return Err(AppError::validation(
                "rank",
                format!("{rank:?} is not a PNC rank"),
            ));
        }
        push("o.rank = ?", rank.into(), &mut values);
    }
    if let Some(status) = filter.status.as_deref().filter(|s| !s.is_empty()) {
        if !STATUSES.contains(&status) {
            return Err(AppError::validation(
                "status",
                format!("{status:?} is not a status: use active, suspended, dismissed or retired"),
            ));
        }
        push("o.status = ?", status.into(), &mut values);
    }
    if let Some(unit) = filter
        .unit
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        // A region's code takes in its stations (`13` → `13`, `13-01`, …).
        values.push(unit.into());
        values.push(format!("{unit}-%").into());
        conditions.push(format!(
            "o.unit_id IN (SELECT id FROM units WHERE code = ${} OR code LIKE ${})",
            values.len() - 1,
            values.len()
        ));
    }
    let order = order_by(filter.sort.as_deref().unwrap_or(""))?;
    let where_clause = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    // The conditions use the officers table alone, so counting and picking
    // the page walk its indexes (covering ones for the usual sorts); the
    // unit's code and name are joined for the 50 rows shown only. (A
    // window COUNT(*) OVER () in the page query was tried: it stops SQLite
    // from walking the index in order and made every page slower.)
    let count_sql = format!("SELECT COUNT(*) FROM officers o{where_clause}");
    let total: i64 = bind_all(sqlx::query(&count_sql), &values)
        .fetch_one(db.pool())
        .await?
        .try_get(0)?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = filter.page.unwrap_or(1).clamp(1, pages);
    let page_from = if order.contains("u.") {
        "FROM officers o JOIN units u ON u.id = o.unit_id"
    } else {
        "FROM officers o"
    };
    let n = values.len();
    let sql = format!(
        "SELECT o.badge_number, o.given_names, o.family_names, o.rank, o.status, u.code, u.name \
         FROM officers o JOIN units u ON u.id = o.unit_id \
         WHERE o.id IN (SELECT o.id {page_from}{where_clause} ORDER BY {order} LIMIT ${} OFFSET ${}) \
         ORDER BY {order}",
        n + 1,
        n + 2
    );
    let rows = bind_all(sqlx::query(&sql), &values)
        .bind(PAGE_SIZE)
        .bind((page - 1) * PAGE_SIZE)
        .fetch_all(db.pool())
        .await?;
    let rows = rows
        .iter()
        .map(|r| {
            Ok(OfficerRow {
                badge_number: r.try_get(0)?,
                given_names: r.try_get(1)?,
                family_names: r.try_get(2)?,
                rank: r.try_get(3)?,
                status: r.try_get(4)?,
                unit_code: r.try_get(5)?,
                unit_name: r.try_get(6)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(OfficerPage {
        rows,
        may_write: false,
        total,
        page,
        pages,
    })
}

/// An officer's file. The national ID is masked except for supervisors.
#[tracing::instrument(skip_all, fields(actor = actor.label()))]
pub async fn profile(
    db: &Db,
    actor: &Actor,
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
    .ok_or_else(|| AppError::NotFound(format!("officer {badge_number}")))?;
    let id: i64 = row.try_get(0)?;
    let national_id: Option<String> = row.try_get(8)?;
    let national_id = national_id.map(|n| {
        if actor.has_role(Role::Supervisor) {
            n
        } else {
            mask(&n)
        }
    });
    let chips = sqlx::query(
        "SELECT b.chip_id, a.valid_from, a.valid_to FROM badge_assignments a \
         JOIN badges b ON b.id = a.badge_id WHERE a.officer_id = $1 ORDER BY a.valid_from DESC",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(ChipRow {
            chip_id: r.try_get(0)?,
            from_ms: r.try_get(1)?,
            to_ms: r.try_get(2)?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(OfficerProfile {
        badge_number: row.try_get(1)?,
        given_names: row.try_get(2)?,
        family_names: row.try_get(3)?,
        rank: row.try_get(4)?,
        status: row.try_get(5)?,
        status_changed_on: row.try_get(6)?,
        hire_date: row.try_get(7)?,
        national_id,
        national_id_masked: !actor.has_role(Role::Supervisor),
        unit_code: row.try_get(9)?,
        unit_name: row.try_get(10)?,
        region_code: row.try_get(11)?,
        region_name: row.try_get(12)?,
        chips,
        history: status_history(db, badge_number.trim()).await?,
        assignments: assignments(db, id, 20).await?,
        assignment_count: sqlx::query(
            "SELECT COUNT(*) FROM vehicle_assignments WHERE officer_id = $1",
        )
        .bind(id)
        .fetch_one(db.pool())
        .await?
        .try_get(0)?,
        may_write: false,
    })
}

/// The officer's latest `limit` vehicle assignments, newest first.
pub async fn assignments(
    db: &Db,
    officer_id: i64,
    limit: i64,
) -> Result<Vec<super::AssignmentRow>, AppError> {
    let now = crate::audit::now_ms();
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
                role: r.try_get(4)?,
                current: from <= now && now < to,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(AppError::from)
}

/// The id of the officer with this badge number, or `NotFound`.
pub async fn officer_id(db: &Db, badge_number: &str) -> Result<i64, AppError> {
    sqlx::query("SELECT id FROM officers WHERE badge_number = $1")
        .bind(badge_number.trim())
        .fetch_optional(db.pool())
        .await?
        .map(|r| r.try_get::<i64, _>(0))
        .transpose()?
        .ok_or_else(|| AppError::NotFound(format!("officer {badge_number}")))
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
#[tracing::instrument(skip_all, fields(actor = actor.label()))]
pub async fn units(db: &Db, actor: &Actor) -> Result<Vec<UnitNode>, AppError> {
    let rows = sqlx::query(
        "SELECT u.code, u.name, u.kind, COALESCE(p.code, ''), \
                (SELECT COUNT(*) FROM officers o WHERE o.unit_id = u.id) \
         FROM units u LEFT JOIN units p ON p.id = u.parent_id ORDER BY u.code",
    )
    .fetch_all(db.pool())
    .await?;
    let mut nodes: Vec<UnitNode> = rows
        .iter()
        .map(|r| {
            Ok(UnitNode {
                code: r.try_get(0)?,
                name: r.try_get(1)?,
                kind: r.try_get(2)?,
                parent_code: r.try_get(3)?,
                officers: r.try_get(4)?,
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
    actor: &Actor,
    ip: &str,
    change: &super::StatusChange,
) -> Result<(), AppError> {
    use crate::audit::{AuditAction, AuditEntry, AuditedTx};

    let status = change.status.trim();
    if !STATUSES.contains(&status) {
        return Err(AppError::validation(
            "status",
            format!("{status:?} is not a status: use active, suspended, dismissed or retired"),
        ));
    }
    let effective_on = chrono::NaiveDate::parse_from_str(change.effective_on.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::validation("effective_on", "is not a date like 2026-11-28"))?;
    let reason = change.reason.trim();
    if reason.is_empty() {
        return Err(AppError::validation("reason", "say why the status changes"));
    }
    if reason.chars().count() > 1_000 {
        return Err(AppError::validation(
            "reason",
            "must have at most 1,000 characters",
        ));
    }
    let mut tx = AuditedTx::begin(db).await?;
    let row = sqlx::query("SELECT id, status, hire_date FROM officers WHERE badge_number = $1")
        .bind(change.badge_number.trim())
        .fetch_optional(tx.conn())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("officer {}", change.badge_number)))?;
    let (id, from, hire_date): (i64, String, String) =
        (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    let today = chrono::Utc::now().date_naive();
    if effective_on > today {
        return Err(AppError::validation(
            "effective_on",
            "cannot be in the future",
        ));
    }
    if effective_on.format("%Y-%m-%d").to_string() < hire_date {
        return Err(AppError::validation(
            "effective_on",
            format!("is before the officer was hired ({hire_date})"),
        ));
    }
    if from == status {
        return Err(AppError::validation(
            "status",
            format!("the officer is already {status}"),
        ));
    }
    let effective = effective_on.format("%Y-%m-%d").to_string();
    let now = crate::audit::now_ms();
    set_status(
        tx.conn(),
        id,
        status,
        &effective,
        reason,
        actor.label(),
        now,
    )
    .await?;
    tx.audit(&AuditEntry {
        actor: actor.audit_actor(),
        action: AuditAction::OfficerStatusChanged,
        object_type: "officer",
        object_id: change.badge_number.trim().to_string(),
        outcome: "ok",
        ip: ip.to_string(),
        details: serde_json::json!({ "from": from, "to": status, "effective_on": effective, "reason": reason }),
    })
    .await?;
    tx.commit().await
}

/// Sets an officer's status from a date and adds the history row (the
/// caller writes the audit record in the same transaction).
pub async fn set_status(
    conn: &mut sqlx::AnyConnection,
    officer_id: i64,
    status: &str,
    effective_on: &str,
    reason: &str,
    recorded_by: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE officers SET status = $1, status_changed_on = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(status)
    .bind(effective_on)
    .bind(now)
    .bind(officer_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO officer_status_history (officer_id, status, effective_on, reason, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(officer_id)
    .bind(status)
    .bind(effective_on)
    .bind(reason)
    .bind(recorded_by)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The officer's recorded status changes, newest first.
pub async fn status_history(
    db: &Db,
    officer_badge: &str,
) -> Result<Vec<super::StatusEvent>, AppError> {
    let rows = sqlx::query(
        "SELECT h.status, h.effective_on, h.reason, h.recorded_by FROM officer_status_history h \
         JOIN officers o ON o.id = h.officer_id WHERE o.badge_number = $1 \
         ORDER BY h.effective_on DESC, h.id DESC",
    )
    .bind(officer_badge)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(super::StatusEvent {
                status: r.try_get(0)?,
                effective_on: r.try_get(1)?,
                reason: r.try_get(2)?,
                recorded_by: r.try_get(3)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(AppError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_ids_keep_only_their_last_four_digits() {
        assert_eq!(mask("2456 78901 1301"), "•••• ••••• 1301");
    }
}
