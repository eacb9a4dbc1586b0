//! Badge tracking: the pings of the chips in officers' badges, as the badge
//! network sends them in batches (`POST /api/v1/ingest/pings`) and as
//! OsmAnd-protocol trackers send them one at a time (`/api/v1/osmand`).
//! API.md is the contract.
//!
//! A ping is kept with its chip, the officer who wore the chip at that
//! moment (a track follows the officer, not the chip), its time, position,
//! accuracy, source, what the tracker said of speed, bearing, altitude and
//! battery, whether the phone marked it `mock`, and the H3 cell of the
//! position for place queries ([`cell_of`]).
//!
//! Here the contract's types and each record's checks; [`ingest`] stores a
//! batch, [`osmand`] reads the trackers' forms, [`partitions`] keeps
//! PostgreSQL's monthly partitions ahead of the pings.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod ingest;
#[cfg(feature = "ssr")]
pub mod map;
#[cfg(feature = "ssr")]
pub mod osmand;
#[cfg(feature = "ssr")]
pub mod partitions;
#[cfg(feature = "ssr")]
pub mod retention;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod track;

mod api;
pub use api::*;
mod views;
pub use views::*;

/// A map's frame: an equirectangular projection fitted to what it shows
/// (fine at Guatemala's size), `width` × `height` SVG units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MapFrame {
    /// The western edge, degrees of longitude.
    pub west: f64,
    /// The northern edge, degrees of latitude.
    pub north: f64,
    /// The cosine of the frame's middle latitude.
    pub cos: f64,
    /// SVG units per degree of latitude.
    pub scale: f64,
    pub width: u32,
    pub height: u32,
}

impl MapFrame {
    /// A position's place on the map.
    pub fn project(&self, lat: f64, lon: f64) -> (f64, f64) {
        (
            (lon - self.west) * self.cos * self.scale,
            (self.north - lat) * self.scale,
        )
    }

    /// The position at a place on the map (a click).
    pub fn unproject(&self, x: f64, y: f64) -> (f64, f64) {
        (
            self.north - y / self.scale,
            self.west + x / (self.cos * self.scale),
        )
    }
}

/// A map ready to draw: its frame, the department boundaries in it as SVG
/// paths (name, path), and a scale bar (length in SVG units, metres).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapView {
    pub frame: MapFrame,
    pub departments: Vec<(String, String)>,
    pub scale_bar: (f64, u32),
    /// Background tiles beneath the boundaries, from the deployment's own
    /// tile server (`VIGIA_TILE_URL`); none by default.
    #[serde(default)]
    pub tiles: Vec<Tile>,
    /// The tiles' attribution (`VIGIA_TILE_ATTRIBUTION`), shown under the
    /// map when tiles are.
    #[serde(default)]
    pub attribution: Option<String>,
}

/// One background tile, placed on the map: its address and its box in SVG
/// units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tile {
    pub href: String,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

/// What a drawn point of a track is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PointMark {
    Plain,
    /// The first or last point of a stop.
    Stop,
    /// The last point before, or the first after, a gap or a jump.
    Edge,
}

/// One drawn point of a track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackPoint {
    pub ts_ms: i64,
    /// Guatemala time, `2026-11-21 14:05:30`.
    pub at: String,
    pub lat: f64,
    pub lon: f64,
    /// Its place on the map.
    pub x: f64,
    pub y: f64,
    pub accuracy_m: Option<f64>,
    pub mock: bool,
    pub mark: PointMark,
    /// Its time as a share of the window, 0..1 (the path's colour).
    pub t: f64,
}

/// A stretch of time on the track's axis (a shift, a gap).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stretch {
    pub from_ms: i64,
    pub to_ms: i64,
    /// Guatemala time.
    pub from: String,
    pub to: String,
    /// A shift's car (`PNC-0451`); empty for a gap.
    pub label: String,
    /// A shift's role in the car.
    pub role: Option<crate::codes::AssignmentRole>,
}

