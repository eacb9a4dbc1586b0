//! The machine API's ingest: footage-segment references and camera
//! heartbeats, in batches (server only). API.md is the contract.
//!
//! A batch is judged record by record: every record is parsed, checked and
//! matched to its camera first; then all the valid ones go in together in
//! one transaction, with the batch's audit record. A record whose identity
//! is stored already counts as a duplicate when it says the same, and is
//! rejected as an `integrity` conflict (and audited) when it says otherwise.

use std::collections::{HashMap, HashSet};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::Row;

use crate::audit::{AuditAction, AuditEntry, AuditedTx};
use crate::policy::{act, Permit, WriteAction};
use crate::store::batch::{json_rows, JsonCol};
use crate::store::{Backend, Db};

/// Bodies over this many bytes are refused (`413`).
pub const MAX_BATCH_BYTES: usize = 16 * 1024 * 1024;

/// How far ahead of the server clock a reported time may be.
const FUTURE_SLACK_MS: i64 = 5 * 60 * 1000;
const DAY_MS: i64 = 24 * 3_600_000;

/// Which of a car's two cameras.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CameraPlacement {
    Cabin,
    Forward,
}

impl CameraPlacement {
    pub fn as_str(self) -> &'static str {
        match self {
            CameraPlacement::Cabin => "cabin",
            CameraPlacement::Forward => "forward",
        }
    }
}

/// What a camera says of itself in a heartbeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HeartbeatStatus {
    Online,
    Offline,
    Tamper,
    StorageFault,
}

impl HeartbeatStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HeartbeatStatus::Online => "online",
            HeartbeatStatus::Offline => "offline",
            HeartbeatStatus::Tamper => "tamper",
            HeartbeatStatus::StorageFault => "storage_fault",
        }
    }
}

/// A footage-segment reference, as the control center sends it. The video
/// stays in the control center's storage.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "segment": "GC-PNC0451-FWD-20130416T140000Z", "vehicle": "PNC-0451",
    "camera": "forward", "start": "2013-04-16T14:00:00Z", "end": "2013-04-16T14:05:00Z",
    "uri": "s3://pnc-footage/2013/04/16/x.mp4",
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "bytes": 187654321u64
}))]
pub struct FootageSegmentIn {
    /// The segment's identity: sent again, it changes nothing.
    pub segment: String,
    /// A registered vehicle's plate.
    pub vehicle: String,
    pub camera: CameraPlacement,
    /// RFC 3339 with an offset.
    #[schema(format = DateTime)]
    pub start: String,
    /// After `start`, at most 24 hours later.
    #[schema(format = DateTime)]
    pub end: String,
    pub uri: String,
    /// 64 hexadecimal characters.
    #[schema(pattern = "^[0-9a-fA-F]{64}$")]
    pub sha256: String,
    #[schema(minimum = 0)]
    pub bytes: u64,
}

/// A camera heartbeat.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "vehicle": "PNC-0451", "camera": "cabin", "ts": "2013-04-16T14:03:00Z", "status": "online"
}))]
pub struct HeartbeatIn {
    pub vehicle: String,
    pub camera: CameraPlacement,
    /// RFC 3339 with an offset; identity with vehicle and camera.
    #[schema(format = DateTime)]
    pub ts: String,
    pub status: HeartbeatStatus,
}

/// One record the batch did not store, and why.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
pub struct Rejection {
    /// The record's 0-based position (line number minus one for NDJSON).
    pub index: usize,
    /// The field and the reason, e.g. `end: must be after start`.
    pub error: String,
}

/// The answer to a batch.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct BatchAnswer {
    /// Records stored by this batch.
    pub accepted: u64,
    /// Records already stored with the same content: nothing changed.
    pub duplicates: u64,
    pub rejected: Vec<Rejection>,
}

/// Why a whole batch was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchError {
    /// Neither JSON nor NDJSON (`400`).
    BadBody(String),
    /// The store failed; nothing of the batch was stored (`503`).
    Unavailable,
}

