//! The demo's camera records, as the control center would have sent them
//! over the last 7 days: heartbeats (every 10 minutes on shift, every 30
//! while the car is parked) and 5-minute footage segments (only while the
//! car is on an assigned shift), with what goes wrong in a real fleet:
//! short offline gaps, cameras with a full or failing disk, tamper alarms,
//! and a few cars whose cameras go silent for hours during their shifts
//! (the pattern the early-warning rules look for). Also a few segments the
//! control center sent again with another SHA-256: rejected, and audited.
//!
//! Generation ([`generate`]) is pure and deterministic for a seed and a
//! "now"; [`load`] writes it inside the demo's transaction.

use std::collections::{BTreeMap, HashMap};

use app::audit::{AuditAction, AuditEntry, AuditedTx};
use app::fleet::ingest::{ingest_footage_in, BatchError, Framing, Sender};
use app::ids::CameraId;
use app::policy::{act, authorize, Object};
use app::store::batch::{json_rows, JsonCol};
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::duty::ShiftRow;
use super::{dates, Dataset, DemoError, Rng, Scale};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
/// Footage comes in 5-minute files, aligned to 5-minute boundaries (UTC).
pub const SEGMENT_MS: i64 = 5 * MINUTE;
/// On shift a camera reports every 10 minutes…
pub const HEARTBEAT_MS: i64 = 10 * MINUTE;
/// …and while its car is parked, every third beat (30 minutes).
const STANDBY_EVERY: i64 = 3;
/// How far back the cameras of the full-history cars go.
pub const FULL_WINDOW_MS: i64 = 7 * DAY;
/// How far back the other cars' cameras go (enough for a current state).
pub const SHORT_WINDOW_MS: i64 = 2 * HOUR;
/// Segments the control center sent again with another SHA-256.
const CONFLICTS: usize = 6;

/// The API client the control center uses.
pub const CLIENT_NAME: &str = "centro-de-control";
const CLIENT_SCOPES: &str = "footage:write,health:write";

/// How many cars (the first by plate) get the whole 7 days; the others get
/// the last 2 hours. The national demo has the whole fleet's week (about
/// 4.2 million segments and 2.3 million heartbeats, the shape the pages
/// are measured on); the small demo, which many tests load, 30 cars'.
pub fn full_history_vehicles(scale: Scale) -> usize {
    match scale {
        Scale::Small => 30,
        Scale::National => super::VEHICLES,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    Cabin,
    Forward,
}

impl Placement {
    /// As stored in `cameras.placement`.
    pub fn as_str(self) -> &'static str {
        match self {
            Placement::Cabin => "cabin",
            Placement::Forward => "forward",
        }
    }

    /// As the control center writes it in segment ids and paths.
    pub fn code(self) -> &'static str {
        match self {
            Placement::Cabin => "CAB",
            Placement::Forward => "FWD",
        }
    }
}

/// What can be wrong with a camera, from least to most severe: the more
/// severe wins where two overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum OutageKind {
    /// A tamper alarm (case opened, lens covered): it still records.
    Tamper,
    /// No connection to the recorder: heartbeats say `offline`, no footage.
    Offline,
    /// The disk is full or failing: heartbeats say so, no footage.
    StorageFault,
    /// Nothing at all: no heartbeats, no footage (unplugged).
    Silent,
}

impl OutageKind {
    /// Whether the camera records nothing meanwhile.
    pub fn stops_footage(self) -> bool {
        self != OutageKind::Tamper
    }

    /// The heartbeat status meanwhile (`None`: no heartbeats).
    fn status(self) -> Option<&'static str> {
        match self {
            OutageKind::Tamper => Some("tamper"),
            OutageKind::Offline => Some("offline"),
            OutageKind::StorageFault => Some("storage_fault"),
            OutageKind::Silent => None,
        }
    }
}

/// A span of time (ms, UTC, `from` included, `to` excluded) in which a
/// camera was not well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outage {
    pub kind: OutageKind,
    pub from: i64,
    pub to: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heartbeat {
    pub ts: i64,
    pub status: &'static str,
    pub received_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub starts_at: i64,
    pub ends_at: i64,
    pub bytes: i64,
    pub received_at: i64,
}

/// Everything one camera sent, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CameraFeed {
    pub plate: String,
    pub placement: Placement,
    /// Whether this camera has the whole week (or only the last hours).
    pub full_history: bool,
    pub outages: Vec<Outage>,
    pub heartbeats: Vec<Heartbeat>,
    pub segments: Vec<Segment>,
}

impl CameraFeed {
    /// `GC-PNC0451-FWD-20261121T140000Z`.
    pub fn segment_id(&self, starts_at: i64) -> String {
        format!(
            "GC-{}-{}-{}",
            self.plate.replace('-', ""),
            self.placement.code(),
            compact_utc(starts_at)
        )
    }

    /// `s3://pnc-footage/2026/11/21/PNC-0451/FWD/20261121T140000Z.mp4`.
    pub fn uri(&self, starts_at: i64) -> String {
        let (y, m, d) = dates::civil_from_days(starts_at.div_euclid(DAY));
        format!(
            "s3://pnc-footage/{y:04}/{m:02}/{d:02}/{}/{}/{}.mp4",
            self.plate,
            self.placement.code(),
            compact_utc(starts_at)
        )
    }

