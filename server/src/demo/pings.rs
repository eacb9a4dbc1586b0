//! The demo's badge pings: every 30 seconds while an officer is on a
//! vehicle shift, the badge reports where the patrol car is — out from the
//! station to a spot within a few kilometres, a stop there of 5 to 20
//! minutes, on to the next. Driver and crew ride together (each badge a few
//! metres off the car). As in the field, some badges fall silent for a
//! while during a shift (and a few for a whole shift), a few report one
//! position tens of kilometres off (an impossible jump), and a few phones
//! report mock locations for some minutes. The battery runs down over the
//! shift.
//!
//! The officers followed all week are the crews of the latest shift of the
//! first cars (by plate): their pings cover every shift of their week, in
//! whichever car; the others' cover the last 2 hours. The pings
//! are written in bulk, as the ingest would have stored them (each under
//! the officer who wore the chip, with its H3 cell), under one audit record.
//! Deterministic for a seed.

use std::collections::HashMap;

use app::audit::{AuditAction, AuditEntry, AuditedTx};
use app::store::batch::{json_rows, JsonCol};
use app::tracking::{cell_of, E7};

use super::duty::ShiftRow;
use super::fleet::send_chunks;
use super::{Dataset, DemoError, Rng, Scale};

/// How many cars (the first by plate) have their latest crews followed for
/// the whole week; the others' pings cover the last 2 hours. A week of
/// 30-second pings for every officer on shift is about 50 million rows at
/// the national scale: the benchmark's size, not a demo's.
pub fn full_week_vehicles(scale: Scale) -> usize {
    match scale {
        Scale::Small => 10,
        Scale::National => 30,
    }
}

pub const PING_MS: i64 = 30_000;
/// The car whose crews' badges fall silent for 40 minutes every shift.
pub const FAULTY_CAR: &str = "PNC-0001";

/// One car's shift: plate, station, from, to, crew (badge id, officer id,
/// and from when their pings are wanted).
type Work = (String, String, i64, i64, Vec<(i64, i64, i64)>);
const RECENT_MS: i64 = 2 * 3_600_000;
/// A car heads back to its station this long before its shift ends.
pub const HOMEWARD_MS: i64 = 45 * 60_000;

/// A ping row as the insert reads it: badge, ts, officer, lat, lon, cell,
/// accuracy, speed, bearing, battery, mock.
type Row = (
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    f64,
    Option<f64>,
    Option<f64>,
    f64,
    i64,
);

/// Where each station is: around its department's centre, stations spread
/// on a spiral a few kilometres apart.
pub fn station_point(unit_code: &str) -> Option<(f64, f64)> {
    let (region, station) = unit_code.split_once('-')?;
    let (lat, lon) = app::tracking::map::department_point(region.parse().ok()?)?;
    let n: f64 = station.parse().ok()?;
    let angle = (n * 137.5_f64).to_radians();
    let km = 4.0 * (n - 1.0).sqrt();
    Some((
        lat + km / 111.2 * angle.cos(),
        lon + km / (111.2 * lat.to_radians().cos()) * angle.sin(),
    ))
}

/// Moves `(lat, lon)` by `metres` north and east.
pub fn offset(p: (f64, f64), north: f64, east: f64) -> (f64, f64) {
    (
        p.0 + north / 111_195.0,
        p.1 + east / (111_195.0 * p.0.to_radians().cos()),
    )
}

/// A patrol car going about its shift: out from its station to a spot
/// within 4 km, a stop there of 5 to 20 minutes, on to the next, and back
/// to the station for the last three quarters of an hour.
#[derive(Debug, Clone, Copy)]
pub(super) struct Patrol {
    home: (f64, f64),
    at: (f64, f64),
    target: (f64, f64),
    stay_until: i64,
}

impl Patrol {
    /// At `at` (its station, or where it was last heard) from `from`.
    pub(super) fn new(home: (f64, f64), at: (f64, f64), from: i64) -> Patrol {
        Patrol {
            home,
            at,
            target: at,
            stay_until: from,
        }
    }