/// How the body says it is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// A JSON array of records.
    JsonArray,
    /// One record per line.
    Ndjson,
}

impl Framing {
    /// From the `Content-Type`; without one (or another), from the body:
    /// an array starts with `[`.
    pub fn of(content_type: Option<&str>, body: &[u8]) -> Framing {
        let mime = content_type
            .and_then(|c| c.split(';').next())
            .map(|m| m.trim().to_ascii_lowercase());
        match mime.as_deref() {
            Some("application/x-ndjson" | "application/ndjson" | "application/jsonl") => {
                Framing::Ndjson
            }
            Some("application/json") => Framing::JsonArray,
            _ => match body.iter().find(|b| !b.is_ascii_whitespace()) {
                Some(b'[') => Framing::JsonArray,
                _ => Framing::Ndjson,
            },
        }
    }
}

/// Each record's position and the record, or why it is not one.
type Parsed<T> = Vec<(usize, Result<T, String>)>;

/// Each record of a body, parsed to `T`, or why not. Blank NDJSON lines are
/// skipped but still counted in the positions.
fn parse_batch<T: DeserializeOwned>(
    body: &[u8],
    framing: Framing,
    diagnose: fn(&Value) -> String,
) -> Result<Parsed<T>, BatchError> {
    let one = |text: &str| -> (bool, Result<T, String>) {
        match serde_json::from_str::<T>(text) {
            Ok(r) => (true, Ok(r)),
            Err(typed) => match serde_json::from_str::<Value>(text) {
                Ok(v) => (true, Err(diagnose_or(&v, diagnose, &typed))),
                Err(e) => (false, Err(format!("not valid JSON: {e}"))),
            },
        }
    };
    if framing == Framing::JsonArray {
        match serde_json::from_slice::<Vec<&serde_json::value::RawValue>>(body) {
            Ok(items) => {
                return Ok(items
                    .iter()
                    .enumerate()
                    .map(|(i, raw)| (i, one(raw.get()).1))
                    .collect())
            }
            // A JSON array that does not parse is a bad body; anything
            // else may be NDJSON sent as application/json.
            Err(e) if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') => {
                return Err(BatchError::BadBody(format!(
                    "the body is not a JSON array of records: {e}"
                )))
            }
            Err(_) => {}
        }
    }
    let mut records = Vec::new();
    let mut any_json = false;
    for (i, line) in body.split(|b| *b == b'\n').enumerate() {
        let Ok(text) = std::str::from_utf8(line) else {
            records.push((
                i,
                Err("not valid JSON: the line is not UTF-8 text".to_string()),
            ));
            continue;
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let (is_json, record) = one(text);
        any_json |= is_json;
        records.push((i, record));
    }
    if !any_json {
        return Err(BatchError::BadBody(if records.is_empty() {
            "the body holds no records: send a JSON array or one JSON record per line (NDJSON)"
                .into()
        } else {
            "the body is neither a JSON array of records nor NDJSON (one JSON record per line)"
                .into()
        }));
    }
    Ok(records)
}

fn diagnose_or(v: &Value, diagnose: fn(&Value) -> String, typed: &serde_json::Error) -> String {
    let found = diagnose(v);
    if found.is_empty() {
        format!("not a valid record: {typed}")
    } else {
        found
    }
}