    /// The status and time of the latest heartbeat.
    pub fn last_status(&self) -> Option<(&'static str, i64)> {
        self.heartbeats.last().map(|h| (h.status, h.ts))
    }

    /// The end of the latest segment.
    pub fn last_footage_at(&self) -> Option<i64> {
        self.segments.last().map(|s| s.ends_at)
    }
}

/// A segment sent again with another SHA-256: refused, nothing stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The camera (index into [`Fleet::cameras`]) and its segment (index
    /// into that camera's segments) sent again.
    pub camera: usize,
    pub at: usize,
    pub segment: String,
    pub stored_sha256: String,
    pub offered_sha256: String,
    /// Its place in the batch of re-sends (refused).
    pub index: u64,
}

/// The generated camera records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fleet {
    /// By plate, cabin before forward.
    pub cameras: Vec<CameraFeed>,
    pub conflicts: Vec<Conflict>,
    /// The cars whose cameras went silent during shifts, by plate.
    pub silent_plates: Vec<String>,
}

/// Lowercase hex SHA-256 of `text` (the demo's stand-in for the file's).
pub fn sha256_hex(text: &str) -> String {
    // By hand rather than `hex::encode`: this runs half a million times in
    // a debug build, where the table lookup is several times faster.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(text.as_bytes());
    let mut out = Vec::with_capacity(64);
    for b in digest {
        out.push(DIGITS[(b >> 4) as usize]);
        out.push(DIGITS[(b & 15) as usize]);
    }
    String::from_utf8(out).expect("hex digits are ASCII")
}

/// `20261121T140000Z` of a UTC time in ms.
fn compact_utc(ms: i64) -> String {
    let (y, m, d) = dates::civil_from_days(ms.div_euclid(DAY));
    let secs = ms.rem_euclid(DAY) / 1_000;
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        secs / 3_600,
        secs / 60 % 60,
        secs % 60
    )
}

fn align_down(t: i64, step: i64) -> i64 {
    t.div_euclid(step) * step
}

fn align_up(t: i64, step: i64) -> i64 {
    -align_down(-t, step)
}

/// Each car's time on shift, as sorted, merged spans.
fn duty_spans(shifts: &[ShiftRow]) -> HashMap<&str, Vec<(i64, i64)>> {
    let mut by_plate: HashMap<&str, Vec<(i64, i64)>> = HashMap::new();
    for s in shifts {
        by_plate
            .entry(s.plate.as_str())
            .or_default()
            .push((s.from, s.to));
    }
    for spans in by_plate.values_mut() {
        spans.sort_unstable();
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(spans.len());
        for &(from, to) in spans.iter() {
            match merged.last_mut() {
                Some(last) if from <= last.1 => last.1 = last.1.max(to),
                _ => merged.push((from, to)),
            }
        }
        *spans = merged;
    }
    by_plate
}

/// `spans` cut to `lo..hi`.
fn clip(spans: &[(i64, i64)], lo: i64, hi: i64) -> Vec<(i64, i64)> {
    spans
        .iter()
        .map(|&(a, b)| (a.max(lo), b.min(hi)))
        .filter(|(a, b)| a < b)
        .collect()
}

fn total(spans: &[(i64, i64)]) -> i64 {
    spans.iter().map(|(a, b)| b - a).sum()
}

fn covers(spans: &[(i64, i64)], t: i64) -> bool {
    let i = spans.partition_point(|&(_, b)| b <= t);
    i < spans.len() && spans[i].0 <= t
}

/// The time `offset` ms into the spans, counting only time inside them.
fn at_offset(spans: &[(i64, i64)], mut offset: i64) -> i64 {
    for &(a, b) in spans {
        if offset < b - a {
            return a + offset;
        }
        offset -= b - a;
    }
    spans.last().map_or(0, |s| s.1)
}

/// A random moment on duty (aligned to 5 minutes), or in `fallback` when
/// the car was never on duty.
fn random_time(rng: &mut Rng, duty: &[(i64, i64)], fallback: (i64, i64)) -> i64 {
    let on_duty = total(duty);
    let t = if on_duty > 0 {
        at_offset(duty, rng.below(on_duty as u64) as i64)
    } else {
        fallback.0 + rng.below((fallback.1 - fallback.0).max(1) as u64) as i64
    };
    align_down(t, SEGMENT_MS)
}

/// `n` five-minute steps.
fn steps(n: u64) -> i64 {
    n as i64 * SEGMENT_MS
}

