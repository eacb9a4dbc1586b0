//! Storing a checked batch: its cameras looked up by plate, every valid
//! record in one transaction with the batch's audit record, duplicates
//! counted and conflicting identities rejected (and audited).

use axum::body::Bytes;
use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde_json::{json, Value};
use sqlx::Row;

use super::check::*;
use super::*;
use crate::audit::{AuditAction, AuditEntry, AuditedTx};
use crate::ids::CameraId;
use crate::policy::WriteAction;
use crate::store::batch::{bind_all, json_rows, JsonCol, Value as Bind};
use crate::store::{Backend, Db};

/// The cameras of the plates a batch names: each plate's cabin and
/// forward camera ids, looked up without allocating.
#[derive(Default)]
pub(crate) struct Cameras(HashMap<String, [Option<CameraId>; 2]>);

impl Cameras {
    /// The plates' cameras, read in one statement.
    async fn of(
        conn: &mut sqlx::AnyConnection,
        backend: Backend,
        plates: &HashSet<&str>,
    ) -> Result<Cameras, sqlx::Error> {
        let mut found = Cameras::default();
        if plates.is_empty() {
            return Ok(found);
        }
        let rows = rows_where_in(
            conn,
            backend,
            "SELECT v.plate, c.placement, c.id FROM vehicles v LEFT JOIN cameras c ON c.vehicle_id = v.id \
             WHERE v.plate",
            plates.iter().copied(),
        )
        .await?;
        for row in rows {
            let slots = found.0.entry(row.try_get(0)?).or_default();
            let slot = match row.try_get::<Option<String>, _>(1)?.as_deref() {
                Some("cabin") => 0,
                Some(_) => 1,
                None => continue,
            };
            slots[slot] = row.try_get(2)?;
        }
        Ok(found)
    }

    /// Each record with its camera's id, in order; the records whose
    /// camera is unknown go to `rejected`.
    fn resolve_all<'r, T: OnCamera>(
        &self,
        records: &'r [(usize, T)],
        rejected: &mut Vec<Rejection>,
    ) -> Vec<(usize, CameraId, &'r T)> {
        let mut resolved = Vec::with_capacity(records.len());
        for (index, record) in records {
            let (plate, camera) = record.camera();
            match self.resolve(plate, camera) {
                Ok(camera_id) => resolved.push((*index, camera_id, record)),
                Err(error) => rejected.push(Rejection {
                    index: *index,
                    error,
                }),
            }
        }
        resolved
    }

    /// The id of a plate's camera, or the record's rejection.
    fn resolve(&self, plate: &str, camera: CameraPlacement) -> Result<CameraId, String> {
        let slot = match camera {
            CameraPlacement::Cabin => 0,
            CameraPlacement::Forward => 1,
        };
        match self.0.get(plate) {
            Some(slots) => slots[slot].ok_or_else(|| {
                format!("camera: vehicle {plate} has no {} camera", camera.as_str())
            }),
            None => Err(format!("vehicle: unknown vehicle {plate}")),
        }
    }
}

/// The rows of `select` (ending in `WHERE column`) whose column is one of
/// `values`: the values travel as one JSON parameter.
pub(crate) async fn rows_where_in<'v>(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    select: &str,
    values: impl Iterator<Item = &'v str>,
) -> Result<Vec<sqlx::any::AnyRow>, sqlx::Error> {
    let list: Vec<[&str; 1]> = values.map(|v| [v]).collect();
    let sql = format!(
        "{select} IN (SELECT c0 FROM ({}) AS v)",
        json_rows(backend, 1, &[JsonCol::Text])
    );
    sqlx::query(&sql)
        .bind(json_text(&list))
        .fetch_all(&mut *conn)
        .await
}

/// Rows as the JSON text [`json_rows`] reads.
pub(crate) fn json_text<T: Serialize>(rows: &T) -> String {
    serde_json::to_string(rows).expect("plain values always serialize")
}

