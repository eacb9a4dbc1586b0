//! Storing pings: each chip looked up with the officers who wore it, every
//! valid ping in one transaction with the batch's audit record, duplicates
//! counted, and a known (badge, ts) with other coordinates rejected as an
//! `integrity` conflict and audited (API.md, "Batches").

use std::collections::HashMap;

use axum::body::Bytes;
use serde_json::json;
use sqlx::Row;

use super::check::{check_ping, diagnose_ping};
use super::{cell_of, partitions, Ping, E7};
use crate::audit::{AuditAction, AuditedTx};
use crate::fleet::ingest::store::{
    begin, check_off_workers, commit, conflict, insert_if_all_new, json_text, record_batch,
    rows_where_in, unavailable, Stored,
};
use crate::fleet::ingest::{BatchAnswer, BatchError, Framing, Rejection, Sender};
use crate::policy::act;
use crate::store::batch::{bind_all, json_rows, JsonCol, Value as Bind};
use crate::store::{Backend, Db};

/// How a ping came in, as kept in `pings.channel`; and the name of the
/// field that carries the chip id in that form (for messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// `POST /ingest/pings`: the field is `badge`.
    Batch,
    /// `/osmand`: the field is `id` (query or form) or `device_id` (JSON).
    Osmand { chip_field: &'static str },
}

impl Channel {
    fn as_str(self) -> &'static str {
        match self {
            Channel::Batch => "batch",
            Channel::Osmand { .. } => "osmand",
        }
    }

    fn chip_field(self) -> &'static str {
        match self {
            Channel::Batch => "badge",
            Channel::Osmand { chip_field } => chip_field,
        }
    }
}

/// Stores a batch of pings (JSON array or NDJSON) in a transaction of its
/// own. `sender.actor` is an API client the policy allowed `IngestPings`.
#[tracing::instrument(skip_all, fields(actor = %sender.actor.label(), bytes = body.len()))]
pub async fn ingest_pings(
    db: &Db,
    sender: &Sender<'_, act::IngestPings>,
    body: Bytes,
    framing: Framing,
) -> Result<BatchAnswer, BatchError> {
    let now = crate::time::now_ms();
    let (answer, checked) =
        check_off_workers(body, framing, diagnose_ping, check_ping, now).await?;
    store_checked(db, sender, answer, checked, Channel::Batch, now).await
}

/// Stores pings already read and checked (one from a tracker, or a
/// batch's): the months they fall in get their partitions first, then the
/// pings go in, in one transaction of their own.
pub async fn store_checked(
    db: &Db,
    sender: &Sender<'_, act::IngestPings>,
    answer: BatchAnswer,
    checked: Vec<(usize, Ping)>,
    channel: Channel,
    now: i64,
) -> Result<BatchAnswer, BatchError> {
    partitions::ensure_for(db, checked.iter().map(|(_, p)| p.ts))
        .await
        .map_err(unavailable)?;
    let mut tx = begin(db, sender).await?;
    let stored = store_pings(&mut tx, sender, answer, &checked, channel, now).await?;
    commit(tx, stored).await
}

/// The chips a batch names: each one's id and who wore it when.
#[derive(Default)]
struct Chips(HashMap<String, (i64, Vec<Wearing>)>);

/// One officer's wearing of a chip: from, until (None: still worn).
#[derive(Clone, Copy)]
struct Wearing {
    from: i64,
    to: Option<i64>,
    officer: i64,
}

impl Chips {
    async fn of(
        conn: &mut sqlx::AnyConnection,
        backend: Backend,
        pings: &[(usize, Ping)],
    ) -> Result<Chips, sqlx::Error> {
        let mut names: Vec<&str> = pings.iter().map(|(_, p)| p.chip.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let mut chips = Chips::default();
        if names.is_empty() {
            return Ok(chips);
        }
        let rows = rows_where_in(
            conn,
            backend,
            "SELECT b.chip_id, b.id, a.officer_id, a.valid_from, a.valid_to \
             FROM badges b LEFT JOIN badge_assignments a ON a.badge_id = b.id WHERE b.chip_id",
            names.into_iter(),
        )
        .await?;
        for row in rows {
            let entry = chips
                .0
                .entry(row.try_get(0)?)
                .or_insert_with(|| (0, Vec::new()));
            entry.0 = row.try_get(1)?;
            if let Some(officer) = row.try_get::<Option<i64>, _>(2)? {
                entry.1.push(Wearing {
                    from: row.try_get(3)?,
                    to: row.try_get(4)?,
                    officer,
                });
            }
        }
        Ok(chips)
    }

    /// The chip's id and the officer wearing it at `ts`, if anyone was.
    fn resolve(&self, chip: &str, ts: i64) -> Option<(i64, Option<i64>)> {
        let (id, wearings) = self.0.get(chip)?;
        let officer = wearings
            .iter()
            .find(|w| w.from <= ts && w.to.is_none_or(|to| ts < to))
            .map(|w| w.officer);
        Some((*id, officer))
    }
}

/// A ping row as [`json_rows`] reads it.
type PingRow<'a> = (
    i64,
    i64,
    Option<i64>,
    i64,
    i64,
    i64,
    Option<f64>,
    Option<&'a str>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    i64,
);

