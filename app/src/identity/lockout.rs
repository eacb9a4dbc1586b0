//! Failed sign-ins, counted so that they cannot be turned into a weapon
//! (CJIS 5.9 AC-7, OWASP ASVS 2.2.1):
//!
//! - an account is locked after [`MAX_FAILURES`] failures within
//!   [`FAILURE_WINDOW_MS`], for [`FIRST_LOCK_MS`], twice as long for each
//!   lock in a row, up to [`MAX_LOCK_MS`]; the lock ends by itself, does not
//!   end the account's open sessions, and a good sign-in starts the count
//!   anew (an administrator's lock on purpose is disabling the account);
//! - an address with [`ADDRESS_LIMIT`] failures within [`ADDRESS_WINDOW_MS`]
//!   is answered 429 until its window ends, whatever names it tries;
//! - failures reach the audit trail collapsed: one record per subject (the
//!   account, or for a name that is no account the address it came from),
//!   reason and minute, with the count; what was typed as a username that
//!   is no account is never kept.

use serde_json::json;
use sqlx::Row;

use crate::audit::{AuditAction, AuditEntry, AuditedTx};
use crate::error::AppError;
use crate::policy::Principal;
use crate::store::Db;

/// Failed sign-ins that lock an account…
pub const MAX_FAILURES: i64 = 5;
/// …when they fall within this window.
pub const FAILURE_WINDOW_MS: i64 = 15 * MINUTE_MS;
/// The first lock's length; each lock in a row lasts twice the one before…
pub const FIRST_LOCK_MS: i64 = 15 * MINUTE_MS;
/// …up to a day.
pub const MAX_LOCK_MS: i64 = 24 * 60 * MINUTE_MS;
/// Failed sign-ins from one address that make it wait…
pub const ADDRESS_LIMIT: i64 = 20;
/// …within one window of this length (the wait: to the window's end).
pub const ADDRESS_WINDOW_MS: i64 = 15 * MINUTE_MS;
/// Closed minutes of failures from addresses beyond this many become one
/// record between them (a flood from many addresses).
pub const ADDRESS_RECORDS_PER_MINUTE: usize = 100;

const MINUTE_MS: i64 = 60_000;

/// How long the `n`th lock in a row lasts (`n` from 1).
pub fn lock_length(n: i64) -> i64 {
    let doublings = (n.max(1) - 1).min(16) as u32;
    FIRST_LOCK_MS
        .saturating_mul(1 << doublings)
        .min(MAX_LOCK_MS)
}

/// Who a failure is counted on in the trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject<'a> {
    /// An account, by its username.
    Account(&'a str),
    /// A name that is no account: only the address it came from.
    Address(&'a str),
}

impl Subject<'_> {
    fn key(&self) -> String {
        match self {
            Subject::Account(name) => format!("user:{name}"),
            Subject::Address(ip) => format!("ip:{ip}"),
        }
    }
}

/// Why a sign-in failed, as the trail names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// A username no account can have (too long, other characters).
    MalformedName,
    UnknownUser,
    WrongPassword,
    WrongCode,
    Disabled,
    Locked,
    /// The address is over its limit: answered 429.
    AddressThrottled,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::MalformedName => "malformed username",
            Reason::UnknownUser => "unknown user",
            Reason::WrongPassword => "wrong password",
            Reason::WrongCode => "wrong second-factor code",
            Reason::Disabled => "account disabled",
            Reason::Locked => "account locked",
            Reason::AddressThrottled => "address throttled",
        }
    }
}

fn address_window(now: i64) -> i64 {
    now.div_euclid(ADDRESS_WINDOW_MS) * ADDRESS_WINDOW_MS
}

/// When the address may try again (ms from now), if it is over its limit.
pub(crate) async fn address_wait(db: &Db, ip: &str, now: i64) -> Result<Option<i64>, AppError> {
    let window = address_window(now);
    let failures: Option<i64> = sqlx::query_scalar(
        "SELECT failures FROM sign_in_address_windows WHERE ip = $1 AND window_start = $2",
    )
    .bind(ip)
    .bind(window)
    .fetch_optional(db.pool())
    .await?;
    Ok((failures.unwrap_or(0) >= ADDRESS_LIMIT).then(|| window + ADDRESS_WINDOW_MS - now))
}

/// Counts a failure (or takes one back, with `delta` -1: a try that turned
/// out right) on the address's window.
pub(crate) async fn count_address(
    conn: &mut sqlx::AnyConnection,
    ip: &str,
    now: i64,
    delta: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sign_in_address_windows (ip, window_start, failures) VALUES ($1, $2, $3) \
         ON CONFLICT (ip, window_start) \
         DO UPDATE SET failures = sign_in_address_windows.failures + $3",
    )
    .bind(ip)
    .bind(address_window(now))
    .bind(delta)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Counts a failure in its subject's minute, for the trail.