/// Inserts a batch's new rows in one statement (`sql` with `binds`), as
/// if none of them were stored, and says whether every one went in: the
/// common case, and then the whole work. If some did not (their identity
/// is stored already), the attempt is undone to a savepoint, for the
/// caller to judge the batch against what is stored and insert again.
pub(crate) async fn insert_if_all_new(
    conn: &mut sqlx::AnyConnection,
    sql: &str,
    binds: &[Bind],
    rows: usize,
) -> Result<bool, sqlx::Error> {
    sqlx::query("SAVEPOINT all_new").execute(&mut *conn).await?;
    let inserted = bind_all(sqlx::query(sql), binds)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let all = inserted == rows as u64;
    let end = if all {
        "RELEASE SAVEPOINT all_new"
    } else {
        "ROLLBACK TO SAVEPOINT all_new"
    };
    sqlx::query(end).execute(&mut *conn).await?;
    Ok(all)
}

/// Whoever sends the batch, for the audit trail and the stored rows.
pub struct Sender<'a, A: WriteAction> {
    pub actor: &'a Permit<A>,
    pub ip: &'a str,
    /// A segment that ends more than this long (ms) before it arrives is
    /// late: stored, flagged, and counted in the batch's audit record.
    pub late_after_ms: i64,
}

/// The integrity conflict of a record with what is stored.
pub(crate) fn conflict<A: WriteAction>(
    sender: &Sender<'_, A>,
    object_type: &'static str,
    id: &str,
    index: usize,
    details: Value,
) -> AuditEntry {
    let mut details = details;
    details["index"] = json!(index);
    AuditEntry {
        action: AuditAction::IntegrityConflict,
        object_type,
        object_id: id.to_string(),
        outcome: "denied",
        ip: sender.ip.to_string(),
        details,
    }
}

pub(crate) fn unavailable(e: sqlx::Error) -> BatchError {
    tracing::error!(error = %e, "ingest batch failed: nothing of it was stored");
    BatchError::Unavailable
}

/// A record that names a car's camera.
pub(crate) trait OnCamera {
    fn camera(&self) -> (&str, CameraPlacement);
}

impl OnCamera for Segment {
    fn camera(&self) -> (&str, CameraPlacement) {
        (&self.plate, self.camera)
    }
}

impl OnCamera for Heartbeat {
    fn camera(&self) -> (&str, CameraPlacement) {
        (&self.plate, self.camera)
    }
}

/// Takes the ingest lock in the batch's transaction and finds the cameras
/// of `checked`; the records whose camera is unknown go to `rejected`.
pub(crate) async fn lock_and_resolve<'r, T: OnCamera>(
    tx: &mut AuditedTx,
    checked: &'r [(usize, T)],
    rejected: &mut Vec<Rejection>,
) -> Result<Vec<(usize, CameraId, &'r T)>, sqlx::Error> {
    let plates: HashSet<&str> = checked.iter().map(|(_, r)| r.camera().0).collect();
    let backend = tx.backend();
    // Serialises batches: two carrying the same new identity must not both
    // take it for new (SQLite's write lock does this already).
    sqlx::query("UPDATE change_counters SET version = version + 1 WHERE name = 'fleet_ingest'")
        .execute(tx.conn())
        .await?;
    let cameras = Cameras::of(tx.conn(), backend, &plates).await?;
    Ok(cameras.resolve_all(checked, rejected))
}

/// What storing a batch came to: the answer, and whether anything changed
/// (new records or audited conflicts), so that there is something to commit.
pub(crate) struct Stored {
    pub(crate) answer: BatchAnswer,
    pub(crate) changed: bool,
}

/// Begins a batch's own transaction (the ingest endpoints' way).
pub(crate) async fn begin<A: WriteAction>(
    db: &Db,
    sender: &Sender<'_, A>,
) -> Result<AuditedTx, BatchError> {
    AuditedTx::begin(db, sender.actor)
        .await
        .map_err(unavailable)
}

/// Commits a batch's own transaction when it changed something; the
/// answer lists the first rejections and counts the rest.
pub(crate) async fn commit(tx: AuditedTx, stored: Stored) -> Result<BatchAnswer, BatchError> {
    if stored.changed {
        tx.commit().await.map_err(|e| {
            tracing::error!(error = %e, "ingest batch did not commit");
            BatchError::Unavailable
        })?;
    }
    let mut answer = stored.answer;
    answer.bound_rejections();
    Ok(answer)
}

