//! The machine API's ingest: footage-segment references and camera
//! heartbeats, in batches (server only). API.md is the contract.
//!
//! A batch is judged record by record: every record is parsed, checked and
//! matched to its camera first; then all the valid ones go in together in
//! one transaction, with the batch's audit record. A record whose identity
//! is stored already counts as a duplicate when it says the same, and is
//! rejected as an `integrity` conflict (and audited) when it says otherwise.
//!
//! Here the contract's types (what is sent and answered); [`check`] judges
//! each record, [`store`] writes the batch.

use serde::{Deserialize, Serialize};

use crate::policy::{act, Permit};

/// Bodies over this many bytes are refused (`413`).
pub const MAX_BATCH_BYTES: usize = 16 * 1024 * 1024;

/// A batch holds at most this many records; a batch of more is refused
/// whole (`413`, nothing stored), so that one request's work is bounded
/// whatever the records' size (16 MiB of the smallest heartbeats would be
/// some 180,000 of them).
pub const MAX_BATCH_RECORDS: usize = 50_000;

/// The answer lists at most this many rejections (the first, by index);
/// `rejected_not_listed` counts the others.
pub const MAX_LISTED_REJECTIONS: usize = 1_000;

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
    /// The first 1,000 rejected records, by index.
    pub rejected: Vec<Rejection>,
    /// Rejected records beyond the first 1,000, counted but not listed
    /// (absent when there are none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rejected_not_listed: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl BatchAnswer {
    /// Every rejection, listed or not.
    pub fn rejected_total(&self) -> u64 {
        self.rejected.len() as u64 + self.rejected_not_listed
    }

    /// Keeps the first [`MAX_LISTED_REJECTIONS`] rejections (they are in
    /// index order) and counts the rest.
    pub(crate) fn bound_rejections(&mut self) {
        if self.rejected.len() > MAX_LISTED_REJECTIONS {
            self.rejected_not_listed += (self.rejected.len() - MAX_LISTED_REJECTIONS) as u64;
            self.rejected.truncate(MAX_LISTED_REJECTIONS);
        }
    }
}

/// Why a whole batch was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchError {
    /// Neither JSON nor NDJSON (`400`).
    BadBody(String),
    /// More than [`MAX_BATCH_RECORDS`] records (`413`); nothing stored.
    TooManyRecords,
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

pub(crate) mod check;
pub(crate) mod store;
pub use check::parse_time;
pub use store::{
    ingest_footage, ingest_footage_in, ingest_heartbeats, ingest_heartbeats_in, Sender,
};

#[cfg(test)]
mod tests {
    use super::check::*;
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