/// A move faster than the setting, between two pings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Jump {
    pub from_ms: i64,
    pub to_ms: i64,
    pub at: String,
    pub kmh: f64,
    pub metres: f64,
    pub from_xy: (f64, f64),
    pub to_xy: (f64, f64),
}

/// What the track page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackView {
    pub badge: String,
    pub officer: String,
    pub from_ms: i64,
    pub to_ms: i64,
    /// The window's ends in Guatemala time, for the axis…
    pub from: String,
    pub to: String,
    /// …and for the form's inputs (`2026-11-21T06:00`)…
    pub from_input: String,
    pub to_input: String,
    /// …and exactly, in RFC 3339 UTC, for a link to a case.
    pub from_rfc3339: String,
    pub to_rfc3339: String,
    /// Every ping in the window, and how many of them are drawn.
    pub pings: usize,
    pub points: Vec<TrackPoint>,
    pub mock: usize,
    pub map: MapView,
    pub shifts: Vec<Stretch>,
    pub gaps: Vec<Stretch>,
    pub jumps: Vec<Jump>,
    pub max_speed_kmh: u32,
    pub silent_minutes: u32,
    /// The open cases the reader may link this window to (those they work
    /// where this officer is one of the case's officers).
    pub link_cases: Vec<String>,
}

/// One officer whose pings came within the radius.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearOfficer {
    pub badge: String,
    pub officer: String,
    pub rank: String,
    /// The closest any ping came, in metres.
    pub closest_m: f64,
    /// The first and last ping within the radius.
    pub first_ms: i64,
    pub last_ms: i64,
    pub first: String,
    pub last: String,
    pub pings: usize,
    /// Where the closest ping was, on the map.
    pub x: f64,
    pub y: f64,
}

/// What the proximity page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearView {
    pub lat: f64,
    pub lon: f64,
    pub radius_m: u32,
    pub from_ms: i64,
    pub to_ms: i64,
    pub from: String,
    pub to: String,
    /// For the links to each track (`2026-11-21T06:00`).
    pub from_input: String,
    pub to_input: String,
    pub officers: Vec<NearOfficer>,
    pub map: MapView,
    /// The search circle on the map: centre and radius in SVG units.
    pub circle: (f64, f64, f64),
}

/// The longest window a track may cover.
pub const MAX_TRACK_DAYS: u32 = 31;
/// The most points a track draws.
pub const MAX_TRACK_POINTS: usize = 2_000;
/// The widest proximity search, in metres, and its longest window.
pub const MAX_NEAR_RADIUS_M: u32 = 5_000;
pub const MAX_NEAR_HOURS: u32 = 24;

/// Where the badge network says a position came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum PingSource {
    Gps,
    Reader,
    Cell,
}

impl PingSource {
    pub fn as_str(self) -> &'static str {
        match self {
            PingSource::Gps => "gps",
            PingSource::Reader => "reader",
            PingSource::Cell => "cell",
        }
    }
}

/// A badge ping, as the badge network sends it in a batch.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "badge": "CHIP-0004211", "ts": "2013-04-16T14:03:12Z",
    "lat": 14.63490, "lon": -90.50690, "accuracy_m": 12.5, "source": "gps"
})))]
pub struct PingIn {
    /// A registered badge chip id; identity with `ts`.
    pub badge: String,
    /// RFC 3339 with an offset; not more than 5 minutes ahead of the
    /// server clock.
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub ts: String,
    /// Degrees, -90..90.
    #[cfg_attr(feature = "ssr", schema(minimum = -90, maximum = 90))]
    pub lat: f64,
    /// Degrees, -180..180.
    #[cfg_attr(feature = "ssr", schema(minimum = -180, maximum = 180))]
    pub lon: f64,
    /// Metres, 0 or more.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(minimum = 0))]
    pub accuracy_m: Option<f64>,
    #[serde(default)]
    pub source: Option<PingSource>,
}

/// The H3 resolution of the cell kept with each ping: hexagons of about
/// 0.1 km² (edges of about 174 m), so that a 250 m search looks at a
/// couple of dozen cells and a 5 km one at about a thousand.
#[cfg(feature = "ssr")]
pub const CELL_RESOLUTION: h3o::Resolution = h3o::Resolution::Nine;

