//! Track and proximity benchmark for BENCHMARKS.md (issue 16, item 9):
//! reading tracks and asking who was near a place among 50 million pings.
//!
//! Into a fresh database it writes a month of badge pings: 1,700 officers
//! (two to a car, 850 cars in the 22 departments, each car on one of three
//! eight-hour shifts a day), a ping every 30 s from each officer on shift,
//! moving with the car around its station (stops, turns, up to 15 m/s),
//! 31 days: 50.6 million pings, in time order as the badge network sends
//! them. The pings go in with the database's bulk path (PostgreSQL `COPY`
//! into the month partitions Vigía creates; SQLite multi-row inserts), the
//! place and officer indexes built after the load; then a Vigía server
//! starts on the database and one signed-in investigator asks, one request
//! after another, through HTTP:
//!
//! - an officer's 8-hour track (one shift, about 960 pings);
//! - an officer's 30-day track, thinned to at most 2,000 points;
//! - who was within 250 m of a place where a badge was, ± 30 minutes;
//! - the floor: a signed-in server function that reads nothing (the
//!   country's map), so that the figures above read as a ratio too.
//!
//! Each answer is checked (the track's pings, the thinning, the officer
//! found near the place); each read is audited, as in service. Prints the
//! median, 95th and 99th percentile of each. Run by `scripts/bench`.
//!
//! `bench_tracks DB_URL [OFFICERS] [DAYS] [SAMPLES]` (a database it wrote
//! before is measured again as it is)

use std::io::Write as _;
use std::time::{Duration, Instant};

use app::store::batch::{insert_many, Value};
use app::store::{Backend, Db};
use sqlx::Connection as _;

#[path = "support/mod.rs"]
mod support;
use support::{Err, Rng};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// 2026-10-20T00:00:00Z, in milliseconds: the month crosses into November
/// (two partitions on PostgreSQL).
const BASE_MS: i64 = 1_792_454_400_000;
const DAY_MS: i64 = 86_400_000;
const SHIFT_MS: i64 = 8 * 3_600_000;
const TICK_MS: i64 = 30_000;
const TICKS_PER_SHIFT: i64 = SHIFT_MS / TICK_MS;
const PASSWORD: &str = "bench frase de prueba larga";

/// A car on patrol around its station.
struct Car {
    station: (f64, f64),
    at: (f64, f64),
    heading: f64,
    battery: f64,
}

const M_PER_DEG: f64 = 111_195.0;

impl Car {
    /// The next 30 s: a stop now and then, otherwise a drive that turns a
    /// little and heads home when more than 4 km out. Returns the speed
    /// (m/s) and the heading (degrees).
    fn step(&mut self, rng: &mut Rng) -> (f64, f64) {
        let speed = if rng.unit() < 0.3 {
            0.0
        } else {
            2.0 + 13.0 * rng.unit()
        };
        self.heading += (rng.unit() - 0.5) * 60.0;
        let cos = self.at.0.to_radians().cos();
        let north = (self.at.0 - self.station.0) * M_PER_DEG;
        let east = (self.at.1 - self.station.1) * M_PER_DEG * cos;
        if (north * north + east * east).sqrt() > 4_000.0 {
            self.heading = (-east).atan2(-north).to_degrees();
        }
        let d = speed * 30.0;
        let h = self.heading.to_radians();
        self.at.0 += d * h.cos() / M_PER_DEG;
        self.at.1 += d * h.sin() / (M_PER_DEG * cos);
        self.battery = (self.battery - 0.02).max(5.0);
        (speed, self.heading.rem_euclid(360.0))
    }
}

/// One ping as stored.
#[derive(Clone, Copy)]
struct Ping {
    badge_id: i64,
    ts: i64,
    officer_id: i64,
    lat_e7: i64,
    lon_e7: i64,
    cell: i64,
    accuracy_m: f64,
    speed: f64,
    bearing: f64,
    battery: f64,
}

struct Fleet {
    /// Per officer: (officer id, badge number, badge id).
    officers: Vec<(i64, String, i64)>,
    cars: usize,
}