fn row(badge: i64, officer: Option<i64>, p: &Ping) -> PingRow<'_> {
    (
        badge,
        p.ts,
        officer,
        p.lat_e7,
        p.lon_e7,
        cell_of(p.lat_e7, p.lon_e7),
        p.accuracy_m,
        p.source.map(|s| s.as_str()),
        p.speed_mps,
        p.bearing_deg,
        p.altitude_m,
        p.battery_pct,
        i64::from(p.mock),
    )
}

/// A stored time as API.md writes times (UTC, seconds, with a fraction
/// only when it has one).
fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        .unwrap_or_else(|| ms.to_string())
}

fn degrees(e7: i64) -> String {
    format!("{:.7}", e7 as f64 / E7)
}

async fn store_pings(
    tx: &mut AuditedTx,
    sender: &Sender<'_, act::IngestPings>,
    mut answer: BatchAnswer,
    checked: &[(usize, Ping)],
    channel: Channel,
    now: i64,
) -> Result<Stored, BatchError> {
    let backend = tx.backend();
    let chips = Chips::of(tx.conn(), backend, checked)
        .await
        .map_err(unavailable)?;
    // Each ping with its chip and wearer; unknown chips are rejected.
    let mut resolved: Vec<(usize, i64, Option<i64>, &Ping)> = Vec::with_capacity(checked.len());
    for (index, p) in checked {
        match chips.resolve(&p.chip, p.ts) {
            Some((badge, officer)) => resolved.push((*index, badge, officer, p)),
            None => answer.rejected.push(Rejection {
                index: *index,
                error: format!("{}: unknown badge {}", channel.chip_field(), p.chip),
            }),
        }
    }
    use JsonCol::{Int, Real, Text};
    let insert = format!(
        "INSERT INTO pings (badge_id, ts, officer_id, lat_e7, lon_e7, cell, accuracy_m, source, \
         speed_mps, bearing_deg, altitude_m, battery_pct, mock, channel, received_at, client_id) \
         SELECT c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, $2, $3, $4 \
         FROM ({}) AS r WHERE true ON CONFLICT (badge_id, ts) DO NOTHING",
        json_rows(
            backend,
            1,
            &[Int, Int, Int, Int, Int, Int, Real, Text, Real, Real, Real, Real, Int]
        )
    );
    let client_id = sender.actor.api_client_id();
    let store = async {
        // First as if nothing were stored: the common case, one statement.
        let mut judged = judge(sender, &resolved, &HashMap::new(), channel);
        if !judged.rows.is_empty() {
            let binds = |rows: &[PingRow<'_>]| {
                vec![
                    Bind::Text(json_text(&rows)),
                    Bind::Text(channel.as_str().to_string()),
                    Bind::Int(now),
                    Bind::NullableInt(client_id),
                ]
            };
            if !insert_if_all_new(tx.conn(), &insert, &binds(&judged.rows), judged.rows.len())
                .await?
            {
                // Some are stored already: judged against what is.
                let stored = stored_positions(tx.conn(), backend, &judged.rows).await?;
                judged = judge(sender, &resolved, &stored, channel);
                if !judged.rows.is_empty() {
                    bind_all(sqlx::query(&insert), &binds(&judged.rows))
                        .execute(tx.conn())
                        .await?;
                }
            }
            mark_badges(tx.conn(), backend, &judged.rows).await?;
        }
        Ok::<_, sqlx::Error>(judged)
    };
    let judged = store.await.map_err(unavailable)?;
    answer.accepted = judged.rows.len() as u64;
    answer.duplicates = judged.duplicates;
    answer.rejected.extend(judged.rejected);
    answer.rejected.sort_by_key(|r| r.index);
    if judged.rows.is_empty() && judged.conflicts.is_empty() {
        return Ok(Stored {
            answer,
            changed: false,
        });
    }
    record_batch(
        tx,
        sender,
        AuditAction::PingsIngested,
        &answer,
        judged.conflicts,
        now,
        0,
    )
    .await?;
    Ok(Stored {
        answer,
        changed: true,
    })
}

/// What a batch's pings come to against what is stored.
struct Judged<'a> {
    rows: Vec<PingRow<'a>>,
    duplicates: u64,
    rejected: Vec<Rejection>,
    conflicts: Vec<crate::audit::AuditEntry>,
}