/// Parses and checks a body on a blocking thread: up to 16 MiB of JSON is
/// tens of milliseconds of work that would otherwise hold up one of the
/// workers serving every page.
pub(crate) async fn check_off_workers<T, V>(
    body: Bytes,
    framing: Framing,
    diagnose: fn(&Value) -> String,
    check: fn(T, i64) -> Result<V, String>,
    now: i64,
) -> Result<(BatchAnswer, Vec<(usize, V)>), BatchError>
where
    T: serde::de::DeserializeOwned + 'static,
    V: Send + 'static,
{
    tokio::task::spawn_blocking(move || check_all(&body, framing, diagnose, check, now))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "checking a batch failed");
            BatchError::Unavailable
        })?
}

/// Stores a batch of footage-segment references in a transaction of its
/// own. `sender.actor` is an API client the policy allowed `IngestFootage`.
#[tracing::instrument(skip_all, fields(actor = %sender.actor.label(), bytes = body.len()))]
pub async fn ingest_footage(
    db: &Db,
    sender: &Sender<'_, act::IngestFootage>,
    body: Bytes,
    framing: Framing,
) -> Result<BatchAnswer, BatchError> {
    let now = crate::time::now_ms();
    let (answer, checked) =
        check_off_workers(body, framing, diagnose_footage, check_segment, now).await?;
    let mut tx = begin(db, sender).await?;
    let stored = store_footage(&mut tx, sender, answer, &checked, now).await?;
    commit(tx, stored).await
}

/// Stores a batch of footage-segment references in `tx`, a transaction of
/// the caller's (the demo loader's), as having arrived at `now`; the caller
/// commits.
pub async fn ingest_footage_in(
    tx: &mut AuditedTx,
    sender: &Sender<'_, act::IngestFootage>,
    body: &[u8],
    framing: Framing,
    now: i64,
) -> Result<BatchAnswer, BatchError> {
    let (answer, checked) = check_all(body, framing, diagnose_footage, check_segment, now)?;
    Ok(store_footage(tx, sender, answer, &checked, now)
        .await?
        .answer)
}

/// The common batch is all new: its rows go straight in with `ON CONFLICT
/// DO NOTHING`, and if every one of them went in, that was the whole work.
/// Only when some identity is stored already is that attempt rolled back to
/// a savepoint and the batch judged against what is stored.
async fn store_footage(
    tx: &mut AuditedTx,
    sender: &Sender<'_, act::IngestFootage>,
    mut answer: BatchAnswer,
    checked: &[(usize, Segment)],
    now: i64,
) -> Result<Stored, BatchError> {
    let backend = tx.backend();
    let resolved = lock_and_resolve(tx, checked, &mut answer.rejected)
        .await
        .map_err(unavailable)?;
    let client_id = sender.actor.api_client_id();
    let late_before = now - sender.late_after_ms;
    // A camera's footage comes through the client it is registered to.
    let (resolved, foreign) = registered_client_only(tx, sender, resolved, &mut answer.rejected)
        .await
        .map_err(unavailable)?;
    let insert = format!(
        "INSERT INTO footage_segments \
         (segment, camera_id, starts_at, ends_at, uri, sha256, bytes, received_at, client_id, late) \
         SELECT c0, c1, c2, c3, c4, c5, c6, $2, $3, CASE WHEN c3 < $4 THEN 1 ELSE 0 END \
         FROM ({}) AS r WHERE true \
         ON CONFLICT (segment) DO NOTHING",
        json_rows(
            backend,
            1,
            &[
                JsonCol::Text,
                JsonCol::Int,
                JsonCol::Int,
                JsonCol::Int,
                JsonCol::Text,
                JsonCol::Text,
                JsonCol::Int
            ]
        )
    );
    let store = async {
        // First as if nothing were stored.
        let mut judged = judge_segments(sender, &resolved, &HashMap::new());
        if !judged.rows.is_empty() {
            let binds = |rows: &[SegmentRow<'_>]| {
                vec![
                    Bind::Text(json_text(&rows)),
                    Bind::Int(now),
                    Bind::NullableInt(client_id),
                    Bind::Int(late_before),
                ]
            };
            if !insert_if_all_new(tx.conn(), &insert, &binds(&judged.rows), judged.rows.len())
                .await?
            {
                let stored = stored_segments(tx.conn(), backend, &judged.rows).await?;
                judged = judge_segments(sender, &resolved, &stored);
                if !judged.rows.is_empty() {
                    bind_all(sqlx::query(&insert), &binds(&judged.rows))
                        .execute(tx.conn())
                        .await?;
                }
            }
            let latest: Vec<(CameraId, i64)> =
                judged.latest.iter().map(|(c, t)| (*c, *t)).collect();
            mark_cameras(tx.conn(), backend, &latest, None).await?;
            crate::fleet::coverage::keep::add_footage(
                tx.conn(),
                backend,
                judged.rows.iter().map(|r| (r.1, r.2, r.3)),
            )
            .await?;
            if let Some(client) = client_id {
                // The first client that sends a camera's footage is the
                // one it is registered to from then on.
                let cameras: Vec<[CameraId; 1]> = judged.latest.keys().map(|c| [*c]).collect();
                sqlx::query(&format!(
                    "UPDATE cameras SET client_id = $1 WHERE client_id IS NULL \
                     AND id IN (SELECT c0 FROM ({}) AS j)",
                    json_rows(backend, 2, &[JsonCol::Int])
                ))
                .bind(client)
                .bind(json_text(&cameras))
                .execute(tx.conn())
                .await?;
            }
        }
        Ok::<_, sqlx::Error>(judged)
    };
    let mut judged = store.await.map_err(unavailable)?;
    judged.conflicts.extend(foreign);
    answer.accepted = judged.rows.len() as u64;
    answer.duplicates = judged.duplicates;
    answer.rejected.extend(judged.rejected);
    answer.rejected.sort_by_key(|r| r.index);
    if judged.rows.is_empty() && judged.conflicts.is_empty() {
        // Nothing changed: nothing to commit, nothing to audit.
        return Ok(Stored {
            answer,
            changed: false,
        });
    }
    let late = judged.rows.iter().filter(|r| r.3 < late_before).count() as u64;
    record_batch(
        tx,
        sender,
        AuditAction::FootageIngested,
        &answer,
        judged.conflicts,
        now,
        late,
    )
    .await?;
    Ok(Stored {
        answer,
        changed: true,
    })
}