/// Officers, chips, cars and a month of shifts.
async fn records(db: &Db, officers: usize, days: i64) -> Result<Fleet, Err> {
    let pool = db.pool_for_tests();
    let cars = officers.div_ceil(2);
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO units (code, name, kind, parent_id, created_at) VALUES ('00', 'Dirección General', 'national', NULL, 0)")
        .execute(&mut *tx)
        .await?;
    let national: i64 = sqlx::query_scalar("SELECT id FROM units WHERE code = '00'")
        .fetch_one(&mut *tx)
        .await?;
    let regions: Vec<Vec<Value>> = (1..=22)
        .map(|d| {
            vec![
                format!("{d:02}").into(),
                format!("Departamento {d:02}").into(),
                "region".into(),
                national.into(),
                0i64.into(),
            ]
        })
        .collect();
    insert_many(
        &mut tx,
        "units",
        &["code", "name", "kind", "parent_id", "created_at"],
        &regions,
    )
    .await?;
    let units: std::collections::HashMap<String, i64> =
        sqlx::query_as::<_, (String, i64)>("SELECT code, id FROM units")
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .collect();
    let region = |car: usize| units[&format!("{:02}", 1 + car % 22)];
    let rows: Vec<Vec<Value>> = (0..officers)
        .map(|i| {
            vec![
                format!("{}", 500_000 + i).into(),
                "José Ángel".into(),
                "Ixcoy Tzunún".into(),
                "agente".into(),
                region(i / 2).into(),
                "2015-01-01".into(),
                0i64.into(),
                0i64.into(),
            ]
        })
        .collect();
    insert_many(
        &mut tx,
        "officers",
        &[
            "badge_number",
            "given_names",
            "family_names",
            "rank",
            "unit_id",
            "hire_date",
            "created_at",
            "updated_at",
        ],
        &rows,
    )
    .await?;
    let chips: Vec<Vec<Value>> = (0..officers)
        .map(|i| vec![format!("CHIP-{i:07}").into(), 0i64.into()])
        .collect();
    insert_many(&mut tx, "badges", &["chip_id", "created_at"], &chips).await?;
    sqlx::query(
        "INSERT INTO badge_assignments (badge_id, officer_id, valid_from, valid_to) \
         SELECT b.id, o.id, 0, NULL FROM badges b JOIN officers o \
         ON o.badge_number = CAST(500000 + CAST(SUBSTR(b.chip_id, 6) AS INTEGER) AS TEXT)",
    )
    .execute(&mut *tx)
    .await?;
    let plates: Vec<Vec<Value>> = (0..cars)
        .map(|c| vec![format!("P-{c:05}").into(), region(c).into(), 0i64.into()])
        .collect();
    insert_many(
        &mut tx,
        "vehicles",
        &["plate", "unit_id", "created_at"],
        &plates,
    )
    .await?;
    let vehicles: std::collections::HashMap<String, i64> =
        sqlx::query_as::<_, (String, i64)>("SELECT plate, id FROM vehicles")
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .collect();
    let mut ids: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT o.badge_number, o.id, a.badge_id FROM officers o \
         JOIN badge_assignments a ON a.officer_id = o.id",
    )
    .fetch_all(&mut *tx)
    .await?;
    ids.sort();
    let officers: Vec<(i64, String, i64)> = ids.into_iter().map(|(n, o, b)| (o, n, b)).collect();
    let mut shifts: Vec<Vec<Value>> = Vec::new();
    for (i, (officer_id, _, _)) in officers.iter().enumerate() {
        let car = i / 2;
        for day in 0..days {
            let start = shift_start(car, day);
            shifts.push(vec![
                (*officer_id).into(),
                vehicles[&format!("P-{car:05}")].into(),
                start.into(),
                (start + SHIFT_MS).into(),
                if i % 2 == 0 { "driver" } else { "crew" }.into(),
                "bench".into(),
                0i64.into(),
            ]);
        }
    }
    insert_many(
        &mut tx,
        "vehicle_assignments",
        &[
            "officer_id",
            "vehicle_id",
            "starts_at",
            "ends_at",
            "role",
            "recorded_by",
            "recorded_at",
        ],
        &shifts,
    )
    .await?;
    tx.commit().await?;
    Ok(Fleet { officers, cars })
}

