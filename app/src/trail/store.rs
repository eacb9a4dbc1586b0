//! Reading the trail: one filter, shared by the page and the CSV export.

use chrono::{NaiveDate, TimeZone};
use sqlx::Row;

use super::{AuditRow, AuditSearch};
use crate::audit::AuditAction;
use crate::error::{AppError, Field, Problem};
use crate::policy::{act, AuditScope, Permit};
use crate::store::batch::{bind_all, Value};
use crate::store::Db;

/// A checked search: SQL conditions and their values.
pub struct Query {
    conditions: Vec<String>,
    values: Vec<Value>,
}

impl Query {
    /// Checks the search and scopes it to what the reader may read (the
    /// policy's [`AuditScope`]): the whole trail, or (administrators)
    /// sign-in and account events only.
    pub fn new(
        search: &AuditSearch,
        reader: &Permit<act::ReadAuditTrail>,
    ) -> Result<Query, AppError> {
        let mut q = Query {
            conditions: Vec::new(),
            values: Vec::new(),
        };
        if reader.scope() == AuditScope::AccountEvents {
            let names: Vec<String> = AuditAction::ALL
                .iter()
                .filter(|a| a.is_account_event())
                .map(|a| format!("'{}'", a.as_str()))
                .collect();
            // Names come from the enum, never from the request.
            q.conditions
                .push(format!("action IN ({})", names.join(", ")));
        }
        if let Some(actor_label) = non_empty(&search.actor) {
            q.push("actor_label = ", actor_label.to_lowercase().into());
        }
        if let Some(action) = non_empty(&search.action) {
            if !AuditAction::ALL.iter().any(|a| a.as_str() == action) {
                return Err(AppError::validation(
                    Field::Action,
                    Problem::NotAnAuditAction {
                        given: action.to_string(),
                    },
                ));
            }
            q.push("action = ", action.into());
        }
        if let Some(object) = non_empty(&search.object) {
            q.push("object_id = ", object.into());
        }
        let tz = crate::time::zone();
        if let Some(from) = non_empty(&search.from) {
            q.push("at >= ", day_start_ms(Field::From, from, tz, 0)?.into());
        }
        if let Some(to) = non_empty(&search.to) {
            q.push("at < ", day_start_ms(Field::To, to, tz, 1)?.into());
        }
        Ok(q)
    }

    fn push(&mut self, condition: &str, value: Value) {
        self.values.push(value);
        self.conditions
            .push(format!("{condition}${}", self.values.len()));
    }

    fn where_clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conditions.join(" AND "))
        }
    }

    /// How many records match.
    pub async fn count(&self, db: &Db) -> Result<i64, AppError> {
        // The whole trail: the chain has no gaps (its triggers let a record
        // in only right after the last one), so its length is the head's
        // sequence number. PostgreSQL counted every row instead, hundreds
        // of milliseconds a page on the national demo.
        if self.conditions.is_empty() {
            return Ok(
                sqlx::query_scalar("SELECT seq FROM audit_head WHERE id = 1")
                    .fetch_one(db.pool())
                    .await?,
            );
        }
        let sql = format!("SELECT COUNT(*) FROM audit_log{}", self.where_clause());
        Ok(bind_all(sqlx::query(&sql), &self.values)
            .fetch_one(db.pool())
            .await?
            .try_get(0)?)
    }

    /// Matching records, newest first.
    pub async fn fetch(&self, db: &Db, limit: i64, offset: i64) -> Result<Vec<AuditRow>, AppError> {
        let n = self.values.len();
        let sql = format!(
            "SELECT {} FROM audit_log{} ORDER BY seq DESC LIMIT ${} OFFSET ${}",
            crate::audit::RECORD_COLUMNS,
            self.where_clause(),
            n + 1,
            n + 2
        );
        let rows = bind_all(sqlx::query(&sql), &self.values)
            .bind(limit)
            .bind(offset)
            .fetch_all(db.pool())
            .await?;
        let tz = crate::time::zone();
        rows.iter()
            .map(|r| {
                let at: i64 = r.try_get("at")?;
                Ok(AuditRow {
                    seq: r.try_get("seq")?,
                    at: format_ms(at, tz),
                    actor: r.try_get("actor_label")?,
                    action: r.try_get("action")?,
                    object: format!(
                        "{}:{}",
                        r.try_get::<String, _>("object_type")?,
                        r.try_get::<String, _>("object_id")?
                    ),
                    outcome: r.try_get("outcome")?,
                    ip: r.try_get("ip")?,
                    details: r.try_get("details")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(AppError::from)
    }
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Midnight of `day` (plus `plus_days`) in `tz`, as ms since the epoch.
fn day_start_ms(
    field: Field,
    day: String,
    tz: chrono_tz::Tz,
    plus_days: i64,
) -> Result<i64, AppError> {
    let date = NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|_| {
        AppError::validation(
            field,
            Problem::NotADate {
                given: day.to_string(),
            },
        )
    })?;
    let date = date + chrono::Duration::days(plus_days);
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    tz.from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.timestamp_millis())
        .ok_or_else(|| AppError::validation(field, Problem::NoMidnight))
}

/// `YYYY-MM-DD HH:MM:SS` in `tz`.
pub fn format_ms(ms: i64, tz: chrono_tz::Tz) -> String {
    tz.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// The CSV export: a header row and one line per record, fields quoted
/// where needed (RFC 4180).
pub fn to_csv(rows: &[AuditRow]) -> String {
    let mut out = String::from("seq,time,actor,action,object,outcome,ip,details\r\n");
    for r in rows {
        let fields = [
            r.seq.to_string(),
            r.at.clone(),
            r.actor.clone(),
            r.action.clone(),
            r.object.clone(),
            r.outcome.clone(),
            r.ip.clone(),
            r.details.clone(),
        ];
        out.push_str(&crate::format::csv_line(&fields));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_start_at_local_midnight() {
        let tz = chrono_tz::America::Guatemala;
        // 2026-11-28 00:00 in Guatemala is 06:00 UTC.
        assert_eq!(
            day_start_ms(Field::From, "2026-11-28".into(), tz, 0).unwrap(),
            1_795_845_600_000
        );
        assert!(day_start_ms(Field::From, "28/11/2026".into(), tz, 0).is_err());
    }
}
