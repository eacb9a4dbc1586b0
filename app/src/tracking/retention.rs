//! Ping retention (`VIGIA_PING_RETENTION_DAYS`; by default every ping is
//! kept): pings older than the setting are removed, audited. PostgreSQL
//! drops whole monthly partitions once all of a month is older than the
//! limit; SQLite deletes chip by chip, a few thousand chips a transaction,
//! each transaction with its audit record, so that no writer waits long.
//!
//! Pings inside a track window linked as evidence to a case are kept
//! whatever their age: a month that holds any is emptied around them
//! instead of dropped, and SQLite's deletes pass them over.

use serde_json::json;
use sqlx::Row;

use crate::audit::{AuditAction, AuditEntry, AuditedTx};
use crate::error::AppError;
use crate::policy::Principal;
use crate::store::{Backend, Db};

/// Whether ping `p` lies in a track window linked as evidence to a case.
const KEPT: &str = "EXISTS (SELECT 1 FROM case_evidence e WHERE e.kind = 'track' \
    AND e.officer_id = p.officer_id AND e.track_from <= p.ts AND e.track_to >= p.ts)";

/// Chips whose old pings one SQLite transaction removes.
const CHIPS_PER_TRANSACTION: usize = 2_000;

/// What a run removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expired {
    pub pings: u64,
    /// PostgreSQL's partitions dropped.
    pub partitions: Vec<String>,
}

/// Removes the pings older than `days` days before `now`.
pub async fn apply(db: &Db, days: u32, now: i64) -> Result<Expired, AppError> {
    let before = now - i64::from(days) * 86_400_000;
    match db.backend() {
        Backend::Postgres => drop_partitions(db, before).await,
        Backend::Sqlite => delete_by_chip(db, before).await,
    }
}

async fn drop_partitions(db: &Db, before: i64) -> Result<Expired, AppError> {
    let mut expired = Expired::default();
    for (name, upper) in super::partitions::existing(db).await? {
        if upper > before {
            continue;
        }
        let mut tx = AuditedTx::begin_as(db, &Principal::system()).await?;
        // The month to itself: a link being made reads the pings it rests
        // on, so this waits for it to commit (and is then seen below),
        // and a link begun after waits for this.
        sqlx::query(&format!("LOCK TABLE {name} IN ACCESS EXCLUSIVE MODE"))
            .execute(tx.conn())
            .await?;
        let evidence: i64 = sqlx::query(&format!("SELECT COUNT(*) FROM {name} p WHERE {KEPT}"))
            .fetch_one(tx.conn())
            .await?
            .try_get(0)?;
        let (rows, dropped) = if evidence == 0 {
            let rows: i64 = sqlx::query(&format!("SELECT COUNT(*) FROM {name}"))
                .fetch_one(tx.conn())
                .await?
                .try_get(0)?;
            sqlx::query(&format!("DROP TABLE {name}"))
                .execute(tx.conn())
                .await?;
            (rows as u64, true)
        } else {
            let rows = sqlx::query(&format!("DELETE FROM {name} p WHERE NOT {KEPT}"))
                .execute(tx.conn())
                .await?
                .rows_affected();
            (rows, false)
        };
        if !dropped && rows == 0 {
            // Only evidence left: nothing to do or to record.
            drop(tx);
            continue;
        }
        tx.audit(&AuditEntry {
            action: AuditAction::PingsExpired,
            object_type: "ping_partition",
            object_id: name.clone(),
            outcome: "ok",
            ip: "local".into(),
            details: json!({ "before": before, "pings": rows, "kept_as_evidence": evidence, "dropped": dropped }),
        })
        .await?;
        tx.commit().await?;
        tracing::info!(partition = %name, pings = rows, kept = evidence, dropped, "expired a month of pings");
        expired.pings += rows;
        if dropped {
            expired.partitions.push(name);
        }
    }
    Ok(expired)
}

async fn delete_by_chip(db: &Db, before: i64) -> Result<Expired, AppError> {
    let mut expired = Expired::default();
    let chips: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM badges WHERE EXISTS (SELECT 1 FROM pings p WHERE p.badge_id = badges.id AND p.ts < $1) \
         ORDER BY id",
    )
    .bind(before)
    .fetch_all(db.pool())
    .await?;
    for group in chips.chunks(CHIPS_PER_TRANSACTION) {
        let mut tx = AuditedTx::begin_as(db, &Principal::system()).await?;
        let mut removed = 0u64;
        for chip in group {
            // The primary key (badge, ts) finds each chip's old pings.
            removed += sqlx::query(&format!(
                "DELETE FROM pings AS p WHERE p.badge_id = $1 AND p.ts < $2 AND NOT {KEPT}"
            ))
            .bind(chip)
            .bind(before)
            .execute(tx.conn())
            .await?
            .rows_affected();
        }
        if removed == 0 {
            // Only evidence left under these chips: nothing to record.
            drop(tx);
            continue;
        }
        tx.audit(&AuditEntry {
            action: AuditAction::PingsExpired,
            object_type: "pings",
            object_id: String::new(),
            outcome: "ok",
            ip: "local".into(),
            details: json!({ "before": before, "pings": removed, "chips": group.len() }),
        })
        .await?;
        tx.commit().await?;
        expired.pings += removed;
    }
    if expired.pings > 0 {
        tracing::info!(pings = expired.pings, "removed expired pings");
    }
    Ok(expired)
}