/// The kinds of value a record's fields take, for field-named messages.
#[derive(Clone, Copy)]
enum Expect {
    Text,
    Count,
    OneOf(&'static str),
}

/// The first field of `v` that is missing or of the wrong kind, as
/// `field: reason`; empty if none is.
fn check_fields(v: &Value, fields: &[(&str, Expect)]) -> String {
    let Some(map) = v.as_object() else {
        return "the record must be a JSON object".into();
    };
    for (name, expect) in fields {
        let reason = match (map.get(*name), expect) {
            (None | Some(Value::Null), _) => "missing".to_string(),
            (Some(Value::String(_)), Expect::Text) => continue,
            (Some(_), Expect::Text) => "must be a string".to_string(),
            (Some(Value::Number(n)), Expect::Count) if n.as_u64().is_some() => continue,
            (Some(other), Expect::Count) => format!("{other} is not a whole number >= 0"),
            (Some(Value::String(s)), Expect::OneOf(allowed))
                if allowed.split(", ").any(|a| a == s) =>
            {
                continue
            }
            (Some(other), Expect::OneOf(allowed)) => format!("{other} is not one of {allowed}"),
        };
        return format!("{name}: {reason}");
    }
    String::new()
}

fn diagnose_footage(v: &Value) -> String {
    check_fields(
        v,
        &[
            ("segment", Expect::Text),
            ("vehicle", Expect::Text),
            ("camera", Expect::OneOf("cabin, forward")),
            ("start", Expect::Text),
            ("end", Expect::Text),
            ("uri", Expect::Text),
            ("sha256", Expect::Text),
            ("bytes", Expect::Count),
        ],
    )
}

fn diagnose_heartbeat(v: &Value) -> String {
    check_fields(
        v,
        &[
            ("vehicle", Expect::Text),
            ("camera", Expect::OneOf("cabin, forward")),
            ("ts", Expect::Text),
            (
                "status",
                Expect::OneOf("online, offline, tamper, storage_fault"),
            ),
        ],
    )
}

/// An RFC 3339 time with an offset, as UTC milliseconds.
pub fn parse_time(field: &str, text: &str) -> Result<i64, String> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.timestamp_millis())
        .map_err(|_| {
            format!("{field}: {text:?} is not an RFC 3339 time with an offset (like 2013-04-16T14:03:12Z)")
        })
}

fn not_in_future(field: &str, ms: i64, now: i64) -> Result<(), String> {
    if ms > now + FUTURE_SLACK_MS {
        Err(format!(
            "{field}: is more than 5 minutes ahead of the server clock"
        ))
    } else {
        Ok(())
    }
}

fn text_field(field: &str, value: &str, max: usize) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(format!("{field}: must not be empty"));
    }
    if value.chars().count() > max {
        return Err(format!("{field}: longer than {max} characters"));
    }
    if value.chars().any(char::is_control) {
        return Err(format!("{field}: holds control characters"));
    }
    Ok(value.to_string())
}

/// A footage segment that passed every check but the database's.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Segment {
    segment: String,
    plate: String,
    camera: CameraPlacement,
    starts_at: i64,
    ends_at: i64,
    uri: String,
    sha256: String,
    bytes: i64,
}

