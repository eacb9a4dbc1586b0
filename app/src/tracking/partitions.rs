//! PostgreSQL keeps pings in one partition per month (UTC) of their time
//! (`migrations/postgres/0022_pings.sql`). Vigía makes the partitions
//! itself: at start and every day for this month and the next two
//! ([`ensure_ahead`]), and before a batch that reaches into a month that
//! has none ([`ensure_for`]: a late or replayed batch). SQLite keeps one
//! table: nothing to do there.

use chrono::{Datelike, TimeZone, Utc};

use crate::store::{Backend, Db};

/// Months ahead of this one that always have their partition.
pub const MONTHS_AHEAD: i32 = 2;

/// A calendar month (UTC) as `year * 12 + month0`.
fn month_of(ms: i64) -> i32 {
    let t = Utc
        .timestamp_millis_opt(ms)
        .single()
        .unwrap_or_else(Utc::now);
    t.year() * 12 + t.month0() as i32
}

/// The first millisecond of month `m` (as [`month_of`] counts).
fn month_start(m: i32) -> i64 {
    Utc.with_ymd_and_hms(m.div_euclid(12), m.rem_euclid(12) as u32 + 1, 1, 0, 0, 0)
        .single()
        .map(|t| t.timestamp_millis())
        .expect("the first of a month exists")
}

fn name(m: i32) -> String {
    format!("pings_y{:04}m{:02}", m.div_euclid(12), m.rem_euclid(12) + 1)
}

/// Makes sure every month of `times` has its partition.
pub async fn ensure_for(db: &Db, times: impl Iterator<Item = i64>) -> Result<(), sqlx::Error> {
    if db.backend() != Backend::Postgres {
        return Ok(());
    }
    let mut months: Vec<i32> = times.map(month_of).collect();
    months.sort_unstable();
    months.dedup();
    ensure(db, &months).await
}

/// This month's partition and the next [`MONTHS_AHEAD`] months'.
pub async fn ensure_ahead(db: &Db, now: i64) -> Result<(), sqlx::Error> {
    if db.backend() != Backend::Postgres {
        return Ok(());
    }
    let this = month_of(now);
    let months: Vec<i32> = (this..=this + MONTHS_AHEAD).collect();
    ensure(db, &months).await
}

async fn ensure(db: &Db, months: &[i32]) -> Result<(), sqlx::Error> {
    if months.is_empty() {
        return Ok(());
    }
    // Which exist: one catalogue query for the batch's months.
    let names: Vec<String> = months.iter().map(|m| name(*m)).collect();
    let existing: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid \
         WHERE i.inhparent = 'pings'::regclass AND c.relname = ANY(string_to_array($1, ','))",
    )
    .bind(names.join(","))
    .fetch_all(db.pool())
    .await?;
    let missing: Vec<i32> = months
        .iter()
        .copied()
        .filter(|m| !existing.contains(&name(*m)))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    // One creator at a time, across servers: the lock is the transaction's.
    let mut tx = db.pool().begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('vigia.pings.partitions'))")
        .execute(&mut *tx)
        .await?;
    for m in missing {
        sqlx::query(&format!(
            "CREATE TABLE IF NOT EXISTS {} PARTITION OF pings FOR VALUES FROM ({}) TO ({})",
            name(m),
            month_start(m),
            month_start(m + 1)
        ))
        .execute(&mut *tx)
        .await?;
        tracing::info!(partition = %name(m), "made a month's partition for pings");
    }
    tx.commit().await
}

/// PostgreSQL's partitions of pings, each with the first millisecond after
/// its month.
pub async fn existing(db: &Db) -> Result<Vec<(String, i64)>, sqlx::Error> {
    if db.backend() != Backend::Postgres {
        return Ok(Vec::new());
    }
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid \
         WHERE i.inhparent = 'pings'::regclass ORDER BY 1",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(names
        .into_iter()
        .filter_map(|n| {
            let m = parse_name(&n)?;
            Some((n, month_start(m + 1)))
        })
        .collect())
}

/// The month of a partition's name (`pings_y2013m04`), as [`month_of`]
/// counts.
fn parse_name(name: &str) -> Option<i32> {
    let rest = name.strip_prefix("pings_y")?;
    let (year, month) = rest.split_once('m')?;
    let (year, month): (i32, i32) = (year.parse().ok()?, month.parse().ok()?);
    (1..=12).contains(&month).then_some(year * 12 + month - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_utc_calendar_months() {
        let april = month_of(1_366_121_000_000); // 2013-04-16
        assert_eq!(name(april), "pings_y2013m04");
        assert_eq!(month_start(april), 1_364_774_400_000); // 2013-04-01T00:00Z
        assert_eq!(name(april + 9), "pings_y2014m01");
        assert_eq!(month_of(month_start(april) - 1), april - 1);
        assert_eq!(month_of(month_start(april)), april);
        assert_eq!(parse_name("pings_y2013m04"), Some(april));
        assert_eq!(parse_name("pings_y2013m13"), None);
        assert_eq!(parse_name("pings"), None);
    }
}