/// When car `car`'s shift starts on day `day`: one of three eight-hour
/// shifts, from midnight in Guatemala (06:00 UTC).
fn shift_start(car: usize, day: i64) -> i64 {
    BASE_MS + day * DAY_MS + 6 * 3_600_000 + (car % 3) as i64 * SHIFT_MS
}

/// Writes every ping of `day`, in time order, through `sink` in chunks.
fn day_pings(
    fleet: &Fleet,
    cars: &mut [Car],
    rng: &mut Rng,
    day: i64,
    sink: &mut dyn FnMut(&[Ping]),
) {
    let mut chunk: Vec<Ping> = Vec::with_capacity(20_000);
    for shift in 0..3usize {
        // The cars of this shift leave their stations.
        for (c, car) in cars.iter_mut().enumerate() {
            if c % 3 == shift {
                car.at = car.station;
                car.battery = 100.0;
            }
        }
        for tick in 0..TICKS_PER_SHIFT {
            let at =
                BASE_MS + day * DAY_MS + 6 * 3_600_000 + shift as i64 * SHIFT_MS + tick * TICK_MS;
            for c in (shift..fleet.cars).step_by(3) {
                let (speed, bearing) = cars[c].step(rng);
                for o in [2 * c, 2 * c + 1] {
                    let Some((officer_id, _, badge_id)) = fleet.officers.get(o) else {
                        continue;
                    };
                    // Each badge a few metres from the car, its clock its own.
                    let lat = cars[c].at.0 + (rng.unit() - 0.5) * 10.0 / M_PER_DEG;
                    let lon = cars[c].at.1 + (rng.unit() - 0.5) * 10.0 / M_PER_DEG;
                    let (lat_e7, lon_e7) = ((lat * 1e7).round() as i64, (lon * 1e7).round() as i64);
                    chunk.push(Ping {
                        badge_id: *badge_id,
                        ts: at + rng.below(1_000) as i64,
                        officer_id: *officer_id,
                        lat_e7,
                        lon_e7,
                        cell: app::tracking::cell_of(lat_e7, lon_e7),
                        accuracy_m: 4.0 + rng.below(20) as f64,
                        speed,
                        bearing,
                        battery: cars[c].battery,
                    });
                }
            }
            if chunk.len() >= 16_000 {
                sink(&chunk);
                chunk.clear();
            }
        }
    }
    if !chunk.is_empty() {
        sink(&chunk);
    }
}

/// The track and place indexes, built after the load as the migrations
/// define them.
const INDEXES: [&str; 2] = ["pings_officer_time", "pings_place_time"];

/// How the migrations create `index` (on PostgreSQL, on the partitioned
/// table and so on every partition).
async fn definition(db: &Db, index: &str) -> Result<String, Err> {
    let pool = db.pool_for_tests();
    Ok(match db.backend() {
        Backend::Sqlite => {
            sqlx::query_scalar("SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = $1")
                .bind(index)
                .fetch_one(pool)
                .await?
        }
        Backend::Postgres => {
            let def: String =
                sqlx::query_scalar("SELECT indexdef FROM pg_indexes WHERE indexname = $1")
                    .bind(index)
                    .fetch_one(pool)
                    .await?;
            def.replacen(" ON ONLY ", " ON ", 1)
        }
    })
}