fn check_segment(r: FootageSegmentIn, now: i64) -> Result<Segment, String> {
    let segment = text_field("segment", &r.segment, 200)?;
    let plate = text_field("vehicle", &r.vehicle, 32)?.to_uppercase();
    let starts_at = parse_time("start", &r.start)?;
    let ends_at = parse_time("end", &r.end)?;
    if ends_at <= starts_at {
        return Err("end: must be after start".into());
    }
    if ends_at - starts_at > DAY_MS {
        return Err("end: more than 24 hours after start".into());
    }
    not_in_future("end", ends_at, now)?;
    let uri = text_field("uri", &r.uri, 2048)?;
    let sha256 = r.sha256.trim().to_ascii_lowercase();
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("sha256: must be 64 hexadecimal characters".into());
    }
    let bytes = i64::try_from(r.bytes).map_err(|_| "bytes: too large".to_string())?;
    Ok(Segment {
        segment,
        plate,
        camera: r.camera,
        starts_at,
        ends_at,
        uri,
        sha256,
        bytes,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Heartbeat {
    plate: String,
    camera: CameraPlacement,
    ts: i64,
    status: HeartbeatStatus,
}

fn check_heartbeat(r: HeartbeatIn, now: i64) -> Result<Heartbeat, String> {
    let plate = text_field("vehicle", &r.vehicle, 32)?.to_uppercase();
    let ts = parse_time("ts", &r.ts)?;
    not_in_future("ts", ts, now)?;
    Ok(Heartbeat {
        plate,
        camera: r.camera,
        ts,
        status: r.status,
    })
}

/// The cameras of the plates a batch names: each plate's cabin and
/// forward camera ids, looked up without allocating.
#[derive(Default)]
struct Cameras(HashMap<String, [Option<i64>; 2]>);

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
    ) -> Vec<(usize, i64, &'r T)> {
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
    fn resolve(&self, plate: &str, camera: CameraPlacement) -> Result<i64, String> {
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
async fn rows_where_in<'v>(
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
fn json_text<T: Serialize>(rows: &T) -> String {
    serde_json::to_string(rows).expect("plain values always serialize")
}

/// Whoever sends the batch, for the audit trail and the stored rows.
pub struct Sender<'a, A: WriteAction> {
    pub actor: &'a Permit<A>,
    pub ip: &'a str,
}

/// The integrity conflict of a record with what is stored.
fn conflict<A: WriteAction>(
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

fn unavailable(e: sqlx::Error) -> BatchError {
    tracing::error!(error = %e, "ingest batch failed: nothing of it was stored");
    BatchError::Unavailable
}

/// Parses and checks every record of a body: the valid ones with their
/// positions, and an answer holding the rejected ones so far.
fn check_all<T: DeserializeOwned, V>(
    body: &[u8],
    framing: Framing,
    diagnose: fn(&Value) -> String,
    check: fn(T, i64) -> Result<V, String>,
    now: i64,
) -> Result<(BatchAnswer, Vec<(usize, V)>), BatchError> {
    let parsed = parse_batch::<T>(body, framing, diagnose)?;
    let mut answer = BatchAnswer::default();
    let mut checked = Vec::with_capacity(parsed.len());
    for (index, record) in parsed {
        match record.and_then(|r| check(r, now)) {
            Ok(v) => checked.push((index, v)),
            Err(error) => answer.rejected.push(Rejection { index, error }),
        }
    }
    Ok((answer, checked))
}

/// A record that names a car's camera.
trait OnCamera {
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

/// A batch's transaction, once it holds the ingest lock, and its records
/// with their cameras' ids.
struct OpenBatch<'r, T> {
    tx: AuditedTx,
    backend: Backend,
    resolved: Vec<(usize, i64, &'r T)>,
}

/// Begins a batch's transaction, takes the ingest lock and finds the
/// cameras of `checked`; the records whose camera is unknown go to
/// `rejected`.
async fn open_batch<'r, T: OnCamera, A: WriteAction>(
    db: &Db,
    sender: &Sender<'_, A>,
    checked: &'r [(usize, T)],
    rejected: &mut Vec<Rejection>,
) -> Result<OpenBatch<'r, T>, BatchError> {
    let plates: HashSet<&str> = checked.iter().map(|(_, r)| r.camera().0).collect();
    let backend = db.backend();
    let mut tx = AuditedTx::begin(db, sender.actor)
        .await
        .map_err(unavailable)?;
    // Serialises batches: two carrying the same new identity must not both
    // take it for new (SQLite's write lock does this already).
    sqlx::query("UPDATE change_counters SET version = version + 1 WHERE name = 'fleet_ingest'")
        .execute(tx.conn())
        .await
        .map_err(unavailable)?;
    let cameras = Cameras::of(tx.conn(), backend, &plates)
        .await
        .map_err(unavailable)?;
    Ok(OpenBatch {
        tx,
        backend,
        resolved: cameras.resolve_all(checked, rejected),
    })
}

/// Stores a batch of footage-segment references. `sender.actor` is an API
/// client the policy allowed `IngestFootage`.
///
/// The common batch is all new: its rows go straight in with `ON CONFLICT
/// DO NOTHING`, and if every one of them went in, that was the whole work.
/// Only when some identity is stored already is that attempt rolled back to
/// a savepoint and the batch judged against what is stored.
#[tracing::instrument(skip_all, fields(actor = %sender.actor.label(), bytes = body.len()))]
pub async fn ingest_footage(
    db: &Db,
    sender: &Sender<'_, act::IngestFootage>,
    body: &[u8],
    framing: Framing,
) -> Result<BatchAnswer, BatchError> {
    let now = crate::time::now_ms();
    let (mut answer, checked) = check_all(body, framing, diagnose_footage, check_segment, now)?;
    let OpenBatch {
        mut tx,
        backend,
        resolved,
    } = open_batch(db, sender, &checked, &mut answer.rejected).await?;
    let client_id = sender.actor.api_client_id();
    let insert = format!(
        "INSERT INTO footage_segments \
         (segment, camera_id, starts_at, ends_at, uri, sha256, bytes, received_at, client_id) \
         SELECT c0, c1, c2, c3, c4, c5, c6, $2, $3 FROM ({}) AS r WHERE true \
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
            sqlx::query("SAVEPOINT new_segments")
                .execute(tx.conn())
                .await?;
            let inserted = sqlx::query(&insert)
                .bind(json_text(&judged.rows))
                .bind(now)
                .bind(client_id)
                .execute(tx.conn())
                .await?
                .rows_affected();
            if inserted == judged.rows.len() as u64 {
                sqlx::query("RELEASE SAVEPOINT new_segments")
                    .execute(tx.conn())
                    .await?;
            } else {
                sqlx::query("ROLLBACK TO SAVEPOINT new_segments")
                    .execute(tx.conn())
                    .await?;
                let stored = stored_segments(tx.conn(), backend, &judged.rows).await?;
                judged = judge_segments(sender, &resolved, &stored);
                if !judged.rows.is_empty() {
                    sqlx::query(&insert)
                        .bind(json_text(&judged.rows))
                        .bind(now)
                        .bind(client_id)
                        .execute(tx.conn())
                        .await?;
                }
            }
            let latest: Vec<(i64, i64)> = judged.latest.iter().map(|(c, t)| (*c, *t)).collect();
            mark_cameras(tx.conn(), backend, &latest, None).await?;
        }
        Ok::<_, sqlx::Error>(judged)
    };
    let judged = store.await.map_err(unavailable)?;
    answer.accepted = judged.rows.len() as u64;
    answer.duplicates = judged.duplicates;
    answer.rejected.extend(judged.rejected);
    answer.rejected.sort_by_key(|r| r.index);
    if judged.rows.is_empty() && judged.conflicts.is_empty() {
        // Nothing changed: nothing to commit, nothing to audit.
        return Ok(answer);
    }
    finish(
        tx,
        sender,
        AuditAction::FootageIngested,
        &answer,
        judged.conflicts,
    )
    .await?;
    Ok(answer)
}

/// A footage row as [`json_rows`] reads it: segment, camera id, start,
/// end, URI, SHA-256, bytes.
type SegmentRow<'a> = (&'a str, i64, i64, i64, &'a str, &'a str, i64);

