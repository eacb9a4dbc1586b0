//! The OsmAnd protocol, as Traccar Client and other off-the-shelf trackers
//! speak it (API.md, `/osmand`): one position per request, in one of three
//! forms —
//!
//! - parameters in the query string (GET, or a POST with an empty body, as
//!   Traccar Client's older versions send it);
//! - the same parameters as a form body (`application/x-www-form-urlencoded`);
//! - a JSON body, as current Traccar Client versions send it.
//!
//! Parameters: `id` (or `deviceid`) the chip, `lat` and `lon` (or
//! `location=lat,lon`), `timestamp` as unix seconds, unix milliseconds or
//! RFC 3339; optional `accuracy` (m), `speed` (knots, as the protocol
//! sends it; kept in m/s), `bearing` (or `heading`, degrees), `altitude`
//! (m), `batt` (per cent), `mock`. Other parameters (`hdop`, `valid`,
//! `charge`, …) are read past. In the JSON form speed is in m/s and the
//! battery level a fraction of 1, as the app sends them; -1 there means the
//! phone did not know, and is kept as not sent.

use serde_json::Value;

use super::check::{chip, position, within};
use super::Ping;
use crate::fleet::ingest::check::{not_in_future, parse_time};

/// Knots to metres per second.
const KNOT_MPS: f64 = 1852.0 / 3600.0;

/// A tracker's body is one position: this is plenty.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Which form carried the position, and so which field names the chip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Params,
    Json,
}

impl Form {
    pub fn chip_field(self) -> &'static str {
        match self {
            Form::Params => "id",
            Form::Json => "device_id",
        }
    }
}

/// Reads a tracker's request into a checked ping, or the reason (naming
/// the field) it is not one.
pub fn read(
    query: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(Form, Ping), String> {
    let mime = content_type
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase());
    let body_text = std::str::from_utf8(body)
        .map_err(|_| "the body is not UTF-8 text".to_string())?
        .trim();
    let json = mime.as_deref() == Some("application/json")
        || (mime.is_none() && body_text.starts_with('{'));
    if json && !body_text.is_empty() {
        let value: Value = serde_json::from_str(body_text)
            .map_err(|e| format!("the body is not valid JSON: {e}"))?;
        return from_json(&value, now).map(|p| (Form::Json, p));
    }
    let mut params: Vec<(String, String)> = Vec::new();
    if let Some(q) = query {
        params.extend(form_urlencoded::parse(q.as_bytes()).into_owned());
    }
    if !body_text.is_empty() {
        params.extend(form_urlencoded::parse(body_text.as_bytes()).into_owned());
    }
    from_params(&params, now).map(|p| (Form::Params, p))
}

/// A position from query or form parameters.
fn from_params(params: &[(String, String)], now: i64) -> Result<Ping, String> {
    let get = |names: &[&str]| -> Option<(&'static str, &str)> {
        names.iter().find_map(|n| {
            params
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| (static_name(n), v.as_str()))
        })
    };
    let (chip_field, chip_value) = get(&["id", "deviceid"]).ok_or("id: missing")?;
    let chip = chip(chip_field, chip_value)?;
    let (lat, lon) = match (get(&["lat"]), get(&["lon"]), get(&["location"])) {
        (Some((_, lat)), Some((_, lon)), _) => (number("lat", lat)?, number("lon", lon)?),
        (_, _, Some((_, location))) => {
            let (lat, lon) = location
                .split_once(',')
                .ok_or("location: must be lat,lon")?;
            (number("location", lat)?, number("location", lon)?)
        }
        (None, _, _) => return Err("lat: missing".into()),
        (_, None, _) => return Err("lon: missing".into()),
    };
    let (lat_e7, lon_e7) = position("lat", lat, "lon", lon)?;
    let (_, ts) = get(&["timestamp"]).ok_or("timestamp: missing")?;
    let ts = timestamp(ts)?;
    not_in_future("timestamp", ts, now)?;
    let optional = |names: &[&str]| -> Result<Option<f64>, String> {
        match get(names) {
            None => Ok(None),
            Some((_, v)) if v.trim().is_empty() => Ok(None),
            Some((field, v)) => number(field, v).map(Some),
        }
    };
    let accuracy_m = within("accuracy", optional(&["accuracy"])?, 0.0..=f64::MAX)?;
    let speed_mps = within("speed", optional(&["speed"])?, 0.0..=f64::MAX)?.map(|kn| kn * KNOT_MPS);
    let bearing_deg = within("bearing", optional(&["bearing", "heading"])?, 0.0..=360.0)?;
    let altitude_m = within("altitude", optional(&["altitude"])?, -1000.0..=100_000.0)?;
    let battery_pct = within("batt", optional(&["batt"])?, 0.0..=100.0)?;
    let mock = match get(&["mock"]) {
        None => false,
        Some((_, v)) => flag("mock", v)?,
    };
    Ok(Ping {
        chip,
        ts,
        lat_e7,
        lon_e7,
        accuracy_m,
        source: None,
        speed_mps,
        bearing_deg,
        altitude_m,
        battery_pct,
        mock,
    })
}

