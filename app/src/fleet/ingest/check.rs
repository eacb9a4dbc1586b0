//! Checking what a batch holds, record by record, before the database sees
//! it: the body's framing, each record's shape and fields (with a message
//! that names the field, in English as API.md shows), times and lengths.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::*;

/// Each record's position and the record, or why it is not one.
pub(crate) type Parsed<T> = Vec<(usize, Result<T, String>)>;

/// Each record of a body, parsed to `T`, or why not. Blank NDJSON lines are
/// skipped but still counted in the positions.
pub(crate) fn parse_batch<T: DeserializeOwned>(
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
            Ok(items) if items.len() > MAX_BATCH_RECORDS => return Err(BatchError::TooManyRecords),
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
        if records.len() == MAX_BATCH_RECORDS {
            return Err(BatchError::TooManyRecords);
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

pub(crate) fn diagnose_or(
    v: &Value,
    diagnose: fn(&Value) -> String,
    typed: &serde_json::Error,
) -> String {
    let found = diagnose(v);
    if found.is_empty() {
        format!("not a valid record: {typed}")
    } else {
        found
    }
}

/// The kinds of value a record's fields take, for field-named messages.
#[derive(Clone, Copy)]
pub(crate) enum Expect {
    Text,
    Count,
    /// Any JSON number (JSON has no NaN or infinity).
    Number,
    OneOf(&'static str),
}

/// The first field of `v` that is missing or of the wrong kind, as
/// `field: reason`; empty if none is.
pub(crate) fn check_fields(v: &Value, fields: &[(&str, Expect)]) -> String {
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
            (Some(Value::Number(_)), Expect::Number) => continue,
            (Some(_), Expect::Number) => "must be a number".to_string(),
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

pub(crate) fn diagnose_footage(v: &Value) -> String {
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

pub(crate) fn diagnose_heartbeat(v: &Value) -> String {
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

pub(crate) fn not_in_future(field: &str, ms: i64, now: i64) -> Result<(), String> {
    if ms > now + FUTURE_SLACK_MS {
        Err(format!(
            "{field}: is more than 5 minutes ahead of the server clock"
        ))
    } else {
        Ok(())
    }
}

pub(crate) fn text_field(field: &str, value: &str, max: usize) -> Result<String, String> {
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
pub(crate) struct Segment {
    pub(crate) segment: String,
    pub(crate) plate: String,
    pub(crate) camera: CameraPlacement,
    pub(crate) starts_at: i64,
    pub(crate) ends_at: i64,
    pub(crate) uri: String,
    pub(crate) sha256: String,
    pub(crate) bytes: i64,
}

pub(crate) fn check_segment(r: FootageSegmentIn, now: i64) -> Result<Segment, String> {
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
pub(crate) struct Heartbeat {
    pub(crate) plate: String,
    pub(crate) camera: CameraPlacement,
    pub(crate) ts: i64,
    pub(crate) status: HeartbeatStatus,
}

pub(crate) fn check_heartbeat(r: HeartbeatIn, now: i64) -> Result<Heartbeat, String> {
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

/// Parses and checks every record of a body: the valid ones with their
/// positions, and an answer holding the rejected ones so far.
pub(crate) fn check_all<T: DeserializeOwned, V>(
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