/// What a batch's segments come to against what is stored.
struct Judged<'a> {
    /// The new rows to insert.
    rows: Vec<SegmentRow<'a>>,
    /// Each camera's latest new footage end.
    latest: HashMap<i64, i64>,
    duplicates: u64,
    rejected: Vec<Rejection>,
    conflicts: Vec<AuditEntry>,
}

/// Sorts resolved segments into new rows, duplicates (of what is stored or
/// of an earlier record of the batch) and integrity conflicts.
fn judge_segments<'a>(
    sender: &Sender<'_, act::IngestFootage>,
    resolved: &[(usize, i64, &'a Segment)],
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
async fn stored_segments(
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
fn segment_conflict(stored: &Segment, offered: &Segment) -> (String, Value) {
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
async fn mark_cameras(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    latest: &[(i64, i64)],
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

/// Audits the batch (and each integrity conflict), notes the client's use,
/// and commits it all together.
async fn finish<A: WriteAction>(
    mut tx: AuditedTx,
    sender: &Sender<'_, A>,
    action: AuditAction,
    answer: &BatchAnswer,
    conflicts: Vec<AuditEntry>,
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
                details: json!({
                    "accepted": answer.accepted,
                    "duplicates": answer.duplicates,
                    "rejected": answer.rejected.len(),
                }),
            })
            .await?;
        }
        if let Some(id) = sender.actor.api_client_id() {
            sqlx::query("UPDATE api_clients SET last_used_at = $1 WHERE id = $2")
                .bind(crate::time::now_ms())
                .bind(id)
                .execute(tx.conn())
                .await?;
        }
        Ok::<_, sqlx::Error>(())
    };
    store.await.map_err(unavailable)?;
    tx.commit().await.map_err(|e| {
        tracing::error!(error = %e, "ingest batch did not commit");
        BatchError::Unavailable
    })
}

/// Stores a batch of camera heartbeats. `sender.actor` is an API client the
/// policy allowed `IngestHeartbeats`.
#[tracing::instrument(skip_all, fields(actor = %sender.actor.label(), bytes = body.len()))]
pub async fn ingest_heartbeats(
    db: &Db,
    sender: &Sender<'_, act::IngestHeartbeats>,
    body: &[u8],
    framing: Framing,
) -> Result<BatchAnswer, BatchError> {
    let now = crate::time::now_ms();
    let (mut answer, checked) = check_all(body, framing, diagnose_heartbeat, check_heartbeat, now)?;
    let OpenBatch {
        mut tx,
        backend,
        resolved,
    } = open_batch(db, sender, &checked, &mut answer.rejected).await?;
    let mut stored: HashMap<(i64, i64), String> = HashMap::new();
    if !resolved.is_empty() {
        let keys: Vec<(i64, i64)> = resolved.iter().map(|(_, c, h)| (*c, h.ts)).collect();
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
    let mut rows: Vec<(i64, i64, &str)> = Vec::new();
    let mut latest: HashMap<i64, (i64, &'static str)> = HashMap::new();
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
        return Ok(answer);
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
        let (latest, statuses): (Vec<(i64, i64)>, Vec<&str>) =
            latest.into_iter().map(|(c, (t, s))| ((c, t), s)).unzip();
        mark_cameras(tx.conn(), backend, &latest, Some(&statuses))
            .await
            .map_err(unavailable)?;
    }
    finish(
        tx,
        sender,
        AuditAction::HeartbeatsIngested,
        &answer,
        conflicts,
    )
    .await?;
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn footage(body: &str, framing: Framing) -> Result<Parsed<FootageSegmentIn>, BatchError> {
        parse_batch(body.as_bytes(), framing, diagnose_footage)
    }

    const GOOD: &str = r#"{"segment":"S1","vehicle":"PNC-0451","camera":"forward","start":"2013-04-16T14:00:00Z","end":"2013-04-16T14:05:00Z","uri":"s3://x","sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","bytes":187654321}"#;

    #[test]
    fn ndjson_positions_count_blank_lines_and_bad_lines_are_records() {
        let body = format!("{GOOD}\n\n{{not json\n{GOOD}\r\n");
        let records = footage(&body, Framing::Ndjson).unwrap();
        let positions: Vec<usize> = records.iter().map(|(i, _)| *i).collect();
        assert_eq!(positions, vec![0, 2, 3]);
        assert!(records[1]
            .1
            .as_ref()
            .unwrap_err()
            .starts_with("not valid JSON"));
        assert!(records[2].1.is_ok());
    }

    #[test]
    fn a_body_with_nothing_json_is_refused_whole() {
        assert!(matches!(
            footage("hello\nworld", Framing::Ndjson),
            Err(BatchError::BadBody(_))
        ));
        assert!(matches!(
            footage("", Framing::Ndjson),
            Err(BatchError::BadBody(_))
        ));
        assert!(matches!(
            footage("[{\"a\":", Framing::JsonArray),
            Err(BatchError::BadBody(_))
        ));
        // NaN is not JSON: a rejected record, while the rest of the batch stands.
        let records = footage(&format!("{GOOD}\n{{\"bytes\": NaN}}"), Framing::Ndjson).unwrap();
        assert!(records[1]
            .1
            .as_ref()
            .unwrap_err()
            .starts_with("not valid JSON"));
    }

    #[test]
    fn wrong_fields_are_named() {
        let missing = footage(r#"[{"segment":"S1"}]"#, Framing::JsonArray).unwrap();
        assert_eq!(missing[0].1.as_ref().unwrap_err(), "vehicle: missing");
        let bad_camera = GOOD.replace("\"forward\"", "\"roof\"");
        let r = footage(&format!("[{bad_camera}]"), Framing::JsonArray).unwrap();
        assert_eq!(
            r[0].1.as_ref().unwrap_err(),
            "camera: \"roof\" is not one of cabin, forward"
        );
        let negative = GOOD.replace("187654321", "-5");
        let r = footage(&negative, Framing::Ndjson).unwrap();
        assert_eq!(
            r[0].1.as_ref().unwrap_err(),
            "bytes: -5 is not a whole number >= 0"
        );
        let r = footage("[3]", Framing::JsonArray).unwrap();
        assert_eq!(
            r[0].1.as_ref().unwrap_err(),
            "the record must be a JSON object"
        );
    }

    #[test]
    fn segment_checks_name_the_field_and_reason() {
        let now = parse_time("t", "2013-04-16T15:00:00Z").unwrap();
        let base: FootageSegmentIn = serde_json::from_str(GOOD).unwrap();
        assert!(check_segment(base.clone(), now).is_ok());
        let cases = [
            (
                FootageSegmentIn {
                    end: "2013-04-16T13:00:00Z".into(),
                    ..base.clone()
                },
                "end: must be after start",
            ),
            (
                FootageSegmentIn {
                    end: "2013-04-17T14:00:01Z".into(),
                    ..base.clone()
                },
                "end: more than 24 hours after start",
            ),
            (
                FootageSegmentIn {
                    sha256: "abc".into(),
                    ..base.clone()
                },
                "sha256: must be 64 hexadecimal characters",
            ),
            (
                FootageSegmentIn {
                    segment: " ".into(),
                    ..base.clone()
                },
                "segment: must not be empty",
            ),
            (
                FootageSegmentIn {
                    end: "2013-04-16T15:06:00Z".into(),
                    ..base.clone()
                },
                "end: is more than 5 minutes ahead of the server clock",
            ),
        ];
        for (record, expected) in cases {
            assert_eq!(check_segment(record, now).unwrap_err(), expected);
        }
        let no_offset = FootageSegmentIn {
            start: "2013-04-16T14:00:00".into(),
            ..base
        };
        assert!(check_segment(no_offset, now)
            .unwrap_err()
            .starts_with("start: \"2013-04-16T14:00:00\" is not an RFC 3339 time"));
    }

    #[test]
    fn times_with_offsets_are_stored_in_utc() {
        assert_eq!(
            parse_time("ts", "2013-04-16T08:03:12-06:00").unwrap(),
            parse_time("ts", "2013-04-16T14:03:12Z").unwrap()
        );
    }

    #[test]
    fn framing_follows_the_content_type_then_the_body() {
        assert_eq!(
            Framing::of(Some("application/x-ndjson"), b"["),
            Framing::Ndjson
        );
        assert_eq!(
            Framing::of(Some("application/json; charset=utf-8"), b"{}"),
            Framing::JsonArray
        );
        assert_eq!(Framing::of(None, b"  [{}]"), Framing::JsonArray);
        assert_eq!(Framing::of(Some("text/plain"), b"{}\n{}"), Framing::Ndjson);
    }
}