    /// Where the car is at `ts` (30 s after the last step) on a shift that
    /// ends at `to`: (lat, lon, speed m/s, bearing degrees).
    pub(super) fn step(&mut self, rng: &mut Rng, ts: i64, to: i64) -> (f64, f64, f64, f64) {
        let home = self.home;
        let homeward = ts >= to - HOMEWARD_MS;
        if homeward && self.target != home {
            // The shift's last three quarters of an hour: back to the station.
            self.target = home;
            self.stay_until = ts;
        }
        let (at, target) = (self.at, self.target);
        let (dn, de) = (
            (target.0 - at.0) * 111_195.0,
            (target.1 - at.1) * 111_195.0 * at.0.to_radians().cos(),
        );
        let left = (dn * dn + de * de).sqrt();
        let (mut bearing, mut speed) = (0.0, 0.0);
        if ts < self.stay_until {
            // Stopped.
        } else if left < 1.0 && homeward {
            // At the station for the handover.
        } else if left < 1.0 {
            // Arrived: a stop, then the next spot within 4 km of the station.
            self.stay_until = ts + (5 + rng.below(16) as i64) * 60_000;
            let r = 500.0 + rng.unit() * 3_500.0;
            let a = rng.unit() * std::f64::consts::TAU;
            self.target = offset(home, r * a.cos(), r * a.sin());
        } else {
            speed = 8.0 + rng.unit() * 6.0;
            let step = (speed * 30.0).min(left);
            self.at = offset(at, dn / left * step, de / left * step);
            bearing = de.atan2(dn).to_degrees().rem_euclid(360.0);
        }
        (self.at.0, self.at.1, speed, bearing)
    }
}

/// The car's position every 30 s over `[from, to)`: (ts, lat, lon, speed
/// m/s, bearing degrees).
fn car_path(rng: &mut Rng, home: (f64, f64), from: i64, to: i64) -> Vec<(i64, f64, f64, f64, f64)> {
    let mut out = Vec::new();
    let mut car = Patrol::new(home, home, from);
    let mut ts = from.div_euclid(PING_MS) * PING_MS + PING_MS;
    while ts < to {
        let (lat, lon, speed, bearing) = car.step(rng, ts, to);
        out.push((ts, lat, lon, speed, bearing));
        ts += PING_MS;
    }
    out
}

/// The rows of one officer's pings along the car's `path`, with the
/// badge's own troubles drawn from `rng`; a `faulty` badge falls silent for
/// 40 minutes every shift.
fn officer_rows(
    rng: &mut Rng,
    path: &[(i64, f64, f64, f64, f64)],
    badge: i64,
    officer: i64,
    faulty: bool,
) -> Vec<Row> {
    let n = path.len();
    if n == 0 || (!faulty && rng.unit() < 0.01) {
        // A badge silent the whole shift.
        return Vec::new();
    }
    let span = |rng: &mut Rng, len: usize| {
        let start = rng.below(n.saturating_sub(len).max(1) as u64) as usize;
        start..(start + len).min(n)
    };
    let silent = if faulty && n > 160 {
        // Half way through what there is of the shift.
        n / 2 - 40..n / 2 + 40
    } else if rng.unit() < 0.06 {
        let len = 30 + rng.below(90) as usize;
        span(rng, len)
    } else {
        0..0
    };
    let jump = (rng.unit() < 0.015).then(|| rng.below(n as u64) as usize);
    let mock = if rng.unit() < 0.01 {
        span(rng, 20)
    } else {
        0..0
    };
    let (north, east) = (rng.unit() * 8.0 - 4.0, rng.unit() * 8.0 - 4.0);
    let battery_start = 92.0 + rng.unit() * 8.0;
    let mut rows = Vec::with_capacity(n);
    for (i, &(ts, lat, lon, speed, bearing)) in path.iter().enumerate() {
        if silent.contains(&i) {
            continue;
        }
        let mut p = offset((lat, lon), north, east);
        if jump == Some(i) {
            p = offset(p, 35_000.0, 20_000.0);
        }
        let is_mock = mock.contains(&i);
        if is_mock {
            p = offset(p, 1_500.0, -900.0);
        }
        let (lat_e7, lon_e7) = ((p.0 * E7).round() as i64, (p.1 * E7).round() as i64);
        let hours = (i as f64) * 30.0 / 3600.0;
        rows.push((
            badge,
            ts,
            officer,
            lat_e7,
            lon_e7,
            cell_of(lat_e7, lon_e7),
            (4.0 + rng.unit() * 11.0).round(),
            (speed > 0.0).then_some((speed * 10.0).round() / 10.0),
            (speed > 0.0).then_some(bearing.round()),
            (battery_start - hours * 4.5).max(5.0).round(),
            i64::from(is_mock),
        ));
    }
    rows
}