pub(crate) async fn count_failure(
    conn: &mut sqlx::AnyConnection,
    subject: &Subject<'_>,
    reason: Reason,
    ip: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sign_in_failure_windows (subject, reason, minute, failures, ip, first_at, last_at) \
         VALUES ($1, $2, $3, 1, $4, $5, $5) \
         ON CONFLICT (subject, reason, minute) \
         DO UPDATE SET failures = sign_in_failure_windows.failures + 1, ip = $4, last_at = $5",
    )
    .bind(subject.key())
    .bind(reason.as_str())
    .bind(now.div_euclid(MINUTE_MS))
    .bind(ip)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A failure refused before any account was looked at (a malformed name,
/// a throttled address), counted in a statement of its own.
pub(crate) async fn refuse_early(
    db: &Db,
    subject: &Subject<'_>,
    reason: Reason,
    ip: &str,
    now: i64,
) -> Result<(), AppError> {
    let mut conn = db.pool().acquire().await?;
    count_failure(&mut conn, subject, reason, ip, now).await?;
    if reason != Reason::AddressThrottled {
        count_address(&mut conn, ip, now, 1).await?;
    }
    Ok(())
}

/// Writes one audit record for each closed minute of failed sign-ins (a
/// subject, a reason) with its count, and removes it, in one transaction;
/// beyond [`ADDRESS_RECORDS_PER_MINUTE`] addresses in a minute, the rest
/// become one record between them. Also forgets address windows older than
/// a day. Safe to run on several servers at once. Returns the number of
/// records written.
pub async fn record_failure_windows(db: &Db) -> Result<usize, AppError> {
    let now = crate::time::now_ms();
    let current = now.div_euclid(MINUTE_MS);
    // Old address windows are counters, not records: forgotten as they are.
    sqlx::query("DELETE FROM sign_in_address_windows WHERE window_start < $1")
        .bind(now - 24 * 60 * MINUTE_MS)
        .execute(db.pool())
        .await?;
    let closed: Option<i64> =
        sqlx::query_scalar("SELECT minute FROM sign_in_failure_windows WHERE minute < $1 LIMIT 1")
            .bind(current)
            .fetch_optional(db.pool())
            .await?;
    if closed.is_none() {
        return Ok(0);
    }
    let mut tx = AuditedTx::begin_as(db, &Principal::ANONYMOUS).await?;
    let rows = sqlx::query(
        "DELETE FROM sign_in_failure_windows WHERE minute < $1 \
         RETURNING subject, reason, minute, failures, ip, first_at, last_at",
    )
    .bind(current)
    .fetch_all(tx.conn())
    .await?;
    if rows.is_empty() {
        // Nothing closed (or another server took it): dropping the
        // transaction ends it with nothing written.
        return Ok(0);
    }
    struct Window {
        subject: String,
        reason: String,
        minute: i64,
        failures: i64,
        ip: String,
        first_at: i64,
        last_at: i64,
    }
    let mut windows = rows
        .iter()
        .map(|r| {
            Ok(Window {
                subject: r.try_get(0)?,
                reason: r.try_get(1)?,
                minute: r.try_get(2)?,
                failures: r.try_get(3)?,
                ip: r.try_get(4)?,
                first_at: r.try_get(5)?,
                last_at: r.try_get(6)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    windows.sort_by(|a, b| {
        (a.minute, b.failures, &a.subject, &a.reason)
            .cmp(&(b.minute, a.failures, &b.subject, &b.reason))
    });
    let mut written = 0;
    let mut addresses_in_minute: (i64, usize) = (i64::MIN, 0);
    // The windows of addresses past the limit of a minute, merged.
    let mut rest: Option<(i64, i64, i64, i64, usize)> = None; // minute, failures, first, last, addresses
    for w in &windows {
        let (kind, id) = match w.subject.split_once(':') {
            Some(("user", name)) => ("user", name.to_string()),
            _ => ("address", String::new()),
        };
        if kind == "address" {
            if addresses_in_minute.0 != w.minute {
                addresses_in_minute = (w.minute, 0);
            }
            addresses_in_minute.1 += 1;
            if addresses_in_minute.1 > ADDRESS_RECORDS_PER_MINUTE {
                let r = rest.get_or_insert((w.minute, 0, w.first_at, w.last_at, 0));
                r.1 += w.failures;
                r.2 = r.2.min(w.first_at);
                r.3 = r.3.max(w.last_at);
                r.4 += 1;
                continue;
            }
        }
        tx.audit(&AuditEntry {
            action: AuditAction::SignInFailed,
            object_type: kind,
            object_id: id,
            outcome: "failed",
            ip: w.ip.clone(),
            details: json!({
                "reason": w.reason,
                "failures": w.failures,
                "minute_start": w.minute * MINUTE_MS,
                "first_at": w.first_at,
                "last_at": w.last_at,
            }),
        })
        .await?;
        written += 1;
    }
    if let Some((minute, failures, first_at, last_at, addresses)) = rest {
        tx.audit(&AuditEntry {
            action: AuditAction::SignInFailed,
            object_type: "address",
            object_id: String::new(),
            outcome: "failed",
            ip: "many".into(),
            details: json!({
                "reason": "many addresses",
                "failures": failures,
                "addresses": addresses,
                "minute_start": minute * MINUTE_MS,
                "first_at": first_at,
                "last_at": last_at,
            }),
        })
        .await?;
        written += 1;
    }
    tx.commit().await?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_lock_in_a_row_lasts_twice_the_one_before_up_to_a_day() {
        let minutes: Vec<i64> = (1..=9).map(|n| lock_length(n) / MINUTE_MS).collect();
        assert_eq!(minutes, vec![15, 30, 60, 120, 240, 480, 960, 1440, 1440]);
        assert_eq!(lock_length(1_000), MAX_LOCK_MS);
        assert_eq!(lock_length(0), FIRST_LOCK_MS);
    }
}