/// Generates the camera records of every car for the window that ends at
/// `now` (ms, UTC): 7 days for the first `full_history` cars by plate, 2
/// hours for the others. Cameras record only while their car is on one of
/// `shifts`. Pure and deterministic for a seed and `now`.
pub fn generate(
    data: &Dataset,
    shifts: &[ShiftRow],
    seed: u64,
    now: i64,
    full_history: usize,
) -> Fleet {
    let spans = duty_spans(shifts);
    let mut plates: Vec<&str> = data.vehicles.iter().map(|v| v.plate.as_str()).collect();
    plates.sort_unstable();
    let duty: Vec<Vec<(i64, i64)>> = plates
        .iter()
        .enumerate()
        .map(|(i, plate)| {
            let window = if i < full_history {
                FULL_WINDOW_MS
            } else {
                SHORT_WINDOW_MS
            };
            spans
                .get(plate)
                .map_or_else(Vec::new, |s| clip(s, now - window, now))
        })
        .collect();

    // The cars whose cameras go silent: a few of the full-history cars with
    // at least a day on duty, one of them (if any is) on duty now and still
    // silent.
    let mut rng = Rng(seed ^ 0x0053_494C_454E_5454);
    let mut candidates: Vec<usize> = (0..plates.len().min(full_history))
        .filter(|&i| total(&duty[i]) >= DAY)
        .collect();
    for i in (1..candidates.len()).rev() {
        candidates.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let wanted = (full_history / 50).clamp(3, 12).min(candidates.len());
    let on_duty_now = |i: usize| covers(&duty[i], now - 1);
    let mut chosen: Vec<usize> = candidates[..wanted].to_vec();
    let silent_now = match chosen.iter().position(|&i| on_duty_now(i)) {
        Some(p) => Some(chosen[p]),
        None => {
            let found = candidates[wanted..]
                .iter()
                .copied()
                .find(|&i| on_duty_now(i));
            if let (Some(i), Some(last)) = (found, chosen.last_mut()) {
                *last = i;
            }
            found
        }
    };
    chosen.sort_unstable();
    let mut silent: BTreeMap<usize, Vec<Outage>> = BTreeMap::new();
    for &i in &chosen {
        let window = (now - FULL_WINDOW_MS, now);
        let mut periods: Vec<Outage> = (0..3 + rng.below(4))
            .map(|_| {
                let from = random_time(&mut rng, &duty[i], window);
                Outage {
                    kind: OutageKind::Silent,
                    from,
                    to: from + 2 * HOUR + steps(rng.below(49)),
                }
            })
            .collect();
        if silent_now == Some(i) {
            let from = align_down(now - HOUR - steps(rng.below(25)), SEGMENT_MS);
            periods.push(Outage {
                kind: OutageKind::Silent,
                from,
                to: now + 6 * HOUR,
            });
        }
        silent.insert(i, periods);
    }

    let mut cameras = Vec::with_capacity(plates.len() * 2);
    for (i, plate) in plates.iter().enumerate() {
        let full = i < full_history;
        let window_start = now
            - if full {
                FULL_WINDOW_MS
            } else {
                SHORT_WINDOW_MS
            };
        for (k, placement) in [Placement::Cabin, Placement::Forward]
            .into_iter()
            .enumerate()
        {
            let mut rng = Rng(seed
                ^ 0x0046_4C45_4554
                ^ ((i * 2 + k) as u64 + 1).wrapping_mul(0xD6E8_FEB8_6659_FD93));
            let outages = outages(
                &mut rng,
                &duty[i],
                (window_start, now),
                full,
                silent.get(&i).map_or(&[][..], |v| v.as_slice()),
            );
            cameras.push(feed(
                &mut rng,
                plate,
                placement,
                full,
                &duty[i],
                (window_start, now),
                outages,
            ));
        }
    }

    // The segments the control center sent again with another checksum.
    let mut conflicts: Vec<Conflict> = Vec::new();
    let with_footage: Vec<&CameraFeed> = cameras
        .iter()
        .filter(|c| c.full_history && !c.segments.is_empty())
        .collect();
    let mut rng = Rng(seed ^ 0x0043_4F4E_464C_4354);
    for _ in 0..CONFLICTS * 4 {
        if with_footage.is_empty() || conflicts.len() == CONFLICTS {
            break;
        }
        let camera = with_footage[rng.below(with_footage.len() as u64) as usize];
        let at = rng.below(camera.segments.len() as u64) as usize;
        let id = camera.segment_id(camera.segments[at].starts_at);
        if conflicts.iter().any(|c| c.segment == id) {
            continue;
        }
        conflicts.push(Conflict {
            camera: camera_index(&cameras, camera),
            at,
            stored_sha256: sha256_hex(&id),
            offered_sha256: sha256_hex(&format!("{id}#resent")),
            index: conflicts.len() as u64,
            segment: id,
        });
    }

    Fleet {
        cameras,
        conflicts,
        silent_plates: chosen.iter().map(|&i| plates[i].to_string()).collect(),
    }
}

/// The position of `camera` in `cameras` (a feed is unique by plate and
/// placement).
fn camera_index(cameras: &[CameraFeed], camera: &CameraFeed) -> usize {
    cameras
        .iter()
        .position(|c| c.plate == camera.plate && c.placement == camera.placement)
        .expect("the camera is one of the fleet's")
}

/// One camera's troubles in `window`: offline gaps (about one every two
/// days on duty), now and then a storage fault or tamper alarms, and its
/// car's silent periods.
fn outages(
    rng: &mut Rng,
    duty: &[(i64, i64)],
    window: (i64, i64),
    full: bool,
    silent: &[Outage],
) -> Vec<Outage> {
    let mut out = silent.to_vec();
    let days_on_duty = total(duty) as f64 / DAY as f64;
    let gaps = (0.5 * days_on_duty + rng.unit()).floor() as usize;
    for _ in 0..gaps {
        let from = random_time(rng, duty, window);
        out.push(Outage {
            kind: OutageKind::Offline,
            from,
            to: from + steps(2 + rng.below(17)), // 10 to 90 minutes
        });
    }
    if rng.unit() < if full { 0.03 } else { 0.004 } {
        let (from, to) = if full {
            let from = random_time(rng, duty, window);
            (from, from + 3 * HOUR + steps(rng.below(12 * 17)))
        } else {
            // Failed some hours ago and not repaired yet.
            let from = align_down(window.0 - HOUR - steps(rng.below(12 * 20)), SEGMENT_MS);
            (from, window.1 + DAY)
        };
        out.push(Outage {
            kind: OutageKind::StorageFault,
            from,
            to,
        });
    }
    if rng.unit() < if full { 0.02 } else { 0.002 } {
        let alarms = if full { 1 + rng.below(3) } else { 1 };
        for _ in 0..alarms {
            let from = random_time(rng, duty, window);
            out.push(Outage {
                kind: OutageKind::Tamper,
                from,
                to: from + steps(2 + rng.below(7)), // 10 to 40 minutes
            });
        }
    }
    out.sort_by_key(|o| (o.from, o.kind));
    out
}

/// The worst outage at `t`.
fn worst_at(outages: &[Outage], t: i64) -> Option<OutageKind> {
    outages
        .iter()
        .filter(|o| o.from <= t && t < o.to)
        .map(|o| o.kind)
        .max()
}

/// One camera's heartbeats and segments in `window`.
fn feed(
    rng: &mut Rng,
    plate: &str,
    placement: Placement,
    full: bool,
    duty: &[(i64, i64)],
    window: (i64, i64),
    outages: Vec<Outage>,
) -> CameraFeed {
    let (start, now) = window;
    // Each camera beats at its own second of the 10 minutes.
    let phase = rng.below(600) as i64 * 1_000;
    let mut heartbeats = Vec::new();
    let first = (start - phase).div_euclid(HEARTBEAT_MS);
    let last = (now - phase).div_euclid(HEARTBEAT_MS);
    for k in first..=last {
        let ts = k * HEARTBEAT_MS + phase;
        if ts < start || (!covers(duty, ts) && k % STANDBY_EVERY != 0) {
            continue;
        }
        let status = match worst_at(&outages, ts) {
            None => Some("online"),
            Some(kind) => kind.status(),
        };
        if let Some(status) = status {
            heartbeats.push(Heartbeat {
                ts,
                status,
                received_at: ts + 1_000 + rng.below(4_000) as i64,
            });
        }
    }
    let mut segments = Vec::new();
    for &(a, b) in duty {
        let mut t = align_up(a, SEGMENT_MS);
        while t + SEGMENT_MS <= b {
            let blocked = outages
                .iter()
                .any(|o| o.kind.stops_footage() && o.from < t + SEGMENT_MS && t < o.to);
            if !blocked {
                segments.push(Segment {
                    starts_at: t,
                    ends_at: t + SEGMENT_MS,
                    bytes: 150_000_000 + rng.below(70_000_001) as i64,
                    received_at: t + SEGMENT_MS + 15_000 + rng.below(165_000) as i64,
                });
            }
            t += SEGMENT_MS;
        }
    }
    CameraFeed {
        plate: plate.to_string(),
        placement,
        full_history: full,
        outages,
        heartbeats,
        segments,
    }
}

/// What [`load`] wrote.
#[derive(Clone, PartialEq, Eq)]
pub struct Loaded {
    pub heartbeats: usize,
    pub segments: usize,
    pub conflicts: usize,
    /// The control center's API token (only its hash is stored).
    pub token: String,
}
app::debug_redacted!(Loaded { heartbeats, segments, conflicts } hide { token });

/// Rows per statement of the bulk write: one JSON text of about 2.5 MiB.
pub(super) const BULK_ROWS: usize = 10_000;

#[derive(serde::Serialize)]
struct SegmentJson<'a> {
    segment: &'a str,
    vehicle: &'a str,
    camera: &'a str,
    start: String,
    end: String,
    uri: &'a str,
    sha256: &'a str,
    bytes: i64,
}