/// Keeps the records whose camera is registered to the sending client (or
/// to none yet); the others are rejected, each with an audit record. The
/// demo loader, which is no client, is not held to it.
async fn registered_client_only<'r>(
    tx: &mut AuditedTx,
    sender: &Sender<'_, act::IngestFootage>,
    resolved: Vec<(usize, CameraId, &'r Segment)>,
    rejected: &mut Vec<Rejection>,
) -> Result<(Vec<(usize, CameraId, &'r Segment)>, Vec<AuditEntry>), sqlx::Error> {
    let Some(client) = sender.actor.api_client_id() else {
        return Ok((resolved, Vec::new()));
    };
    let ids: Vec<[CameraId; 1]> = {
        let set: HashSet<CameraId> = resolved.iter().map(|r| r.1).collect();
        set.into_iter().map(|c| [c]).collect()
    };
    if ids.is_empty() {
        return Ok((resolved, Vec::new()));
    }
    let backend = tx.backend();
    let registered: HashMap<CameraId, i64> = sqlx::query(&format!(
        "SELECT c.id, c.client_id FROM cameras c \
         WHERE c.client_id IS NOT NULL AND c.id IN (SELECT c0 FROM ({}) AS j)",
        json_rows(backend, 1, &[JsonCol::Int])
    ))
    .bind(json_text(&ids))
    .fetch_all(tx.conn())
    .await?
    .iter()
    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
    .collect::<Result<_, sqlx::Error>>()?;
    let mut kept = Vec::with_capacity(resolved.len());
    let mut foreign = Vec::new();
    for r in resolved {
        match registered.get(&r.1) {
            Some(owner) if *owner != client => {
                let camera = format!("{} {}", r.2.plate, r.2.camera.as_str());
                rejected.push(Rejection {
                    index: r.0,
                    error: format!("camera: {camera} sends its footage through another API client"),
                });
                let mut entry = conflict(
                    sender,
                    "camera",
                    &camera,
                    r.0,
                    json!({ "segment": r.2.segment, "registered_client": owner }),
                );
                entry.action = AuditAction::ForeignClient;
                foreign.push(entry);
            }
            _ => kept.push(r),
        }
    }
    Ok((kept, foreign))
}

/// A footage row as [`json_rows`] reads it: segment, camera id, start,
/// end, URI, SHA-256, bytes.
pub(crate) type SegmentRow<'a> = (&'a str, CameraId, i64, i64, &'a str, &'a str, i64);