/// Loads `days` of pings with the backend's bulk path; returns the count.
async fn load(url: &str, db: &Db, fleet: &Fleet, days: i64) -> Result<u64, Err> {
    let mut rng = Rng(2013);
    let mut cars: Vec<Car> = (0..fleet.cars)
        .map(|c| {
            let (lat, lon) =
                app::tracking::map::department_point(1 + (c % 22) as u32).expect("22 departments");
            // Stations spread about 10 km around the department's point.
            let station = (
                lat + (rng.unit() - 0.5) * 20_000.0 / M_PER_DEG,
                lon + (rng.unit() - 0.5) * 20_000.0 / M_PER_DEG,
            );
            Car {
                station,
                at: station,
                heading: 360.0 * rng.unit(),
                battery: 100.0,
            }
        })
        .collect();
    let pool = db.pool_for_tests();
    let mut indexes = Vec::new();
    for index in INDEXES {
        indexes.push(definition(db, index).await?);
        sqlx::query(&format!("DROP INDEX {index}"))
            .execute(pool)
            .await?;
    }
    let mut total = 0u64;
    let started = Instant::now();
    match db.backend() {
        Backend::Postgres => {
            app::tracking::partitions::ensure_for(db, (0..=days).map(|d| BASE_MS + d * DAY_MS))
                .await?;
            let mut conn = sqlx::PgConnection::connect(url).await?;
            for day in 0..days {
                let mut text: Vec<u8> = Vec::with_capacity(200 << 20);
                day_pings(fleet, &mut cars, &mut rng, day, &mut |chunk| {
                    for p in chunk {
                        writeln!(
                            text,
                            "{}\t{}\t{}\t{}\t{}\t{}\t{}\tgps\t{:.1}\t{:.0}\t{:.0}\t0\tbatch\t{}",
                            p.badge_id,
                            p.ts,
                            p.officer_id,
                            p.lat_e7,
                            p.lon_e7,
                            p.cell,
                            p.accuracy_m,
                            p.speed,
                            p.bearing,
                            p.battery,
                            p.ts + 2_000
                        )
                        .expect("writes to memory");
                    }
                    total += chunk.len() as u64;
                });
                let mut copy = conn
                    .copy_in_raw(
                        "COPY pings (badge_id, ts, officer_id, lat_e7, lon_e7, cell, accuracy_m, \
                         source, speed_mps, bearing_deg, battery_pct, mock, channel, received_at) \
                         FROM STDIN",
                    )
                    .await?;
                for part in text.chunks(4 << 20) {
                    copy.send(part).await?;
                }
                copy.finish().await?;
                progress(day, days, total, started);
            }
            sqlx::raw_sql("SET maintenance_work_mem = '1GB'")
                .execute(&mut conn)
                .await?;
            for index in &indexes {
                sqlx::raw_sql(index).execute(&mut conn).await?;
            }
            conn.close().await?;
        }
        Backend::Sqlite => {
            let options: sqlx::sqlite::SqliteConnectOptions = url.parse()?;
            let mut conn = sqlx::SqliteConnection::connect_with(
                &options
                    .pragma("synchronous", "OFF")
                    .pragma("cache_size", "-2000000"),
            )
            .await?;
            const ROWS: usize = 2_000;
            let statement = |n: usize| {
                format!(
                    "INSERT INTO pings (badge_id, ts, officer_id, lat_e7, lon_e7, cell, accuracy_m, \
                     source, speed_mps, bearing_deg, battery_pct, mock, channel, received_at) VALUES {}",
                    vec!["(?, ?, ?, ?, ?, ?, ?, 'gps', ?, ?, ?, 0, 'batch', ?)"; n].join(", ")
                )
            };
            let full = statement(ROWS);
            for day in 0..days {
                let mut chunks: Vec<Vec<Ping>> = Vec::new();
                day_pings(fleet, &mut cars, &mut rng, day, &mut |chunk| {
                    chunks.push(chunk.to_vec());
                });
                let mut tx = conn.begin().await?;
                for chunk in &chunks {
                    for rows in chunk.chunks(ROWS) {
                        let sql = if rows.len() == ROWS {
                            full.clone()
                        } else {
                            statement(rows.len())
                        };
                        let mut q = sqlx::query(&sql);
                        for p in rows {
                            q = q
                                .bind(p.badge_id)
                                .bind(p.ts)
                                .bind(p.officer_id)
                                .bind(p.lat_e7)
                                .bind(p.lon_e7)
                                .bind(p.cell)
                                .bind(p.accuracy_m)
                                .bind(p.speed)
                                .bind(p.bearing)
                                .bind(p.battery)
                                .bind(p.ts + 2_000);
                        }
                        q.execute(&mut *tx).await?;
                        total += rows.len() as u64;
                    }
                }
                tx.commit().await?;
                progress(day, days, total, started);
            }
            for index in &indexes {
                sqlx::query(index).execute(&mut conn).await?;
            }
            conn.close().await?;
        }
    }
    eprintln!(
        "loaded {total} pings and built the indexes in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    if db.backend() == Backend::Postgres {
        db.analyze(Some("pings")).await?;
    }
    Ok(total)
}

