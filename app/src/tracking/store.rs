//! Reading tracks: an officer's pings over a window (by the officer's own
//! index, so the track follows the officer whatever chip they wore), and
//! every officer whose pings came near a place (by the H3 cells around
//! it). Both are sensitive reads: each is written to the audit trail
//! before it is answered.

use std::collections::{BTreeSet, HashMap};

use h3o::LatLng;
use serde_json::json;
use sqlx::Row;

use super::track::{self, Fix};
use super::*;
use crate::audit::{AuditAction, AuditEntry};
use crate::error::AppError;
use crate::policy::{act, Permit};
use crate::problem::Problem;
use crate::store::batch::{fetch_packed, Value as Bind};
use crate::store::Db;
use crate::time::{local_iso_minute, local_second};

pub use crate::state::TrackSettings;

/// A stop: at least this long within this many metres of one spot.
const STOP_MS: i64 = 5 * 60_000;
const STOP_RADIUS_M: f64 = 50.0;

/// An officer's id and name.
async fn officer(db: &Db, badge: &str) -> Result<(i64, String), AppError> {
    let row =
        sqlx::query("SELECT id, given_names, family_names FROM officers WHERE badge_number = $1")
            .bind(badge)
            .fetch_optional(db.pool())
            .await?
            .ok_or_else(|| {
                AppError::NotFound(Problem::NoOfficer {
                    badge: badge.to_string(),
                })
            })?;
    let (given, family): (String, String) = (row.try_get(1)?, row.try_get(2)?);
    Ok((row.try_get(0)?, format!("{given} {family}")))
}

/// The officer's pings in `[from, to]`, in time order: read from the
/// officer index alone (it carries these columns). SQLite's rows come
/// packed in one JSON value (see [`fetch_packed`]); PostgreSQL's as rows:
/// building that JSON there took 40–50 ms of a month's track (30,000
/// pings), whose index scan takes 5 (BENCHMARKS.md).
async fn fixes(db: &Db, officer_id: i64, from: i64, to: i64) -> Result<Vec<Fix>, AppError> {
    const SELECT: &str =
        "SELECT ts AS c0, lat_e7 AS c1, lon_e7 AS c2, accuracy_m AS c3, mock AS c4 \
         FROM pings WHERE officer_id = $1 AND ts >= $2 AND ts <= $3";
    let mut conn = db.pool().acquire().await?;
    let mut rows: Vec<(i64, i64, i64, Option<f64>, i64)> = match db.backend() {
        crate::store::Backend::Postgres => {
            sqlx::query_as(SELECT)
                .bind(officer_id)
                .bind(from)
                .bind(to)
                .fetch_all(&mut *conn)
                .await?
        }
        crate::store::Backend::Sqlite => {
            fetch_packed(
                &mut conn,
                db.backend(),
                SELECT,
                5,
                &[Bind::Int(officer_id), Bind::Int(from), Bind::Int(to)],
            )
            .await?
        }
    };
    rows.sort_unstable_by_key(|r| r.0);
    Ok(rows
        .into_iter()
        .map(|(ts, lat_e7, lon_e7, accuracy_m, mock)| Fix {
            ts,
            lat_e7,
            lon_e7,
            accuracy_m,
            mock: mock != 0,
        })
        .collect())
}

/// The officer's vehicle shifts that overlap `[from, to]`.
async fn shifts(db: &Db, officer_id: i64, from: i64, to: i64) -> Result<Vec<Stretch>, AppError> {
    let rows = sqlx::query(
        "SELECT a.starts_at, a.ends_at, v.plate, a.role FROM vehicle_assignments a \
         JOIN vehicles v ON v.id = a.vehicle_id \
         WHERE a.officer_id = $1 AND a.starts_at >= $2 AND a.starts_at < $3 AND a.ends_at > $4 \
         ORDER BY a.starts_at",
    )
    .bind(officer_id)
    // A shift lasts at most a day: one that overlaps starts after this.
    .bind(from - 86_400_000)
    .bind(to)
    .bind(from)
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let (from_ms, to_ms): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
        let (plate, role): (String, String) = (r.try_get(2)?, r.try_get(3)?);
        out.push(Stretch {
            from_ms,
            to_ms,
            from: local_second(from_ms),
            to: local_second(to_ms),
            label: plate,
            role: crate::codes::AssignmentRole::from_stored(&role).ok(),
        });
    }
    Ok(out)
}