/// `2026-11-21T14:00:00Z` (with milliseconds when there are any).
pub(super) fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .expect("the demo's times are in range")
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// A segment as the control center sends it to the ingest endpoint.
fn segment_json(camera: &CameraFeed, s: &Segment, sha256: Option<&str>) -> Vec<u8> {
    let segment = camera.segment_id(s.starts_at);
    let own = sha256_hex(&segment);
    let record = SegmentJson {
        segment: &segment,
        vehicle: &camera.plate,
        camera: camera.placement.as_str(),
        start: rfc3339(s.starts_at),
        end: rfc3339(s.ends_at),
        uri: &camera.uri(s.starts_at),
        sha256: sha256.unwrap_or(&own),
        bytes: s.bytes,
    };
    serde_json::to_vec(&record).expect("plain values always serialize")
}

/// The JSON array of `records` (each one serialized already).
fn json_array(records: impl Iterator<Item = Vec<u8>>) -> Vec<u8> {
    let mut body = vec![b'['];
    for (i, r) in records.enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(&r);
    }
    body.push(b']');
    body
}

/// A chunk of rows for one bulk statement: the JSON array of arrays that
/// [`json_rows`] reads.
enum Bulk {
    Segments(String),
    Heartbeats(String),
}

/// Every camera's segments, then every camera's heartbeats, as JSON rows of
/// up to [`BULK_ROWS`], camera by camera and oldest first, so that each
/// index of the two tables grows at its end (the segment ids sort by
/// plate, camera and time). Stops early when nobody receives them any more.
fn bulk_rows(fleet: &Fleet, camera_ids: &[i64], out: &tokio::sync::mpsc::Sender<Bulk>) {
    let feeds = || fleet.cameras.iter().zip(camera_ids);
    let segments = feeds().flat_map(|(camera, &id)| {
        camera.segments.iter().map(move |s| {
            let segment = camera.segment_id(s.starts_at);
            let sha256 = sha256_hex(&segment);
            let uri = camera.uri(s.starts_at);
            let (from, to) = (s.starts_at, s.ends_at);
            (segment, id, from, to, uri, sha256, s.bytes, s.received_at)
        })
    });
    if send_chunks(segments, Bulk::Segments, out) {
        let heartbeats = feeds().flat_map(|(camera, &id)| {
            camera
                .heartbeats
                .iter()
                .map(move |h| (id, h.ts, h.status, h.received_at))
        });
        send_chunks(heartbeats, Bulk::Heartbeats, out);
    }
}