/// Every ping of the demo's week, made on a blocking thread and sent in
/// JSON chunks.
fn bulk_rows(work: &[Work], seed: u64, out: &tokio::sync::mpsc::Sender<String>) {
    // One path per car and shift.
    let rows = work.iter().flat_map(|(plate, unit, from, to, crew)| {
        // PNC-0001's crews wear badges that fall silent every shift: a gap
        // to find on their tracks.
        let faulty = plate == FAULTY_CAR;
        let mut rng =
            Rng(seed ^ (*from as u64).wrapping_mul(0x9E37_79B9) ^ hash(unit) ^ hash_i(crew[0].1));
        let from = crew.iter().map(|c| c.2).min().unwrap_or(*from);
        let home = station_point(unit).unwrap_or((14.6349, -90.5069));
        let path = car_path(&mut rng, home, from, *to);
        crew.iter()
            .flat_map(|&(badge, officer, own_from)| {
                let mut own = Rng(rng.next_u64() ^ officer as u64);
                let start = path.partition_point(|p| p.0 < own_from);
                officer_rows(&mut own, &path[start..], badge, officer, faulty)
            })
            .collect::<Vec<_>>()
    });
    send_chunks(rows, |text| text, out);
}

fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn hash_i(i: i64) -> u64 {
    (i as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93)
}

/// The badge network's API client, which `vigia demo-feed` sends the live
/// pings as.
pub const CLIENT_NAME: &str = "red-de-placas";

/// Makes the badge network's client in `tx`, as `vigia api-client create`
/// would (only its token's hash is kept), and answers its token.
pub async fn client(tx: &mut AuditedTx) -> Result<String, DemoError> {
    use app::policy::{act, authorize, Object};
    let manage = authorize(
        &app::identity::demo_loader(),
        act::ManageApiClients,
        Object::Any,
    )?;
    let token = app::admin::clients::store::create_client_in(
        tx,
        &manage,
        "demo",
        CLIENT_NAME,
        "pings:write",
    )
    .await?;
    Ok(token.reveal().to_string())
}