/// An officer's track over `[from, to]`, audited as a sensitive read.
pub async fn read_track(
    db: &Db,
    reader: &Permit<act::ReadTracks>,
    ip: &str,
    badge: &str,
    from: i64,
    to: i64,
    settings: TrackSettings,
) -> Result<TrackView, AppError> {
    let (officer_id, name) = officer(db, badge).await?;
    let fixes = fixes(db, officer_id, from, to).await?;
    let shifts = shifts(db, officer_id, from, to).await?;
    // Silence counts only up to now: a shift still under way has not been
    // silent in the future.
    let until = to.min(crate::time::now_ms());
    let on_duty: Vec<(i64, i64)> = shifts
        .iter()
        .map(|s| (s.from_ms.max(from), s.to_ms.min(until)))
        .filter(|(a, b)| b > a)
        .collect();
    let silent_ms = i64::from(settings.silent_minutes) * 60_000;
    let gaps = track::gaps(&fixes, &on_duty, silent_ms);
    let jumps = track::jumps(&fixes, f64::from(settings.max_speed_kmh));
    let stops = track::stops(&fixes, STOP_RADIUS_M, STOP_MS);

    // The map: fitted to the track, or the whole country without one.
    let frame = if fixes.is_empty() {
        map::frame(map::GUATEMALA.0, map::GUATEMALA.1, 0.02, 0.01)
    } else {
        let (mut s, mut w, mut n, mut e) = (90.0f64, 180.0f64, -90.0f64, -180.0f64);
        for f in &fixes {
            s = s.min(f.lat());
            n = n.max(f.lat());
            w = w.min(f.lon());
            e = e.max(f.lon());
        }
        map::frame((s, w), (n, e), 0.08, 0.005)
    };

    // What must be drawn: the ends, each stop's ends, the pings on either
    // side of each gap and jump; the rest spread evenly.
    let mut marks: HashMap<usize, PointMark> = HashMap::new();
    for (a, b) in &stops {
        marks.insert(*a, PointMark::Stop);
        marks.insert(*b, PointMark::Stop);
    }
    for (i, _, _) in &jumps {
        marks.insert(*i, PointMark::Edge);
        marks.insert(i + 1, PointMark::Edge);
    }
    for (a, b) in &gaps {
        let after = fixes.partition_point(|f| f.ts < *b);
        if after < fixes.len() && fixes[after].ts == *b {
            marks.insert(after, PointMark::Edge);
        }
        let before = fixes.partition_point(|f| f.ts <= *a);
        if before > 0 && fixes[before - 1].ts == *a {
            marks.insert(before - 1, PointMark::Edge);
        }
    }
    let must: BTreeSet<usize> = marks.keys().copied().collect();
    let kept = track::thin(fixes.len(), &must, MAX_TRACK_POINTS);
    let span = (to - from).max(1) as f64;
    let points: Vec<TrackPoint> = kept
        .iter()
        .map(|&i| {
            let f = &fixes[i];
            let (x, y) = frame.project(f.lat(), f.lon());
            TrackPoint {
                ts_ms: f.ts,
                at: local_second(f.ts),
                lat: f.lat(),
                lon: f.lon(),
                x,
                y,
                accuracy_m: f.accuracy_m,
                mock: f.mock,
                mark: marks.get(&i).copied().unwrap_or(PointMark::Plain),
                t: ((f.ts - from) as f64 / span).clamp(0.0, 1.0),
            }
        })
        .collect();
    let jumps: Vec<Jump> = jumps
        .iter()
        .map(|&(i, kmh, metres)| {
            let (a, b) = (&fixes[i], &fixes[i + 1]);
            Jump {
                from_ms: a.ts,
                to_ms: b.ts,
                at: local_second(a.ts),
                kmh,
                metres,
                from_xy: frame.project(a.lat(), a.lon()),
                to_xy: frame.project(b.lat(), b.lon()),
            }
        })
        .collect();
    let gaps: Vec<Stretch> = gaps
        .into_iter()
        .map(|(a, b)| Stretch {
            from_ms: a,
            to_ms: b,
            from: local_second(a),
            to: local_second(b),
            label: String::new(),
            role: None,
        })
        .collect();
    let mock = fixes.iter().filter(|f| f.mock).count();
    crate::audit::record(
        db,
        reader,
        &AuditEntry {
            action: AuditAction::TrackRead,
            object_type: "officer",
            object_id: badge.to_string(),
            outcome: "ok",
            ip: ip.to_string(),
            details: json!({ "from": from, "to": to, "pings": fixes.len() }),
        },
    )
    .await?;
    Ok(TrackView {
        badge: badge.to_string(),
        officer: name,
        from_ms: from,
        to_ms: to,
        from: local_second(from),
        to: local_second(to),
        from_input: local_iso_minute(from),
        to_input: local_iso_minute(to),
        from_rfc3339: crate::time::rfc3339_utc(from),
        to_rfc3339: crate::time::rfc3339_utc(to),
        pings: fixes.len(),
        points,
        mock,
        map: map::view(frame),
        shifts,
        gaps,
        jumps,
        max_speed_kmh: settings.max_speed_kmh,
        silent_minutes: settings.silent_minutes,
        link_cases: {
            let mut conn = db.pool().acquire().await?;
            crate::cases::evidence::track_link_cases(&mut conn, reader, badge).await?
        },
    })
}