/// Sends `rows` in chunks of up to [`BULK_ROWS`], each as its JSON text
/// wrapped by `kind`; false when nobody receives them any more (the load
/// failed already).
pub(super) fn send_chunks<T: serde::Serialize, K>(
    rows: impl Iterator<Item = T>,
    kind: fn(String) -> K,
    out: &tokio::sync::mpsc::Sender<K>,
) -> bool {
    let mut chunk: Vec<T> = Vec::with_capacity(BULK_ROWS);
    let send = |chunk: &mut Vec<T>| {
        let text = serde_json::to_string(&*chunk).expect("plain values always serialize");
        chunk.clear();
        out.blocking_send(kind(text)).is_ok()
    };
    for row in rows {
        chunk.push(row);
        if chunk.len() == BULK_ROWS && !send(&mut chunk) {
            return false;
        }
    }
    chunk.is_empty() || send(&mut chunk)
}

/// Each camera's status changes: its first heartbeat, and every one whose
/// online-or-not differs from the one before (what the ingest keeps, see
/// `app::fleet::coverage::keep`).
fn status_changes(fleet: &Fleet, camera_ids: &[i64]) -> Vec<(i64, i64, i64)> {
    let mut changes = Vec::new();
    for (camera, &id) in fleet.cameras.iter().zip(camera_ids) {
        let mut was: Option<bool> = None;
        for h in &camera.heartbeats {
            let online = h.status == "online";
            if was != Some(online) {
                changes.push((id, h.ts, i64::from(online)));
            }
            was = Some(online);
        }
    }
    changes
}