/// Coordinates are kept in whole ten-millionths of a degree (about 1 cm).
pub const E7: f64 = 10_000_000.0;

/// The H3 cell (at [`CELL_RESOLUTION`]) of a kept position, as the integer
/// stored in `pings.cell`.
#[cfg(feature = "ssr")]
pub fn cell_of(lat_e7: i64, lon_e7: i64) -> i64 {
    let cell = h3o::LatLng::new(lat_e7 as f64 / E7, lon_e7 as f64 / E7)
        .expect("checked coordinates are finite and in range")
        .to_cell(CELL_RESOLUTION);
    // H3 indexes leave the top bit clear: they fit a signed 64-bit column.
    u64::from(cell) as i64
}

/// A ping that passed every check but the database's.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq)]
pub struct Ping {
    /// The chip id, in capitals as chips are registered.
    pub chip: String,
    pub ts: i64,
    pub lat_e7: i64,
    pub lon_e7: i64,
    pub accuracy_m: Option<f64>,
    pub source: Option<PingSource>,
    /// Metres per second.
    pub speed_mps: Option<f64>,
    /// Degrees clockwise from north, 0..360.
    pub bearing_deg: Option<f64>,
    /// Metres.
    pub altitude_m: Option<f64>,
    /// Per cent, 0..100.
    pub battery_pct: Option<f64>,
    /// The phone said the position was not its own (a mock location).
    pub mock: bool,
}

#[cfg(feature = "ssr")]
pub(crate) mod check {
    use super::*;
    use crate::fleet::ingest::check::{
        check_fields, not_in_future, parse_time, text_field, Expect,
    };
    use serde_json::Value;