/// What a batch's segments come to against what is stored.
pub(crate) struct Judged<'a> {
    /// The new rows to insert.
    pub(crate) rows: Vec<SegmentRow<'a>>,
    /// Each camera's latest new footage end.
    pub(crate) latest: HashMap<CameraId, i64>,
    pub(crate) duplicates: u64,
    pub(crate) rejected: Vec<Rejection>,
    pub(crate) conflicts: Vec<AuditEntry>,
}

/// Sorts resolved segments into new rows, duplicates (of what is stored or
/// of an earlier record of the batch) and integrity conflicts.
pub(crate) fn judge_segments<'a>(
    sender: &Sender<'_, act::IngestFootage>,
    resolved: &[(usize, CameraId, &'a Segment)],
    stored: &HashMap<String, Segment>,
) -> Judged<'a> {
    let mut judged = Judged {
        rows: Vec::with_capacity(resolved.len()),
        latest: HashMap::new(),
        duplicates: 0,
        rejected: Vec::new(),
        conflicts: Vec::new(),
    };
    let mut in_batch: HashMap<&str, &Segment> = HashMap::with_capacity(resolved.len());
    for &(index, camera_id, s) in resolved {
        let earlier = stored
            .get(&s.segment)
            .or_else(|| in_batch.get(s.segment.as_str()).copied());
        if let Some(earlier) = earlier {
            if earlier == s {
                judged.duplicates += 1;
            } else {
                let (error, details) = segment_conflict(earlier, s);
                judged.rejected.push(Rejection { index, error });
                judged.conflicts.push(conflict(
                    sender,
                    "footage_segment",
                    &s.segment,
                    index,
                    details,
                ));
            }
            continue;
        }
        in_batch.insert(&s.segment, s);
        judged.rows.push((
            s.segment.as_str(),
            camera_id,
            s.starts_at,
            s.ends_at,
            s.uri.as_str(),
            s.sha256.as_str(),
            s.bytes,
        ));
        let end = judged.latest.entry(camera_id).or_insert(s.ends_at);
        *end = (*end).max(s.ends_at);
    }
    judged
}