/// Registers the control center's client, then writes its cameras' records
/// for the window ending at `now` as the ingest would have stored them (in
/// bulk: a week of the whole fleet), and sends the re-sent segments through
/// the ingest, in the demo's transaction `tx` and in the demo loader's name
/// (no client sent them, so the stored rows name none). The cameras and
/// `shifts` must be loaded already.
pub async fn load(
    tx: &mut AuditedTx,
    data: &Dataset,
    shifts: &[ShiftRow],
    scale: Scale,
    seed: u64,
    now: i64,
) -> Result<Loaded, DemoError> {
    let fleet = generate(data, shifts, seed, now, full_history_vehicles(scale));
    let who = app::identity::demo_loader();

    // Made as `vigia api-client create` makes one: only the hash is kept.
    let manage = authorize(&who, act::ManageApiClients, Object::Any)?;
    let token = app::admin::clients::store::create_client_in(
        tx,
        &manage,
        "demo",
        CLIENT_NAME,
        CLIENT_SCOPES,
    )
    .await?;
    // When each camera was registered (footage coverage is counted from
    // then): the full-history cars' cameras before the week began, the
    // others' when their 2 hours of data begin (connected this morning).
    let last_full = format!("PNC-{:04}", full_history_vehicles(scale));
    for (registered, op) in [
        (now - FULL_WINDOW_MS - DAY, "<="),
        (now - SHORT_WINDOW_MS, ">"),
    ] {
        sqlx::query(&format!(
            "UPDATE cameras SET created_at = $1 WHERE vehicle_id IN \
             (SELECT id FROM vehicles WHERE plate {op} $2)"
        ))
        .bind(registered)
        .bind(&last_full)
        .execute(tx.conn())
        .await?;
    }

    // Each feed's camera, in the fleet's order.
    let mut ids: HashMap<(String, String), i64> = HashMap::new();
    for row in sqlx::query(
        "SELECT v.plate, c.placement, c.id FROM cameras c JOIN vehicles v ON v.id = c.vehicle_id",
    )
    .fetch_all(tx.conn())
    .await?
    {
        ids.insert((row.try_get(0)?, row.try_get(1)?), row.try_get(2)?);
    }
    let camera_ids: Vec<i64> = fleet
        .cameras
        .iter()
        .map(|c| ids[&(c.plate.clone(), c.placement.as_str().to_string())])
        .collect();

    // The week's records go straight into the store, as the ingest would
    // have left them (a week of the whole fleet through the ingest's
    // checks, one batch at a time, took minutes): the segments and
    // heartbeats, the coverage kept from them, each camera's last state,
    // and one audit record per kind. The ingest's own path is what the
    // re-sent segments take below.
    let backend = tx.backend();
    sqlx::query("UPDATE change_counters SET version = version + 1 WHERE name = 'fleet_ingest'")
        .execute(tx.conn())
        .await?;
    use JsonCol::{Int, Text};
    let insert_segments = format!(
        "INSERT INTO footage_segments \
         (segment, camera_id, starts_at, ends_at, uri, sha256, bytes, received_at) \
         SELECT c0, c1, c2, c3, c4, c5, c6, c7 FROM ({}) AS r",
        json_rows(backend, 1, &[Text, Int, Int, Int, Text, Text, Int, Int])
    );
    let insert_heartbeats = format!(
        "INSERT INTO camera_heartbeats (camera_id, ts, status, received_at) \
         SELECT c0, c1, c2, c3 FROM ({}) AS r",
        json_rows(backend, 1, &[Int, Int, Text, Int])
    );
    // The rows are made on a blocking thread while this task writes them.
    let fleet = std::sync::Arc::new(fleet);
    let camera_ids = std::sync::Arc::new(camera_ids);
    let (sender, mut chunks) = tokio::sync::mpsc::channel(2);
    let builder = {
        let (fleet, camera_ids) = (fleet.clone(), camera_ids.clone());
        tokio::task::spawn_blocking(move || bulk_rows(&fleet, &camera_ids, &sender))
    };
    let (mut segments, mut heartbeats) = (0u64, 0u64);
    while let Some(chunk) = chunks.recv().await {
        let (sql, rows, count) = match chunk {
            Bulk::Segments(rows) => (&insert_segments, rows, &mut segments),
            Bulk::Heartbeats(rows) => (&insert_heartbeats, rows, &mut heartbeats),
        };
        *count += sqlx::query(sql)
            .bind(rows)
            .execute(tx.conn())
            .await?
            .rows_affected();
    }
    builder.await.expect("making the rows does not panic");

    app::fleet::coverage::keep::add_footage(
        tx.conn(),
        backend,
        fleet
            .cameras
            .iter()
            .zip(camera_ids.iter())
            .flat_map(|(c, &id)| {
                c.segments
                    .iter()
                    .map(move |s| (CameraId(id), s.starts_at, s.ends_at))
            }),
    )
    .await?;
    let insert_changes = format!(
        "INSERT INTO camera_status_changes (camera_id, ts, online) SELECT c0, c1, c2 FROM ({}) AS r",
        json_rows(backend, 1, &[Int, Int, Int])
    );
    for chunk in status_changes(&fleet, &camera_ids).chunks(BULK_ROWS) {
        sqlx::query(&insert_changes)
            .bind(serde_json::to_string(chunk).expect("plain values always serialize"))
            .execute(tx.conn())
            .await?;
    }
    // Each camera: id, last footage end, last heartbeat's time and status.
    type Last<'a> = (i64, Option<i64>, Option<i64>, Option<&'a str>);
    let last: Vec<Last> = fleet
        .cameras
        .iter()
        .zip(camera_ids.iter())
        .map(|(c, &id)| {
            let status = c.last_status();
            (
                id,
                c.last_footage_at(),
                status.map(|s| s.1),
                status.map(|s| s.0),
            )
        })
        .collect();
    sqlx::query(&format!(
        "UPDATE cameras SET last_footage_at = j.c1, last_status_at = j.c2, last_status = j.c3 \
         FROM ({}) AS j WHERE cameras.id = j.c0",
        json_rows(backend, 1, &[Int, Int, Int, Text])
    ))
    .bind(serde_json::to_string(&last).expect("plain values always serialize"))
    .execute(tx.conn())
    .await?;
    for (action, accepted) in [
        (AuditAction::FootageIngested, segments),
        (AuditAction::HeartbeatsIngested, heartbeats),
    ] {
        tx.audit(&AuditEntry {
            action,
            object_type: "batch",
            object_id: String::new(),
            outcome: "ok",
            ip: "demo".into(),
            details: serde_json::json!({ "accepted": accepted, "duplicates": 0, "rejected": 0 }),
        })
        .await?;
    }

    // The segments the control center sent again with another checksum,
    // through the ingest: refused, each audited.
    let footage = authorize(&who, act::IngestFootage, Object::Any)?;
    let sender = Sender {
        actor: &footage,
        ip: "demo",
        // Sent as it arrived: nothing of the demo is late.
        late_after_ms: i64::MAX / 2,
    };
    let resent = json_array(fleet.conflicts.iter().map(|c| {
        let camera = &fleet.cameras[c.camera];
        segment_json(camera, &camera.segments[c.at], Some(&c.offered_sha256))
    }));
    if !fleet.conflicts.is_empty() {
        let answer = ingest_footage_in(tx, &sender, &resent, Framing::JsonArray, now)
            .await
            .map_err(DemoError::Ingest)?;
        // All of them refused, and nothing else stored: anything else is
        // a bug of the generator's, which the load must not hide.
        if answer.accepted != 0 || answer.rejected.len() != fleet.conflicts.len() {
            return Err(DemoError::Ingest(BatchError::BadBody(format!(
                "the ingest refused {} of {} re-sent demo segments and stored {}",
                answer.rejected.len(),
                fleet.conflicts.len(),
                answer.accepted
            ))));
        }
    }
    Ok(Loaded {
        heartbeats: heartbeats as usize,
        segments: segments as usize,
        conflicts: fleet.conflicts.len(),
        token: token.reveal().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{duty, generate as generate_data, Scale};

    const SEED: u64 = 2013;

    /// The demo's shifts and cameras for a "now" at `local_hour` (Guatemala
    /// time) of a fixed day, as `load` makes them.
    fn fleet_at(local_hour: i64) -> (Dataset, Vec<ShiftRow>, i64, Fleet) {
        let data = generate_data(Scale::Small, SEED);
        let now = dates::local_midnight_ms(20_780) + local_hour * HOUR + 17 * MINUTE + 23_456;
        let today = (now / 1_000 - 6 * 3_600).div_euclid(86_400);
        let shifts = duty::shifts(&data, SEED, today - 6, 7);
        let fleet = generate(&data, &shifts, SEED, now, 100);
        (data, shifts, now, fleet)
    }

    fn full(c: &CameraFeed) -> bool {
        c.plate.as_str() <= "PNC-0100"
    }

    #[test]
    fn segments_fall_in_their_cars_shifts_aligned_and_never_overlapping() {
        for hour in [3, 14] {
            let (data, shifts, now, fleet) = fleet_at(hour);
            assert_eq!(fleet.cameras.len(), data.vehicles.len() * 2);
            let spans = duty_spans(&shifts);
            for c in &fleet.cameras {
                assert_eq!(c.full_history, full(c), "{}", c.plate);
                let window = if c.full_history {
                    FULL_WINDOW_MS
                } else {
                    SHORT_WINDOW_MS
                };
                let duty = spans.get(c.plate.as_str()).cloned().unwrap_or_default();
                for s in &c.segments {
                    assert_eq!(s.starts_at % SEGMENT_MS, 0);
                    assert_eq!(s.ends_at - s.starts_at, SEGMENT_MS);
                    assert!(s.starts_at >= now - window && s.ends_at <= now);
                    assert!(
                        duty.iter()
                            .any(|&(a, b)| a <= s.starts_at && s.ends_at <= b),
                        "{} {} records off shift at {}",
                        c.plate,
                        c.placement.as_str(),
                        s.starts_at
                    );
                    assert!((150_000_000..=220_000_000).contains(&s.bytes));
                    assert!(s.received_at > s.ends_at);
                }
                for w in c.segments.windows(2) {
                    assert!(w[0].ends_at <= w[1].starts_at, "overlap in {}", c.plate);
                }
                for w in c.heartbeats.windows(2) {
                    assert!(w[0].ts < w[1].ts);
                }
                assert!(c
                    .heartbeats
                    .iter()
                    .all(|h| h.ts >= now - window && h.ts <= now && h.received_at > h.ts));
            }
        }
    }

    #[test]
    fn the_first_hundred_cars_have_the_week_and_every_camera_a_current_state() {
        let (_, _, now, fleet) = fleet_at(14);
        let oldest = |c: &CameraFeed| c.segments.first().map(|s| s.starts_at);
        let week_old = fleet
            .cameras
            .iter()
            .filter(|c| full(c) && oldest(c).is_some_and(|t| t < now - 6 * DAY))
            .count();
        assert!(
            week_old > 100,
            "only {week_old} cameras have footage 6 days old"
        );
        for c in fleet.cameras.iter().filter(|c| !full(c)) {
            assert!(c.segments.iter().all(|s| s.starts_at >= now - 2 * HOUR));
            assert!(c.heartbeats.iter().all(|h| h.ts >= now - 2 * HOUR));
        }
        let on_duty_now = fleet
            .cameras
            .iter()
            .filter(|c| !full(c) && c.last_footage_at().is_some_and(|t| t > now - HOUR))
            .count();
        assert!(on_duty_now > 1_000, "{on_duty_now} cameras record now");
        for c in &fleet.cameras {
            let silent = fleet.silent_plates.contains(&c.plate);
            assert!(
                silent
                    || c.last_status()
                        .is_some_and(|(_, at)| at > now - 31 * MINUTE),
                "{} {} has no current state",
                c.plate,
                c.placement.as_str()
            );
        }
    }

    #[test]
    fn cameras_go_offline_now_and_then_and_a_few_fail_or_raise_alarms() {
        let (_, _, _, fleet) = fleet_at(14);
        let full_cameras: Vec<&CameraFeed> = fleet.cameras.iter().filter(|c| full(c)).collect();
        let recording = full_cameras
            .iter()
            .filter(|c| !c.segments.is_empty())
            .count();
        let gaps: Vec<&Outage> = full_cameras
            .iter()
            .flat_map(|c| &c.outages)
            .filter(|o| o.kind == OutageKind::Offline)
            .collect();
        // About one every two days on duty: a few a week per camera.
        assert!(
            gaps.len() > recording * 2 && gaps.len() < recording * 5,
            "{} offline gaps for {recording} cameras",
            gaps.len()
        );
        assert!(gaps
            .iter()
            .all(|o| (10 * MINUTE..=90 * MINUTE).contains(&(o.to - o.from))));
        for c in &fleet.cameras {
            for o in c.outages.iter().filter(|o| o.kind.stops_footage()) {
                assert!(
                    c.segments
                        .iter()
                        .all(|s| s.ends_at <= o.from || s.starts_at >= o.to),
                    "{} records during {o:?}",
                    c.plate
                );
            }
            for h in &c.heartbeats {
                let expected = worst_at(&c.outages, h.ts)
                    .map_or("online", |k| k.status().expect("no heartbeat while silent"));
                assert_eq!(h.status, expected);
            }
        }
        let with_status = |status: &str| {
            fleet
                .cameras
                .iter()
                .filter(|c| c.heartbeats.iter().any(|h| h.status == status))
                .count()
        };
        assert!(with_status("offline") > 150, "{}", with_status("offline"));
        // A handful of the 2,600 cameras.
        assert!((2..=60).contains(&with_status("storage_fault")));
        assert!((1..=40).contains(&with_status("tamper")));
        let now_faulty = fleet
            .cameras
            .iter()
            .filter(|c| c.last_status().is_some_and(|(s, _)| s == "storage_fault"))
            .count();
        assert!(now_faulty > 0, "no camera has a storage fault now");
    }

    #[test]
    fn a_few_cars_go_silent_during_their_shifts_and_only_they() {
        for hour in [3, 14] {
            let (_, shifts, now, fleet) = fleet_at(hour);
            let spans = duty_spans(&shifts);
            assert!(
                (3..=5).contains(&fleet.silent_plates.len()),
                "{:?}",
                fleet.silent_plates
            );
            let mut silent_in_shift = Vec::new();
            for c in &fleet.cameras {
                let duty = spans.get(c.plate.as_str()).cloned().unwrap_or_default();
                let long_gap = c
                    .heartbeats
                    .windows(2)
                    .any(|w| w[1].ts - w[0].ts >= 2 * HOUR && covers(&duty, w[0].ts));
                let quiet_now =
                    covers(&duty, now - 1) && c.last_status().is_none_or(|(_, at)| at < now - HOUR);
                if long_gap || quiet_now {
                    assert!(fleet.silent_plates.contains(&c.plate), "{}", c.plate);
                    silent_in_shift.push(c.plate.clone());
                }
                if !fleet.silent_plates.contains(&c.plate) {
                    assert!(c
                        .heartbeats
                        .windows(2)
                        .all(|w| w[1].ts - w[0].ts <= STANDBY_EVERY * HEARTBEAT_MS));
                }
            }
            silent_in_shift.dedup();
            assert!(!silent_in_shift.is_empty());
            // Both cameras of a silent car fall silent together.
            for plate in &fleet.silent_plates {
                let of_car: Vec<&CameraFeed> =
                    fleet.cameras.iter().filter(|c| &c.plate == plate).collect();
                let silent = |c: &CameraFeed| {
                    c.outages
                        .iter()
                        .filter(|o| o.kind == OutageKind::Silent)
                        .copied()
                        .collect::<Vec<_>>()
                };
                assert_eq!(silent(of_car[0]), silent(of_car[1]));
                assert!(silent(of_car[0]).len() >= 3);
            }
        }
    }

    #[test]
    fn the_same_seed_and_time_give_the_same_records() {
        let (data, shifts, now, fleet) = fleet_at(14);
        assert_eq!(generate(&data, &shifts, SEED, now, 100), fleet);
        let other = generate(&data, &shifts, SEED + 1, now, 100);
        assert_ne!(other.cameras, fleet.cameras);
    }

    #[test]
    fn resent_segments_name_a_stored_segment_and_another_checksum() {
        let (_, _, _, fleet) = fleet_at(14);
        assert_eq!(fleet.conflicts.len(), CONFLICTS);
        let stored: std::collections::HashSet<String> = fleet
            .cameras
            .iter()
            .flat_map(|c| c.segments.iter().map(|s| c.segment_id(s.starts_at)))
            .collect();
        for c in &fleet.conflicts {
            assert!(stored.contains(&c.segment), "{}", c.segment);
            assert_eq!(c.stored_sha256, sha256_hex(&c.segment));
            assert_ne!(c.offered_sha256, c.stored_sha256);
            assert!(c.index < 500);
        }
        let ids: std::collections::HashSet<&str> =
            fleet.conflicts.iter().map(|c| c.segment.as_str()).collect();
        assert_eq!(ids.len(), CONFLICTS);
    }

    #[test]
    fn ids_paths_and_checksums_follow_the_control_centers_shapes() {
        let camera = CameraFeed {
            plate: "PNC-0451".into(),
            placement: Placement::Forward,
            full_history: true,
            outages: vec![],
            heartbeats: vec![],
            segments: vec![],
        };
        let t = dates::days_from_civil(2026, 11, 21) * DAY + 14 * HOUR;
        assert_eq!(camera.segment_id(t), "GC-PNC0451-FWD-20261121T140000Z");
        assert_eq!(
            camera.uri(t),
            "s3://pnc-footage/2026/11/21/PNC-0451/FWD/20261121T140000Z.mp4"
        );
        let cabin = CameraFeed {
            placement: Placement::Cabin,
            ..camera
        };
        assert_eq!(
            cabin.segment_id(t + 5 * MINUTE),
            "GC-PNC0451-CAB-20261121T140500Z"
        );
        let sha = sha256_hex("GC-PNC0451-CAB-20261121T140500Z");
        assert_eq!(sha.len(), 64);
        assert!(sha
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    }
}