/// The H3 cells (at [`CELL_RESOLUTION`]) that may hold a position within
/// `radius_m` of `centre`: the cells whose centre is within the radius and
/// a cell's size of it.
pub fn cells_near(centre: LatLng, radius_m: f64) -> Vec<i64> {
    // A cell's points lie within about one edge of its centre; edges vary
    // across the globe, so allow two.
    let edge = CELL_RESOLUTION.edge_length_m();
    let reach = radius_m + 2.0 * edge;
    // Each ring of the disk adds at least 1.5 edges of distance.
    let k = (reach / (1.5 * edge)).ceil() as u32 + 1;
    centre
        .to_cell(CELL_RESOLUTION)
        .grid_disk::<Vec<_>>(k)
        .into_iter()
        .filter(|c| LatLng::from(*c).distance_m(centre) <= reach)
        .map(|c| u64::from(c) as i64)
        .collect()
}

/// A position within this many metres past the radius still counts: the
/// stored coordinates are rounded to about a centimetre.
const RADIUS_SLACK_M: f64 = 0.02;

/// Every officer whose pings came within `radius_m` of `(lat, lon)` in
/// `[from, to]`, closest first; audited as a sensitive read.
#[allow(clippy::too_many_arguments)]
pub async fn near(
    db: &Db,
    reader: &Permit<act::ReadTracks>,
    ip: &str,
    lat: f64,
    lon: f64,
    radius_m: u32,
    from: i64,
    to: i64,
) -> Result<NearView, AppError> {
    let centre = LatLng::new(lat, lon).map_err(|_| {
        AppError::validation(
            crate::error::Field::Lat,
            Problem::OutsideRange {
                given: lat.to_string(),
                range: "-90..90".into(),
            },
        )
    })?;
    let cells: Vec<[i64; 1]> = cells_near(centre, f64::from(radius_m))
        .into_iter()
        .map(|c| [c])
        .collect();
    let backend = db.backend();
    let mut conn = db.pool().acquire().await?;
    let rows: Vec<(i64, i64, i64, i64)> = fetch_packed(
        &mut conn,
        backend,
        &format!(
            "SELECT p.officer_id AS c0, p.ts AS c1, p.lat_e7 AS c2, p.lon_e7 AS c3 FROM pings p \
             WHERE p.cell IN (SELECT c0 FROM ({}) AS k) AND p.ts >= $2 AND p.ts <= $3 \
             AND p.officer_id IS NOT NULL",
            crate::store::batch::json_rows(backend, 1, &[crate::store::batch::JsonCol::Int])
        ),
        4,
        &[
            Bind::Text(serde_json::to_string(&cells).expect("numbers serialize")),
            Bind::Int(from),
            Bind::Int(to),
        ],
    )
    .await?;
    drop(conn);
    // Per officer: the closest ping, and the first and last within reach.
    struct Seen {
        closest: f64,
        at: (f64, f64),
        first: i64,
        last: i64,
        pings: usize,
    }
    let mut seen: HashMap<i64, Seen> = HashMap::new();
    for (officer, ts, lat_e7, lon_e7) in rows {
        let p = (lat_e7 as f64 / E7, lon_e7 as f64 / E7);
        let d = track::distance_m((lat, lon), p);
        if d > f64::from(radius_m) + RADIUS_SLACK_M {
            continue;
        }
        let s = seen.entry(officer).or_insert(Seen {
            closest: f64::MAX,
            at: p,
            first: ts,
            last: ts,
            pings: 0,
        });
        if d < s.closest {
            s.closest = d;
            s.at = p;
        }
        s.first = s.first.min(ts);
        s.last = s.last.max(ts);
        s.pings += 1;
    }
    // Names, one statement.
    let ids: Vec<[i64; 1]> = seen.keys().map(|id| [*id]).collect();
    let mut names: HashMap<i64, (String, String, String)> = HashMap::new();
    if !ids.is_empty() {
        let rows = sqlx::query(&format!(
            "SELECT id, badge_number, given_names || ' ' || family_names, rank FROM officers \
             WHERE id IN (SELECT c0 FROM ({}) AS k)",
            crate::store::batch::json_rows(backend, 1, &[crate::store::batch::JsonCol::Int])
        ))
        .bind(serde_json::to_string(&ids).expect("numbers serialize"))
        .fetch_all(db.pool())
        .await?;
        for r in rows {
            names.insert(r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?, r.try_get(3)?));
        }
    }
    let radius_deg = f64::from(radius_m) / 111_195.0;
    let frame = map::frame(
        (lat - radius_deg, lon - radius_deg / lat.to_radians().cos()),
        (lat + radius_deg, lon + radius_deg / lat.to_radians().cos()),
        0.25,
        0.002,
    );
    let mut officers: Vec<NearOfficer> = seen
        .into_iter()
        .filter_map(|(id, s)| {
            let (badge, officer, rank) = names.remove(&id)?;
            let (x, y) = frame.project(s.at.0, s.at.1);
            Some(NearOfficer {
                badge,
                officer,
                rank,
                closest_m: s.closest,
                first_ms: s.first,
                last_ms: s.last,
                first: local_second(s.first),
                last: local_second(s.last),
                pings: s.pings,
                x,
                y,
            })
        })
        .collect();
    officers.sort_by(|a, b| {
        a.closest_m
            .total_cmp(&b.closest_m)
            .then_with(|| a.badge.cmp(&b.badge))
    });
    crate::audit::record(
        db,
        reader,
        &AuditEntry {
            action: AuditAction::NearRead,
            object_type: "place",
            object_id: format!("{lat:.6},{lon:.6}"),
            outcome: "ok",
            ip: ip.to_string(),
            details: json!({
                "lat": lat, "lon": lon, "radius_m": radius_m, "from": from, "to": to,
                "officers": officers.iter().map(|o| o.badge.as_str()).collect::<Vec<_>>(),
            }),
        },
    )
    .await?;
    let (cx, cy) = frame.project(lat, lon);
    Ok(NearView {
        lat,
        lon,
        radius_m,
        from_ms: from,
        to_ms: to,
        from: local_second(from),
        to: local_second(to),
        from_input: local_iso_minute(from),
        to_input: local_iso_minute(to),
        officers,
        circle: (cx, cy, radius_deg * frame.scale),
        map: map::view(frame),
    })
}

/// The map of the whole country, for the proximity page before a search.
pub fn country_map() -> MapView {
    map::view(map::frame(map::GUATEMALA.0, map::GUATEMALA.1, 0.02, 0.01))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cells_near_a_place_cover_the_circle() {
        let centre = LatLng::new(14.6349, -90.5069).unwrap();
        for radius in [1.0, 250.0, 1000.0, 5000.0] {
            let cells = cells_near(centre, radius);
            // Points around the circle's edge and inside it fall in a listed cell.
            for step in 0..72 {
                let bearing = (step as f64 * 5.0).to_radians();
                for share in [0.0, 0.5, 0.999] {
                    let d = radius * share / 111_195.0;
                    let p = LatLng::new(
                        14.6349 + d * bearing.cos(),
                        -90.5069 + d * bearing.sin() / 14.6349f64.to_radians().cos(),
                    )
                    .unwrap();
                    let cell = u64::from(p.to_cell(CELL_RESOLUTION)) as i64;
                    assert!(
                        cells.contains(&cell),
                        "radius {radius}, bearing {step}, share {share}"
                    );
                }
            }
            assert!(cells.len() < 1_500, "{radius}: {}", cells.len());
        }
    }
}