fn static_name(n: &str) -> &'static str {
    match n {
        "id" => "id",
        "deviceid" => "deviceid",
        "lat" => "lat",
        "lon" => "lon",
        "location" => "location",
        "timestamp" => "timestamp",
        "accuracy" => "accuracy",
        "speed" => "speed",
        "bearing" => "bearing",
        "heading" => "heading",
        "altitude" => "altitude",
        "batt" => "batt",
        _ => "mock",
    }
}

fn number(field: &str, text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("{field}: {text:?} is not a number")),
    }
}

fn flag(field: &str, text: &str) -> Result<bool, String> {
    match text.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" | "" => Ok(false),
        other => Err(format!("{field}: {other:?} is not true or false")),
    }
}

/// Unix seconds, unix milliseconds or RFC 3339. A whole number below 2³¹
/// is seconds (until 2038), as the protocol's servers read it; a number
/// with a fraction is seconds too.
pub fn timestamp(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if let Ok(n) = t.parse::<i64>() {
        if n < 0 {
            return Err(format!("timestamp: {t} is before 1970"));
        }
        return Ok(if n < i64::from(i32::MAX) { n * 1000 } else { n });
    }
    if let Ok(s) = t.parse::<f64>() {
        if s.is_finite() && s >= 0.0 && s < f64::from(i32::MAX) {
            return Ok((s * 1000.0).round() as i64);
        }
        return Err(format!("timestamp: {t:?} is not a time"));
    }
    parse_time("timestamp", t).map_err(|_| {
        format!(
            "timestamp: {t:?} is not unix seconds, unix milliseconds or an RFC 3339 time (like 2013-04-16T14:03:12Z)"
        )
    })
}