/// Sorts resolved pings into new rows, duplicates (of what is stored or of
/// an earlier ping of the batch: the same identity and coordinates) and
/// integrity conflicts (the same identity, other coordinates).
fn judge<'a>(
    sender: &Sender<'_, act::IngestPings>,
    resolved: &[(usize, i64, Option<i64>, &'a Ping)],
    stored: &HashMap<(i64, i64), (i64, i64)>,
    channel: Channel,
) -> Judged<'a> {
    let mut judged = Judged {
        rows: Vec::with_capacity(resolved.len()),
        duplicates: 0,
        rejected: Vec::new(),
        conflicts: Vec::new(),
    };
    let mut in_batch: HashMap<(i64, i64), (i64, i64)> = HashMap::with_capacity(resolved.len());
    for &(index, badge, officer, p) in resolved {
        let key = (badge, p.ts);
        let offered = (p.lat_e7, p.lon_e7);
        if let Some(&known) = stored.get(&key).or_else(|| in_batch.get(&key)) {
            if known == offered {
                judged.duplicates += 1;
            } else {
                let at = rfc3339(p.ts);
                judged.rejected.push(Rejection {
                    index,
                    error: format!(
                        "integrity: badge {} has a ping at {at} stored at {}, {}; this record says {}, {}",
                        p.chip,
                        degrees(known.0),
                        degrees(known.1),
                        degrees(offered.0),
                        degrees(offered.1)
                    ),
                });
                judged.conflicts.push(conflict(
                    sender,
                    "ping",
                    &format!("{}/{at}", p.chip),
                    index,
                    json!({
                        "channel": channel.as_str(),
                        "stored": [degrees(known.0), degrees(known.1)],
                        "offered": [degrees(offered.0), degrees(offered.1)],
                    }),
                ));
            }
            continue;
        }
        in_batch.insert(key, offered);
        judged.rows.push(row(badge, officer, p));
    }
    judged
}

/// The stored coordinates under the identities of `rows`.
async fn stored_positions(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    rows: &[PingRow<'_>],
) -> Result<HashMap<(i64, i64), (i64, i64)>, sqlx::Error> {
    let keys: Vec<(i64, i64)> = rows.iter().map(|r| (r.0, r.1)).collect();
    let sql = format!(
        "SELECT badge_id, ts, lat_e7, lon_e7 FROM pings \
         WHERE (badge_id, ts) IN (SELECT c0, c1 FROM ({}) AS k)",
        json_rows(backend, 1, &[JsonCol::Int, JsonCol::Int])
    );
    let found = sqlx::query(&sql)
        .bind(json_text(&keys))
        .fetch_all(&mut *conn)
        .await?;
    let mut stored = HashMap::with_capacity(found.len());
    for row in found {
        stored.insert(
            (row.try_get(0)?, row.try_get(1)?),
            (row.try_get(2)?, row.try_get(3)?),
        );
    }
    Ok(stored)
}

/// Moves each chip's latest ping time (and the battery it reported then)
/// forward to the batch's latest: one statement for the batch.
async fn mark_badges(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    rows: &[PingRow<'_>],
) -> Result<(), sqlx::Error> {
    let mut latest: HashMap<i64, (i64, Option<f64>)> = HashMap::new();
    for r in rows {
        let last = latest.entry(r.0).or_insert((r.1, r.11));
        if r.1 > last.0 {
            *last = (r.1, r.11);
        }
    }
    if latest.is_empty() {
        return Ok(());
    }
    let list: Vec<(i64, i64, Option<f64>)> = latest
        .into_iter()
        .map(|(b, (t, batt))| (b, t, batt))
        .collect();
    let sql = format!(
        "UPDATE badges SET last_ping_at = j.c1, last_battery_pct = COALESCE(j.c2, badges.last_battery_pct) \
         FROM ({}) AS j \
         WHERE badges.id = j.c0 AND (badges.last_ping_at IS NULL OR badges.last_ping_at < j.c1)",
        json_rows(backend, 1, &[JsonCol::Int, JsonCol::Int, JsonCol::Real])
    );
    sqlx::query(&sql)
        .bind(json_text(&list))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Sets again who wore `badge` for its pings from `from` on, after its
/// assignments changed (a chip handed out or returned, perhaps recorded
/// after its pings arrived): in the caller's transaction.
pub(crate) async fn reattribute(
    conn: &mut sqlx::AnyConnection,
    badge: i64,
    from: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE pings SET officer_id = (SELECT a.officer_id FROM badge_assignments a \
           WHERE a.badge_id = pings.badge_id AND a.valid_from <= pings.ts \
             AND (a.valid_to IS NULL OR a.valid_to > pings.ts)) \
         WHERE badge_id = $1 AND ts >= $2",
    )
    .bind(badge)
    .bind(from)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}
