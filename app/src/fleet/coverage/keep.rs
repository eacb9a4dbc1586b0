//! Coverage kept by the ingest (issue 15): each camera's recorded runs
//! (the union of its footage segments, touching segments merged) and its
//! status changes (the heartbeats whose online-or-not differs from the one
//! before), updated by every footage and heartbeat batch in its own
//! transaction. Coverage is then read from these rows, a handful per
//! camera and day, instead of every segment and heartbeat in the window:
//! the same spans (the union of the segments is the union of the runs; a
//! status holds until the next heartbeat, so the heartbeats that change
//! nothing add nothing), and a page's cost no longer follows the number of
//! segments.
//!
//! Both are per camera, not per shift: an assignment added or changed after
//! its footage arrived reads them like any other.

use std::collections::{BTreeMap, HashMap, HashSet};

use sqlx::{AnyConnection, Row};

use super::{union_within, Span};
use crate::ids::CameraId;
use crate::store::batch::{fetch_packed, json_rows, JsonCol, Value};
use crate::store::Backend;

const EVER: Span = Span {
    from: i64::MIN,
    to: i64::MAX,
};

/// Merges newly stored footage `(camera, starts_at, ends_at)` into each
/// camera's recorded runs, on the batch's transaction: the runs the new
/// spans touch or overlap are read, replaced by their union with the new
/// spans. In-order footage touches one run per camera (the latest).
pub async fn add_footage(
    conn: &mut AnyConnection,
    backend: Backend,
    footage: impl IntoIterator<Item = (CameraId, i64, i64)>,
) -> Result<(), sqlx::Error> {
    let mut by_camera: BTreeMap<CameraId, Vec<Span>> = BTreeMap::new();
    for (camera, from, to) in footage {
        by_camera.entry(camera).or_default().push(Span { from, to });
    }
    if by_camera.is_empty() {
        return Ok(());
    }
    let mut probes: Vec<(CameraId, i64, i64)> = Vec::new();
    for (camera, spans) in by_camera.iter_mut() {
        *spans = union_within(spans, EVER);
        probes.extend(spans.iter().map(|s| (*camera, s.from, s.to)));
    }
    let touching = sqlx::query(&format!(
        "SELECT DISTINCT r.camera_id, r.starts_at, r.ends_at FROM ({}) AS j CROSS JOIN camera_runs r \
         WHERE r.camera_id = j.c0 AND r.ends_at >= j.c1 AND r.starts_at <= j.c2",
        json_rows(backend, 1, &[JsonCol::Int, JsonCol::Int, JsonCol::Int])
    ))
    .bind(json(&probes))
    .fetch_all(&mut *conn)
    .await?;
    let mut gone: Vec<(CameraId, i64)> = Vec::with_capacity(touching.len());
    for r in &touching {
        let camera = CameraId(r.try_get(0)?);
        let run = Span {
            from: r.try_get(1)?,
            to: r.try_get(2)?,
        };
        gone.push((camera, run.from));
        by_camera.entry(camera).or_default().push(run);
    }
    if !gone.is_empty() {
        sqlx::query(&format!(
            "DELETE FROM camera_runs WHERE (camera_id, starts_at) IN (SELECT c0, c1 FROM ({}) AS k)",
            json_rows(backend, 1, &[JsonCol::Int, JsonCol::Int])
        ))
        .bind(json(&gone))
        .execute(&mut *conn)
        .await?;
    }
    let mut runs: Vec<(CameraId, i64, i64)> = Vec::new();
    for (camera, spans) in &by_camera {
        runs.extend(
            union_within(spans, EVER)
                .into_iter()
                .map(|s| (*camera, s.from, s.to)),
        );
    }
    sqlx::query(&format!(
        "INSERT INTO camera_runs (camera_id, starts_at, ends_at) SELECT c0, c1, c2 FROM ({}) AS r",
        json_rows(backend, 1, &[JsonCol::Int, JsonCol::Int, JsonCol::Int])
    ))
    .bind(json(&runs))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Brings each camera's status changes up to date with newly stored
/// heartbeats `(camera, ts, online?)`, on the batch's transaction: between
/// the batch's first heartbeat of a camera and the first stored one after
/// its last, the changes are worked out again from the stored heartbeats
/// and the state before. In-order heartbeats read only the batch's own.
pub async fn add_heartbeats(
    conn: &mut AnyConnection,
    backend: Backend,
    heartbeats: impl IntoIterator<Item = (CameraId, i64, bool)>,
) -> Result<(), sqlx::Error> {
    let mut range: BTreeMap<CameraId, (i64, i64)> = BTreeMap::new();
    for (camera, ts, _) in heartbeats {
        let r = range.entry(camera).or_insert((ts, ts));
        r.0 = r.0.min(ts);
        r.1 = r.1.max(ts);
    }
    if range.is_empty() {
        return Ok(());
    }
    let ranges: Vec<(CameraId, i64, i64)> = range.iter().map(|(c, r)| (*c, r.0, r.1)).collect();
    let cols = json_rows(backend, 1, &[JsonCol::Int, JsonCol::Int, JsonCol::Int]);
    // The state before each camera's range, and where the range ends: the
    // first stored heartbeat after it (its change, if any, depends on the
    // batch too).
    let edges = sqlx::query(&format!(
        "SELECT j.c0, \
           (SELECT s.online FROM camera_status_changes s WHERE s.camera_id = j.c0 AND s.ts < j.c1 \
            ORDER BY s.ts DESC LIMIT 1), \
           (SELECT MIN(h.ts) FROM camera_heartbeats h WHERE h.camera_id = j.c0 AND h.ts > j.c2) \
         FROM ({cols}) AS j"
    ))
    .bind(json(&ranges))
    .fetch_all(&mut *conn)
    .await?;
    let mut before: HashMap<CameraId, Option<bool>> = HashMap::new();
    let mut spans: Vec<(CameraId, i64, i64)> = Vec::with_capacity(ranges.len());
    for r in &edges {
        let camera = CameraId(r.try_get(0)?);
        let state: Option<i64> = r.try_get(1)?;
        let next: Option<i64> = r.try_get(2)?;
        before.insert(camera, state.map(|s| s != 0));
        let (from, to) = range[&camera];
        spans.push((camera, from, next.unwrap_or(to)));
    }
    let stored = sqlx::query(&format!(
        "SELECT h.camera_id, h.ts, CASE WHEN h.status = 'online' THEN 1 ELSE 0 END \
         FROM ({cols}) AS j CROSS JOIN camera_heartbeats h \
         WHERE h.camera_id = j.c0 AND h.ts >= j.c1 AND h.ts <= j.c2 \
         ORDER BY h.camera_id, h.ts"
    ))
    .bind(json(&spans))
    .fetch_all(&mut *conn)
    .await?;
    let mut changes: Vec<(CameraId, i64, i64)> = Vec::new();
    let mut last: Option<(CameraId, bool)> = None;
    for r in &stored {
        let camera = CameraId(r.try_get(0)?);
        let online = r.try_get::<i64, _>(2)? != 0;
        let was = match last {
            Some((c, state)) if c == camera => Some(state),
            _ => before.get(&camera).copied().flatten(),
        };
        if was != Some(online) {
            changes.push((camera, r.try_get(1)?, i64::from(online)));
        }
        last = Some((camera, online));
    }
    // Only what differs is written: in-order heartbeats that change
    // nothing write nothing.
    let existing: HashSet<(CameraId, i64, i64)> = sqlx::query(&format!(
        "SELECT s.camera_id, s.ts, s.online FROM ({cols}) AS j CROSS JOIN camera_status_changes s \
         WHERE s.camera_id = j.c0 AND s.ts >= j.c1 AND s.ts <= j.c2"
    ))
    .bind(json(&spans))
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| Ok((CameraId(r.try_get(0)?), r.try_get(1)?, r.try_get(2)?)))
    .collect::<Result<_, sqlx::Error>>()?;
    let computed: HashSet<(CameraId, i64, i64)> = changes.iter().copied().collect();
    let gone: Vec<(CameraId, i64)> = existing
        .difference(&computed)
        .map(|(c, ts, _)| (*c, *ts))
        .collect();
    if !gone.is_empty() {
        sqlx::query(&format!(
            "DELETE FROM camera_status_changes WHERE (camera_id, ts) IN (SELECT c0, c1 FROM ({}) AS k)",
            json_rows(backend, 1, &[JsonCol::Int, JsonCol::Int])
        ))
        .bind(json(&gone))
        .execute(&mut *conn)
        .await?;
    }
    let new: Vec<&(CameraId, i64, i64)> =
        changes.iter().filter(|c| !existing.contains(c)).collect();
    if !new.is_empty() {
        sqlx::query(&format!(
            "INSERT INTO camera_status_changes (camera_id, ts, online) SELECT c0, c1, c2 FROM ({cols}) AS r"
        ))
        .bind(json(&new))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Each camera's recorded runs and status changes that bear on `window`:
/// the runs that overlap it, the changes inside it and the last one at or
/// before its start (the state it begins in, however old).
pub async fn read(
    conn: &mut AnyConnection,
    backend: Backend,
    cameras: &[CameraId],
    window: Span,
) -> Result<
    (
        HashMap<CameraId, Vec<Span>>,
        HashMap<CameraId, Vec<(i64, bool)>>,
    ),
    sqlx::Error,
> {
    let mut runs: HashMap<CameraId, Vec<Span>> = HashMap::new();
    let mut beats: HashMap<CameraId, Vec<(i64, bool)>> = HashMap::new();
    if cameras.is_empty() {
        return Ok((runs, beats));
    }
    let ids: Vec<[CameraId; 1]> = cameras
        .iter()
        .copied()
        .collect::<HashSet<_>>()
        .into_iter()
        .map(|c| [c])
        .collect();
    let in_cameras = format!(
        "SELECT c0 FROM ({}) AS k",
        json_rows(backend, 1, &[JsonCol::Int])
    );
    let binds = [
        Value::Text(json(&ids)),
        Value::Int(window.from),
        Value::Int(window.to),
    ];
    let found: Vec<(i64, i64, i64)> = fetch_packed(
        conn,
        backend,
        &format!(
            "SELECT camera_id AS c0, starts_at AS c1, ends_at AS c2 FROM camera_runs \
             WHERE camera_id IN ({in_cameras}) AND ends_at > $2 AND starts_at < $3"
        ),
        3,
        &binds,
    )
    .await?;
    for (camera, from, to) in found {
        runs.entry(CameraId(camera))
            .or_default()
            .push(Span { from, to });
    }
    // The changes inside the window, and each camera's last one at or
    // before its start (found by the key, however old).
    let found: Vec<(i64, i64, i64)> = fetch_packed(
        conn,
        backend,
        &format!(
            "SELECT camera_id AS c0, ts AS c1, online AS c2 FROM camera_status_changes \
             WHERE camera_id IN ({in_cameras}) AND ts > $2 AND ts < $3 \
             UNION ALL \
             SELECT p.camera_id, p.ts, p.online FROM ({in_cameras}) AS k CROSS JOIN camera_status_changes p \
             WHERE p.camera_id = k.c0 AND p.ts = (SELECT MAX(q.ts) FROM camera_status_changes q \
                                                 WHERE q.camera_id = k.c0 AND q.ts <= $2)"
        ),
        3,
        &binds,
    )
    .await?;
    for (camera, ts, online) in found {
        beats
            .entry(CameraId(camera))
            .or_default()
            .push((ts, online != 0));
    }
    for r in runs.values_mut() {
        r.sort_unstable();
    }
    for b in beats.values_mut() {
        b.sort_unstable();
    }
    Ok((runs, beats))
}

fn json<T: serde::Serialize>(rows: &T) -> String {
    serde_json::to_string(rows).expect("plain values always serialize")
}