    /// The first required field of a batch record that is missing or of
    /// the wrong kind, then the optional ones.
    pub(crate) fn diagnose_ping(v: &Value) -> String {
        let found = check_fields(
            v,
            &[
                ("badge", Expect::Text),
                ("ts", Expect::Text),
                ("lat", Expect::Number),
                ("lon", Expect::Number),
            ],
        );
        if !found.is_empty() {
            return found;
        }
        match v.get("accuracy_m") {
            None | Some(Value::Null) | Some(Value::Number(_)) => {}
            Some(other) => return format!("accuracy_m: {other} is not a number"),
        }
        match v.get("source") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if ["gps", "reader", "cell"].contains(&s.as_str()) => {}
            Some(other) => return format!("source: {other} is not one of gps, reader, cell"),
        }
        String::new()
    }

    /// A chip id as registered: capitals, digits and hyphens.
    pub(crate) fn chip(field: &str, value: &str) -> Result<String, String> {
        let chip = text_field(field, value, 40)?.to_uppercase();
        if !chip.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(format!(
                "{field}: {value:?} is not a chip id (letters, digits and hyphens)"
            ));
        }
        Ok(chip)
    }

    /// Latitude and longitude in range, as whole ten-millionths.
    pub(crate) fn position(
        lat_field: &str,
        lat: f64,
        lon_field: &str,
        lon: f64,
    ) -> Result<(i64, i64), String> {
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(format!("{lat_field}: {lat} is outside -90..90"));
        }
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            return Err(format!("{lon_field}: {lon} is outside -180..180"));
        }
        Ok(((lat * E7).round() as i64, (lon * E7).round() as i64))
    }

    /// An optional measure that must be finite and within `range`.
    pub(crate) fn within(
        field: &str,
        value: Option<f64>,
        range: std::ops::RangeInclusive<f64>,
    ) -> Result<Option<f64>, String> {
        match value {
            None => Ok(None),
            Some(v) if v.is_finite() && range.contains(&v) => Ok(Some(v)),
            Some(v) if v.is_finite() && *range.end() == f64::MAX => {
                Err(format!("{field}: {v} must be {} or more", range.start()))
            }
            Some(v) => Err(format!(
                "{field}: {v} is outside {}..{}",
                range.start(),
                range.end()
            )),
        }
    }

    /// A batch record, checked against API.md.
    pub(crate) fn check_ping(r: PingIn, now: i64) -> Result<Ping, String> {
        let chip = chip("badge", &r.badge)?;
        let ts = parse_time("ts", &r.ts)?;
        not_in_future("ts", ts, now)?;
        let (lat_e7, lon_e7) = position("lat", r.lat, "lon", r.lon)?;
        let accuracy_m = within("accuracy_m", r.accuracy_m, 0.0..=f64::MAX)?;
        Ok(Ping {
            chip,
            ts,
            lat_e7,
            lon_e7,
            accuracy_m,
            source: r.source,
            speed_mps: None,
            bearing_deg: None,
            altitude_m: None,
            battery_pct: None,
            mock: false,
        })
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::check::*;
    use super::*;
    use crate::fleet::ingest::check::parse_time;

    fn ping(json: &str) -> Result<Ping, String> {
        let now = parse_time("t", "2013-04-16T15:00:00Z").unwrap();
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        match serde_json::from_value::<PingIn>(v.clone()) {
            Ok(r) => check_ping(r, now),
            Err(_) => Err(diagnose_ping(&v)),
        }
    }

    #[test]
    fn each_field_is_checked_and_named() {
        let good = r#"{"badge":"chip-0004211","ts":"2013-04-16T08:03:12-06:00","lat":14.6349,"lon":-90.5069,"accuracy_m":12.5,"source":"gps"}"#;
        let p = ping(good).unwrap();
        assert_eq!(p.chip, "CHIP-0004211");
        assert_eq!(p.ts, parse_time("ts", "2013-04-16T14:03:12Z").unwrap());
        assert_eq!((p.lat_e7, p.lon_e7), (146_349_000, -905_069_000));
        assert_eq!(p.source, Some(PingSource::Gps));
        let cases = [
            (
                r#"{"badge":"C1","ts":"2013-04-16T14:03:12Z","lat":123.4,"lon":0}"#,
                "lat: 123.4 is outside -90..90",
            ),
            (
                r#"{"badge":"C1","ts":"2013-04-16T14:03:12Z","lat":1,"lon":-180.5}"#,
                "lon: -180.5 is outside -180..180",
            ),
            (
                r#"{"badge":"C1","ts":"2013-04-16T14:03:12Z","lat":1,"lon":1,"accuracy_m":-1}"#,
                "accuracy_m: -1 must be 0 or more",
            ),
            (
                r#"{"badge":"C1","ts":"2013-04-16T14:03:12Z","lat":1,"lon":1,"source":"radar"}"#,
                "source: \"radar\" is not one of gps, reader, cell",
            ),
            (
                r#"{"badge":"C1","ts":"2013-04-16T15:05:01Z","lat":1,"lon":1}"#,
                "ts: is more than 5 minutes ahead of the server clock",
            ),
            (r#"{"badge":"C1","lat":1,"lon":1}"#, "ts: missing"),
            (
                r#"{"badge":"C1","ts":"2013-04-16T14:03:12Z","lat":"14.6","lon":1}"#,
                "lat: must be a number",
            ),
            (
                r#"{"badge":"C 1","ts":"2013-04-16T14:03:12Z","lat":1,"lon":1}"#,
                "badge: \"C 1\" is not a chip id (letters, digits and hyphens)",
            ),
            (
                r#"{"badge":"","ts":"2013-04-16T14:03:12Z","lat":1,"lon":1}"#,
                "badge: must not be empty",
            ),
        ];
        for (json, expected) in cases {
            assert_eq!(ping(json).unwrap_err(), expected, "{json}");
        }
    }

    #[test]
    fn cells_are_h3_resolution_nine() {
        let cell = cell_of(146_349_000, -905_069_000);
        let index = h3o::CellIndex::try_from(cell as u64).unwrap();
        assert_eq!(index.resolution(), CELL_RESOLUTION);
        let centre = h3o::LatLng::from(index);
        assert!((centre.lat() - 14.6349).abs() < 0.005 && (centre.lng() + 90.5069).abs() < 0.005);
    }
}