/// The stored segments under the identities of `rows`.
pub(crate) async fn stored_segments(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    rows: &[SegmentRow<'_>],
) -> Result<HashMap<String, Segment>, sqlx::Error> {
    let found = rows_where_in(
        conn,
        backend,
        "SELECT f.segment, v.plate, c.placement, f.starts_at, f.ends_at, f.uri, f.sha256, f.bytes \
         FROM footage_segments f JOIN cameras c ON c.id = f.camera_id JOIN vehicles v ON v.id = c.vehicle_id \
         WHERE f.segment",
        rows.iter().map(|r| r.0),
    )
    .await?;
    let mut stored = HashMap::with_capacity(found.len());
    for row in found {
        let s = Segment {
            segment: row.try_get(0)?,
            plate: row.try_get(1)?,
            camera: if row.try_get::<String, _>(2)? == "cabin" {
                CameraPlacement::Cabin
            } else {
                CameraPlacement::Forward
            },
            starts_at: row.try_get(3)?,
            ends_at: row.try_get(4)?,
            uri: row.try_get(5)?,
            sha256: row.try_get(6)?,
            bytes: row.try_get(7)?,
        };
        stored.insert(s.segment.clone(), s);
    }
    Ok(stored)
}

/// The message and audit details of a segment that reuses a stored
/// identity with other content: the first field that differs.
pub(crate) fn segment_conflict(stored: &Segment, offered: &Segment) -> (String, Value) {
    let id = &offered.segment;
    let differs = if stored.sha256 != offered.sha256 {
        "sha256"
    } else if stored.plate != offered.plate || stored.camera != offered.camera {
        "camera"
    } else if stored.starts_at != offered.starts_at || stored.ends_at != offered.ends_at {
        "start"
    } else if stored.uri != offered.uri {
        "uri"
    } else {
        "bytes"
    };
    let error = if differs == "sha256" {
        format!(
            "integrity: segment {id} is stored with sha256 {}; this record's is {}",
            stored.sha256, offered.sha256
        )
    } else {
        format!("integrity: segment {id} is stored with another {differs}")
    };
    let details = json!({
        "differs": differs,
        "stored_sha256": stored.sha256,
        "offered_sha256": offered.sha256,
        "stored_uri": stored.uri,
        "offered_uri": offered.uri,
    });
    (error, details)
}

/// Moves each camera's last footage time (or, with `statuses`, its last
/// heartbeat's time and status) forward to the batch's latest: one
/// statement for the whole batch.
pub(crate) async fn mark_cameras(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    latest: &[(CameraId, i64)],
    statuses: Option<&[&str]>,
) -> Result<(), sqlx::Error> {
    if latest.is_empty() {
        return Ok(());
    }
    use JsonCol::{Int, Text};
    let (sql, json) = match statuses {
        None => (
            format!(
                "UPDATE cameras SET last_footage_at = j.c1 FROM ({}) AS j \
                 WHERE cameras.id = j.c0 AND (cameras.last_footage_at IS NULL OR cameras.last_footage_at < j.c1)",
                json_rows(backend, 1, &[Int, Int])
            ),
            json_text(&latest),
        ),
        Some(statuses) => (
            format!(
                "UPDATE cameras SET last_status_at = j.c1, last_status = j.c2 FROM ({}) AS j \
                 WHERE cameras.id = j.c0 AND (cameras.last_status_at IS NULL OR cameras.last_status_at < j.c1)",
                json_rows(backend, 1, &[Int, Int, Text])
            ),
            json_text(
                &latest
                    .iter()
                    .zip(statuses)
                    .map(|((c, t), s)| (c, t, s))
                    .collect::<Vec<_>>(),
            ),
        ),
    };
    sqlx::query(&sql).bind(json).execute(&mut *conn).await?;
    Ok(())
}

/// Audits the batch (and each integrity conflict) and notes the client's
/// use, in the batch's transaction.
pub(crate) async fn record_batch<A: WriteAction>(
    tx: &mut AuditedTx,
    sender: &Sender<'_, A>,
    action: AuditAction,
    answer: &BatchAnswer,
    conflicts: Vec<AuditEntry>,
    now: i64,
    late: u64,
) -> Result<(), BatchError> {
    let store = async {
        for entry in &conflicts {
            tx.audit(entry).await?;
        }
        if answer.accepted > 0 {
            tx.audit(&AuditEntry {
                action,
                object_type: "batch",
                object_id: String::new(),
                outcome: "ok",
                ip: sender.ip.to_string(),
                details: {
                    let mut d = json!({
                        "accepted": answer.accepted,
                        "duplicates": answer.duplicates,
                        "rejected": answer.rejected_total(),
                    });
                    if late > 0 {
                        // Old coverage filled in after the fact: said so.
                        d["late"] = json!(late);
                    }
                    d
                },
            })
            .await?;
        }
        if let Some(id) = sender.actor.api_client_id() {
            sqlx::query("UPDATE api_clients SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(tx.conn())
                .await?;
        }
        Ok::<_, sqlx::Error>(())
    };
    store.await.map_err(unavailable)
}

/// Stores a batch of camera heartbeats in a transaction of its own.
/// `sender.actor` is an API client the policy allowed `IngestHeartbeats`.
#[tracing::instrument(skip_all, fields(actor = %sender.actor.label(), bytes = body.len()))]
pub async fn ingest_heartbeats(
    db: &Db,
    sender: &Sender<'_, act::IngestHeartbeats>,
    body: Bytes,
    framing: Framing,
) -> Result<BatchAnswer, BatchError> {
    let now = crate::time::now_ms();
    let (answer, checked) =
        check_off_workers(body, framing, diagnose_heartbeat, check_heartbeat, now).await?;
    let mut tx = begin(db, sender).await?;
    let stored = store_heartbeats(&mut tx, sender, answer, &checked, now).await?;
    commit(tx, stored).await
}

/// Stores a batch of camera heartbeats in `tx`, a transaction of the
/// caller's (the demo loader's), as having arrived at `now`; the caller
/// commits.
pub async fn ingest_heartbeats_in(
    tx: &mut AuditedTx,
    sender: &Sender<'_, act::IngestHeartbeats>,
    body: &[u8],
    framing: Framing,
    now: i64,
) -> Result<BatchAnswer, BatchError> {
    let (answer, checked) = check_all(body, framing, diagnose_heartbeat, check_heartbeat, now)?;
    Ok(store_heartbeats(tx, sender, answer, &checked, now)
        .await?
        .answer)
}

async fn store_heartbeats(
    tx: &mut AuditedTx,
    sender: &Sender<'_, act::IngestHeartbeats>,
    mut answer: BatchAnswer,
    checked: &[(usize, Heartbeat)],
    now: i64,
) -> Result<Stored, BatchError> {
    let backend = tx.backend();
    let resolved = lock_and_resolve(tx, checked, &mut answer.rejected)
        .await
        .map_err(unavailable)?;
    let mut stored: HashMap<(CameraId, i64), String> = HashMap::new();
    if !resolved.is_empty() {
        let keys: Vec<(CameraId, i64)> = resolved.iter().map(|(_, c, h)| (*c, h.ts)).collect();
        let sql = format!(
            "SELECT camera_id, ts, status FROM camera_heartbeats \
             WHERE (camera_id, ts) IN (SELECT c0, c1 FROM ({}) AS k)",
            json_rows(backend, 1, &[JsonCol::Int, JsonCol::Int])
        );
        let found = sqlx::query(&sql)
            .bind(json_text(&keys))
            .fetch_all(tx.conn())
            .await
            .map_err(unavailable)?;
        for row in found {
            let key = (
                row.try_get(0).map_err(unavailable)?,
                row.try_get(1).map_err(unavailable)?,
            );
            stored.insert(key, row.try_get(2).map_err(unavailable)?);
        }
    }

    let client_id = sender.actor.api_client_id();
    let mut rows: Vec<(CameraId, i64, &str)> = Vec::new();
    let mut latest: HashMap<CameraId, (i64, &'static str)> = HashMap::new();
    let mut conflicts = Vec::new();
    for (index, camera_id, h) in resolved {
        let key = (camera_id, h.ts);
        if let Some(status) = stored.get(&key) {
            if status == h.status.as_str() {
                answer.duplicates += 1;
            } else {
                let id = format!("{}/{}/{}", h.plate, h.camera.as_str(), h.ts);
                answer.rejected.push(Rejection {
                    index,
                    error: format!(
                        "integrity: the heartbeat of {} {} at this ts is stored with status {status}; this record says {}",
                        h.plate,
                        h.camera.as_str(),
                        h.status.as_str()
                    ),
                });
                conflicts.push(conflict(
                    sender,
                    "camera_heartbeat",
                    &id,
                    index,
                    json!({ "stored_status": status, "offered_status": h.status.as_str() }),
                ));
            }
            continue;
        }
        stored.insert(key, h.status.as_str().to_string());
        rows.push((camera_id, h.ts, h.status.as_str()));
        let last = latest.entry(camera_id).or_insert((h.ts, h.status.as_str()));
        if h.ts > last.0 {
            *last = (h.ts, h.status.as_str());
        }
    }
    answer.accepted = rows.len() as u64;
    answer.rejected.sort_by_key(|r| r.index);
    if rows.is_empty() && conflicts.is_empty() {
        return Ok(Stored {
            answer,
            changed: false,
        });
    }
    if !rows.is_empty() {
        use JsonCol::{Int, Text};
        let sql = format!(
            "INSERT INTO camera_heartbeats (camera_id, ts, status, received_at, client_id) \
             SELECT c0, c1, c2, $2, $3 FROM ({}) AS r",
            json_rows(backend, 1, &[Int, Int, Text])
        );
        sqlx::query(&sql)
            .bind(json_text(&rows))
            .bind(now)
            .bind(client_id)
            .execute(tx.conn())
            .await
            .map_err(unavailable)?;
        let (latest, statuses): (Vec<(CameraId, i64)>, Vec<&str>) =
            latest.into_iter().map(|(c, (t, s))| ((c, t), s)).unzip();
        mark_cameras(tx.conn(), backend, &latest, Some(&statuses))
            .await
            .map_err(unavailable)?;
        crate::fleet::coverage::keep::add_heartbeats(
            tx.conn(),
            backend,
            rows.iter()
                .map(|(c, ts, status)| (*c, *ts, *status == "online")),
        )
        .await
        .map_err(unavailable)?;
    }
    record_batch(
        tx,
        sender,
        AuditAction::HeartbeatsIngested,
        &answer,
        conflicts,
        now,
        0,
    )
    .await?;
    Ok(Stored {
        answer,
        changed: true,
    })
}