fn progress(day: i64, days: i64, total: u64, started: Instant) {
    eprintln!(
        "day {}/{days}: {total} pings, {:.0} pings/s",
        day + 1,
        total as f64 / started.elapsed().as_secs_f64()
    );
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .expect("a time in range")
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1_000.0
}

/// Times `samples` calls of server function `endpoint`, each with the form
/// `form(i)`, each answer checked by `check`; prints and returns the p95.
async fn measure(
    client: &reqwest::Client,
    base: &str,
    name: &str,
    endpoint: &str,
    samples: usize,
    form: &mut dyn FnMut(usize) -> Vec<(&'static str, String)>,
    check: &dyn Fn(&serde_json::Value) -> Result<(), String>,
) -> Result<f64, Err> {
    let mut times = Vec::with_capacity(samples);
    for i in 0..samples {
        let form = form(i);
        let started = Instant::now();
        let res = client
            .post(format!("{base}/rpc/{endpoint}"))
            .header("accept", "application/json")
            .form(&form)
            .send()
            .await?;
        let status = res.status();
        let body = res.bytes().await?;
        times.push(started.elapsed());
        if !status.is_success() {
            return Err(format!("{name}: {status}: {}", String::from_utf8_lossy(&body)).into());
        }
        check(&serde_json::from_slice(&body)?).map_err(|e| format!("{name}: {e} ({form:?})"))?;
    }
    times.sort();
    let p95 = percentile(&times, 0.95);
    println!(
        "{name:<44} {samples:>5} reads  median {:>7.2} ms  p95 {:>7.2} ms  p99 {:>7.2} ms",
        percentile(&times, 0.5),
        p95,
        percentile(&times, 0.99)
    );
    Ok(p95)
}

#[tokio::main]
async fn main() -> Result<(), Err> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 2 {
        eprintln!("usage: bench_tracks DB_URL [OFFICERS] [DAYS] [SAMPLES]");
        std::process::exit(2);
    }
    let url = &args[1];
    let officers: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(1_700);
    let days: i64 = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(31);
    let samples: usize = args.get(4).map(|s| s.parse()).transpose()?.unwrap_or(300);

    let db = Db::connect(url).await?;
    db.migrate().await?;
    // A database this bench wrote before is measured again as it is.
    let written: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM officers")
        .fetch_one(db.pool_for_tests())
        .await?;
    let (fleet, total) = if written > 0 {
        let mut ids: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT o.badge_number, o.id, a.badge_id FROM officers o \
             JOIN badge_assignments a ON a.officer_id = o.id",
        )
        .fetch_all(db.pool_for_tests())
        .await?;
        ids.sort();
        let officers: Vec<(i64, String, i64)> =
            ids.into_iter().map(|(n, o, b)| (o, n, b)).collect();
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pings")
            .fetch_one(db.pool_for_tests())
            .await?;
        eprintln!("measuring again the {total} pings written before");
        let cars = officers.len().div_ceil(2);
        (Fleet { officers, cars }, total as u64)
    } else {
        let fleet = records(&db, officers, days).await?;
        let total = load(url, &db, &fleet, days).await?;
        (fleet, total)
    };
    let officers = fleet.officers.len();

    let operator = app::identity::console_operator();
    let actor = app::policy::authorize(
        &operator,
        app::policy::act::ManageUsers,
        app::policy::Object::Any,
    )?;
    if written == 0 {
        app::identity::store::create_user(
            &db,
            &actor,
            "local",
            app::identity::store::NewUser {
                username: "bench-investigator".into(),
                display_name: "Bench".into(),
                roles: vec![app::identity::Role::Investigator],
                password: PASSWORD.into(),
                must_change_password: false,
            },
        )
        .await?;
    }
    // No second factor asked of anyone: the bench's account signs in with
    // a password.
    let base = support::serve_with(url, &db, |s| s.totp_required_roles = Some(",".into())).await?;
    let client = support::signed_in(&base, "bench-investigator", PASSWORD).await?;

    println!(
        "{} backend, {total} pings of {officers} officers over {days} days; one investigator, one request after another:",
        match db.backend() {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    );
    let mut rng = Rng(16);
    let n = fleet.officers.len();
    let badge = |o: usize| fleet.officers[o].1.clone();
    // The floor first, then each read.
    let floor = measure(
        &client,
        &base,
        "floor (signed-in, reads nothing)",
        "who_am_i",
        samples,
        &mut |_| vec![],
        &|_| Ok(()),
    )
    .await?;
    let mut pick = Rng(7);
    let track8 = measure(
        &client,
        &base,
        "8-hour track (one shift)",
        "officer_track",
        samples,
        &mut |_| {
            let o = pick.below(n);
            let start = shift_start(o / 2, 1 + pick.below(days as usize - 1) as i64);
            vec![
                ("badge", badge(o)),
                ("from", rfc3339(start)),
                ("to", rfc3339(start + SHIFT_MS)),
            ]
        },
        &|v| {
            let pings = v["pings"].as_u64().unwrap_or(0);
            if pings == TICKS_PER_SHIFT as u64 {
                Ok(())
            } else {
                Err(format!("{pings} pings in a shift"))
            }
        },
    )
    .await?;
    let track30 = measure(
        &client,
        &base,
        "30-day track, thinned to 2,000 points",
        "officer_track",
        samples / 3,
        &mut |_| {
            let o = pick.below(n);
            let start =
                BASE_MS + pick.below((days as usize).saturating_sub(30).max(1)) as i64 * DAY_MS;
            vec![
                ("badge", badge(o)),
                ("from", rfc3339(start)),
                ("to", rfc3339(start + 30 * DAY_MS)),
            ]
        },
        &|v| {
            let pings = v["pings"].as_u64().unwrap_or(0);
            let points = v["points"].as_array().map_or(0, Vec::len);
            if pings >= 29 * TICKS_PER_SHIFT as u64 && (1_000..=2_000).contains(&points) {
                Ok(())
            } else {
                Err(format!("{pings} pings drawn as {points} points"))
            }
        },
    )
    .await?;
    // Places where a badge was: a ping read back from the database.
    let pool = db.pool_for_tests();
    let mut places: Vec<(i64, i64, i64, String)> = Vec::new();
    for _ in 0..samples {
        let o = rng.below(n);
        let start = shift_start(o / 2, rng.below(days as usize) as i64)
            + rng.below(SHIFT_MS as usize) as i64;
        let (lat, lon, ts): (i64, i64, i64) = sqlx::query_as(
            "SELECT lat_e7, lon_e7, ts FROM pings WHERE badge_id = $1 AND ts >= $2 ORDER BY ts LIMIT 1",
        )
        .bind(fleet.officers[o].2)
        .bind(start)
        .fetch_one(pool)
        .await?;
        places.push((lat, lon, ts, badge(o)));
    }
    let near = measure(
        &client,
        &base,
        "who was within 250 m, ± 30 min",
        "tracking_near",
        samples,
        &mut |i| {
            let (lat, lon, ts, _) = &places[i];
            vec![
                ("lat", format!("{:.7}", *lat as f64 / 1e7)),
                ("lon", format!("{:.7}", *lon as f64 / 1e7)),
                ("radius", "250".into()),
                ("from", rfc3339(ts - 1_800_000)),
                ("to", rfc3339(ts + 1_800_000)),
            ]
        },
        &|v| {
            let found = v["officers"].as_array().map_or(0, Vec::len);
            if found >= 1 {
                Ok(())
            } else {
                Err("nobody found where a badge was".into())
            }
        },
    )
    .await?;
    println!(
        "p95 ÷ the floor's p95: 8-hour track {:.1}×, 30-day track {:.1}×, proximity {:.1}×",
        track8 / floor,
        track30 / floor,
        near / floor
    );
    println!("RESULT\ttracks\t{total}\t{floor:.2}\t{track8:.2}\t{track30:.2}\t{near:.2}");
    Ok(())
}