/// A position from the JSON form.
fn from_json(v: &Value, now: i64) -> Result<Ping, String> {
    let Some(root) = v.as_object() else {
        return Err("the body must be a JSON object".into());
    };
    let chip_value = match root.get("device_id") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        None | Some(Value::Null) => return Err("device_id: missing".into()),
        Some(_) => return Err("device_id: must be a string".into()),
    };
    let chip = chip("device_id", &chip_value)?;
    let location = match root.get("location") {
        Some(Value::Object(l)) => l,
        None | Some(Value::Null) => return Err("location: missing".into()),
        Some(Value::Array(_)) => {
            return Err("location: must be one location (an object), not a list".into())
        }
        Some(_) => return Err("location: must be an object".into()),
    };
    let ts = match location.get("timestamp") {
        Some(Value::String(s)) => timestamp(s).map_err(|e| format!("location.{e}"))?,
        Some(Value::Number(n)) => timestamp(&n.to_string()).map_err(|e| format!("location.{e}"))?,
        None | Some(Value::Null) => return Err("location.timestamp: missing".into()),
        Some(_) => return Err("location.timestamp: must be a string".into()),
    };
    not_in_future("location.timestamp", ts, now)?;
    let coords = match location.get("coords") {
        Some(Value::Object(c)) => c,
        None | Some(Value::Null) => return Err("location.coords: missing".into()),
        Some(_) => return Err("location.coords: must be an object".into()),
    };
    let field = |map: &serde_json::Map<String, Value>,
                 name: &str,
                 path: &str|
     -> Result<Option<f64>, String> {
        match map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(_) => Err(format!("{path}: must be a number")),
        }
    };
    let lat = field(coords, "latitude", "location.coords.latitude")?
        .ok_or("location.coords.latitude: missing")?;
    let lon = field(coords, "longitude", "location.coords.longitude")?
        .ok_or("location.coords.longitude: missing")?;
    let (lat_e7, lon_e7) = position(
        "location.coords.latitude",
        lat,
        "location.coords.longitude",
        lon,
    )?;
    // -1: the phone did not know.
    let known = |v: Option<f64>| v.filter(|x| *x != -1.0);
    let accuracy_m = within(
        "location.coords.accuracy",
        known(field(coords, "accuracy", "location.coords.accuracy")?),
        0.0..=f64::MAX,
    )?;
    let speed_mps = within(
        "location.coords.speed",
        known(field(coords, "speed", "location.coords.speed")?),
        0.0..=f64::MAX,
    )?;
    let bearing_deg = within(
        "location.coords.heading",
        known(field(coords, "heading", "location.coords.heading")?),
        0.0..=360.0,
    )?;
    let altitude_m = within(
        "location.coords.altitude",
        field(coords, "altitude", "location.coords.altitude")?,
        -1000.0..=100_000.0,
    )?;
    let battery_pct = match location.get("battery") {
        None | Some(Value::Null) => None,
        Some(Value::Object(b)) => within(
            "location.battery.level",
            known(field(b, "level", "location.battery.level")?),
            0.0..=1.0,
        )?
        .map(|level| level * 100.0),
        Some(_) => return Err("location.battery: must be an object".into()),
    };
    let mock = match location.get("mock").or_else(|| root.get("mock")) {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err("location.mock: must be true or false".into()),
    };
    Ok(Ping {
        chip,
        ts,
        lat_e7,
        lon_e7,
        accuracy_m,
        source: None,
        speed_mps,
        bearing_deg,
        altitude_m,
        battery_pct,
        mock,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_366_124_400_000; // 2013-04-16T15:00:00Z
    const AT: i64 = 1_366_120_992_000; // 2013-04-16T14:03:12Z

    #[test]
    fn the_query_string_in_every_timestamp_form() {
        for ts in [
            "1366120992",
            "1366120992000",
            "2013-04-16T14:03:12Z",
            "2013-04-16T08:03:12-06:00",
            "1366120992.0",
        ] {
            let q = format!("id=chip-0004211&lat=14.6349&lon=-90.5069&timestamp={ts}&speed=10&bearing=54.1&altitude=1540.3&accuracy=12.5&batt=87&hdop=0.9");
            let (form, p) = read(Some(&q), None, b"", NOW).unwrap();
            assert_eq!(form, Form::Params);
            assert_eq!(p.chip, "CHIP-0004211");
            assert_eq!(p.ts, AT, "{ts}");
            assert_eq!((p.lat_e7, p.lon_e7), (146_349_000, -905_069_000));
            assert!(
                (p.speed_mps.unwrap() - 5.144).abs() < 0.001,
                "knots become m/s"
            );
            assert_eq!(p.bearing_deg, Some(54.1));
            assert_eq!(p.altitude_m, Some(1540.3));
            assert_eq!(p.accuracy_m, Some(12.5));
            assert_eq!(p.battery_pct, Some(87.0));
            assert!(!p.mock);
        }
    }

    #[test]
    fn a_form_body_and_the_location_pair() {
        let body = b"deviceid=CHIP-1&location=14.6349%2C-90.5069&timestamp=1366120992&heading=10";
        let (_, p) = read(None, Some("application/x-www-form-urlencoded"), body, NOW).unwrap();
        assert_eq!(
            (p.chip.as_str(), p.ts, p.lat_e7),
            ("CHIP-1", AT, 146_349_000)
        );
        assert_eq!(p.bearing_deg, Some(10.0));
    }

    #[test]
    fn the_json_form_of_traccar_client() {
        let body = br#"{ "device_id": "CHIP-0004211",
          "location": { "timestamp": "2013-04-16T14:03:12.000Z", "mock": true,
                        "coords": { "latitude": 14.6349, "longitude": -90.5069,
                                    "accuracy": 12.5, "speed": 9.4, "heading": -1,
                                    "altitude": 1540.3 },
                        "battery": { "level": 0.87, "is_charging": false } } }"#;
        let (form, p) = read(None, Some("application/json"), body, NOW).unwrap();
        assert_eq!(form, Form::Json);
        assert_eq!((p.ts, p.lon_e7), (AT, -905_069_000));
        assert_eq!(p.speed_mps, Some(9.4), "m/s in the JSON form");
        assert_eq!(p.bearing_deg, None, "-1: not known");
        assert_eq!(p.battery_pct, Some(87.0));
        assert!(p.mock);
    }

    #[test]
    fn bad_values_name_their_field() {
        let cases: &[(&str, &str)] = &[
            ("lat=1&lon=1&timestamp=1366120992", "id: missing"),
            ("id=C1&lon=1&timestamp=1366120992", "lat: missing"),
            ("id=C1&lat=1&lon=1", "timestamp: missing"),
            ("id=C1&lat=91&lon=1&timestamp=1366120992", "lat: 91 is outside -90..90"),
            ("id=C1&lat=NaN&lon=1&timestamp=1366120992", "lat: \"NaN\" is not a number"),
            ("id=C1&lat=1&lon=1&timestamp=yesterday", "timestamp: \"yesterday\" is not unix seconds, unix milliseconds or an RFC 3339 time (like 2013-04-16T14:03:12Z)"),
            ("id=C1&lat=1&lon=1&timestamp=1366125000", "timestamp: is more than 5 minutes ahead of the server clock"),
            ("id=C1&lat=1&lon=1&timestamp=1366120992&speed=-3", "speed: -3 must be 0 or more"),
            ("id=C1&lat=1&lon=1&timestamp=1366120992&bearing=400", "bearing: 400 is outside 0..360"),
            ("id=C1&lat=1&lon=1&timestamp=1366120992&batt=150", "batt: 150 is outside 0..100"),
            ("id=C1&lat=1&lon=1&timestamp=1366120992&accuracy=x", "accuracy: \"x\" is not a number"),
            ("id=C1&lat=1&lon=1&timestamp=1366120992&mock=maybe", "mock: \"maybe\" is not true or false"),
            ("id=C%201&lat=1&lon=1&timestamp=1366120992", "id: \"C 1\" is not a chip id (letters, digits and hyphens)"),
        ];
        for (q, expected) in cases {
            assert_eq!(read(Some(q), None, b"", NOW).unwrap_err(), *expected, "{q}");
        }
        let json_cases: &[(&str, &str)] = &[
            (r#"{"location": {}}"#, "device_id: missing"),
            (r#"{"device_id": "C1"}"#, "location: missing"),
            (
                r#"{"device_id": "C1", "location": [{}]}"#,
                "location: must be one location (an object), not a list",
            ),
            (
                r#"{"device_id": "C1", "location": {"coords": {}}}"#,
                "location.timestamp: missing",
            ),
            (
                r#"{"device_id": "C1", "location": {"timestamp": "2013-04-16T14:03:12Z", "coords": {"latitude": 1}}}"#,
                "location.coords.longitude: missing",
            ),
            (
                r#"{"device_id": "C1", "location": {"timestamp": "2013-04-16T14:03:12Z", "coords": {"latitude": "1", "longitude": 1}}}"#,
                "location.coords.latitude: must be a number",
            ),
            (
                r#"{"device_id": "C1", "location": {"timestamp": "2013-04-16T14:03:12Z", "coords": {"latitude": 1, "longitude": 1}, "battery": {"level": 2}}}"#,
                "location.battery.level: 2 is outside 0..1",
            ),
            (
                "{not json",
                "the body is not valid JSON: key must be a string at line 1 column 2",
            ),
        ];
        for (body, expected) in json_cases {
            assert_eq!(
                read(None, Some("application/json"), body.as_bytes(), NOW).unwrap_err(),
                *expected,
                "{body}"
            );
        }
    }
}