/// Writes the demo's pings (see the module's notes) in `tx`; the months'
/// partitions must exist. Returns how many were written.
pub async fn load(
    tx: &mut AuditedTx,
    data: &Dataset,
    shifts: &[ShiftRow],
    scale: Scale,
    seed: u64,
    now: i64,
) -> Result<u64, DemoError> {
    let backend = tx.backend();
    // Each officer's id and chip, and each car's station.
    let mut ids: HashMap<String, (i64, i64, i64, Option<i64>)> = HashMap::new();
    let rows = sqlx::query(
        "SELECT o.badge_number, o.id, a.badge_id, a.valid_from, a.valid_to FROM officers o \
         JOIN badge_assignments a ON a.officer_id = o.id",
    )
    .fetch_all(tx.conn())
    .await?;
    for r in rows {
        use sqlx::Row;
        ids.insert(
            r.try_get(0)?,
            (r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?),
        );
    }
    let stations: HashMap<&str, &str> = data
        .vehicles
        .iter()
        .map(|v| (v.plate.as_str(), v.unit_code.as_str()))
        .collect();
    // The officers followed all week: the crews of the latest shift (begun
    // by now) of each of the first cars; tracks are the officer's, so theirs
    // cover every car they rode in.
    let last_full = format!("PNC-{:04}", full_week_vehicles(scale));
    let mut latest: HashMap<&str, i64> = HashMap::new();
    for s in shifts
        .iter()
        .filter(|s| s.plate <= last_full && s.from <= now)
    {
        let start = latest.entry(s.plate.as_str()).or_insert(s.from);
        *start = (*start).max(s.from);
    }
    let followed: std::collections::HashSet<&str> = shifts
        .iter()
        .filter(|s| latest.get(s.plate.as_str()) == Some(&s.from))
        .map(|s| s.badge_number.as_str())
        .collect();
    // Car shifts.
    let mut work: HashMap<(&str, i64), Work> = HashMap::new();
    for s in shifts {
        let from = if followed.contains(s.badge_number.as_str()) {
            s.from
        } else {
            s.from.max(now - RECENT_MS)
        };
        let to = s.to.min(now);
        let Some(&(officer, badge, chip_from, chip_to)) = ids.get(&s.badge_number) else {
            continue;
        };
        // Only while the officer wore the chip.
        let (from, to) = (from.max(chip_from), chip_to.map_or(to, |t| to.min(t)));
        if to <= from {
            continue;
        }
        let unit = stations.get(s.plate.as_str()).copied().unwrap_or("01-01");
        work.entry((s.plate.as_str(), s.from))
            .or_insert_with(|| (s.plate.clone(), unit.to_string(), s.from, to, Vec::new()))
            .4
            .push((badge, officer, from));
    }
    let mut work: Vec<Work> = work.into_values().collect();
    // Made in a fixed order, so the same seed gives the same pings.
    work.sort_by(|a, b| (a.2, &a.0).cmp(&(b.2, &b.0)));

    use JsonCol::{Int, Real};
    let insert = format!(
        "INSERT INTO pings (badge_id, ts, officer_id, lat_e7, lon_e7, cell, accuracy_m, source, \
         speed_mps, bearing_deg, battery_pct, mock, channel, received_at) \
         SELECT c0, c1, c2, c3, c4, c5, c6, 'gps', c7, c8, c9, c10, 'batch', c1 + 5000 FROM ({}) AS r",
        json_rows(
            backend,
            1,
            &[Int, Int, Int, Int, Int, Int, Real, Real, Real, Real, Int]
        )
    );
    let (sender, mut chunks) = tokio::sync::mpsc::channel::<String>(2);
    let work = std::sync::Arc::new(work);
    let builder = {
        let work = work.clone();
        tokio::task::spawn_blocking(move || bulk_rows(&work, seed, &sender))
    };
    let mut written = 0u64;
    while let Some(rows) = chunks.recv().await {
        written += sqlx::query(&insert)
            .bind(rows)
            .execute(tx.conn())
            .await?
            .rows_affected();
    }
    builder.await.expect("making the pings does not panic");
    // Each chip's latest ping and battery (badge health).
    sqlx::query(
        "UPDATE badges SET last_ping_at = (SELECT MAX(p.ts) FROM pings p WHERE p.badge_id = badges.id), \
         last_battery_pct = (SELECT p.battery_pct FROM pings p WHERE p.badge_id = badges.id \
                             ORDER BY p.ts DESC LIMIT 1) \
         WHERE EXISTS (SELECT 1 FROM pings p WHERE p.badge_id = badges.id)",
    )
    .execute(tx.conn())
    .await?;
    tx.audit(&AuditEntry {
        action: AuditAction::PingsIngested,
        object_type: "batch",
        object_id: String::new(),
        outcome: "ok",
        ip: "demo".into(),
        details: serde_json::json!({ "accepted": written, "duplicates": 0, "rejected": 0 }),
    })
    .await?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stations_lie_in_their_department() {
        let (lat, lon) = station_point("01-01").unwrap();
        assert!((14.3..14.9).contains(&lat) && (-90.8..-90.2).contains(&lon));
        assert_ne!(station_point("01-02"), station_point("01-01"));
        assert_eq!(station_point("nowhere"), None);
    }

    #[test]
    fn a_car_drives_out_stops_and_never_speeds() {
        let mut rng = Rng(7);
        let home = (14.6349, -90.5069);
        let path = car_path(&mut rng, home, 0, 12 * 3_600_000);
        assert_eq!(path.len(), 12 * 120 - 1);
        let stopped = path.iter().filter(|p| p.3 == 0.0).count();
        assert!(stopped > 100 && stopped < path.len() - 100, "{stopped}");
        for w in path.windows(2) {
            let d = app::tracking::track::distance_m((w[0].1, w[0].2), (w[1].1, w[1].2));
            assert!(d <= 14.0 * 30.0 + 1.0, "{d}");
        }
        assert!(path
            .iter()
            .all(|p| app::tracking::track::distance_m(home, (p.1, p.2)) < 4_100.0));
    }
}
