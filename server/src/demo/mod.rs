//! The synthetic demonstration dataset: deterministic (same seed, same
//! data), realistic in shape, and loaded only into an empty database.
//!
//! Generation is pure ([`generate`]); loading ([`load`]) writes it in one
//! transaction, so a failed load leaves the database empty.

use std::collections::HashMap;

use app::audit::{AuditAction, AuditEntry, AuditedTx};
use app::officers::import::ImportKind;
use app::officers::importer::import_in;
use app::policy::{act, authorize, Object, Permit};
use app::store::batch::{insert_many, Value};
use app::store::Db;
use sqlx::Row;

mod cases;
pub mod dates;
pub mod duty;
pub mod feed;
pub mod fleet;
mod geo;
mod names;
pub mod pings;

pub use geo::DEPARTMENTS;

/// How big a dataset to make. Both scales have the whole fleet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// About 4,000 officers: loads in seconds.
    Small,
    /// About 40,000 officers, the size of the national police.
    National,
}

impl Scale {
    pub fn officers(self) -> usize {
        match self {
            Scale::Small => 4_000,
            Scale::National => 40_000,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Scale::Small => "small",
            Scale::National => "national",
        }
    }
}

/// Patrol cars: PNC-0001 … PNC-1300, at both scales.
pub const VEHICLES: usize = 1_300;

/// The day hire dates are counted back from (fixed, so the data does not
/// depend on the day it is generated).
const REFERENCE_DAY: (i32, u32, u32) = (2026, 9, 30);
/// Badge chips were issued in a rollout starting on this day.
const CHIP_ROLLOUT: (i32, u32, u32) = (2024, 1, 15);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRow {
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub parent_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficerRow {
    pub badge_number: String,
    pub given_names: String,
    pub family_names: String,
    pub rank: &'static str,
    pub unit_code: String,
    pub status: &'static str,
    pub status_changed_on: Option<String>,
    pub hire_date: String,
    pub national_id: String,
    pub chip_id: String,
    /// When the officer started wearing the chip (ms since the epoch, UTC).
    pub chip_from: i64,
    /// When they stopped (dismissed or retired), if they did.
    pub chip_to: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VehicleRow {
    pub plate: String,
    pub unit_code: String,
    /// Serials of the cabin and the forward camera.
    pub cabin_serial: String,
    pub forward_serial: String,
}

/// A generated dataset, ready to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    pub units: Vec<UnitRow>,
    pub officers: Vec<OfficerRow>,
    pub vehicles: Vec<VehicleRow>,
}

/// What a load wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub regions: usize,
    pub stations: usize,
    pub officers: usize,
    pub vehicles: usize,
    pub cameras: usize,
    pub badges: usize,
    pub assignments: usize,
    pub tests: usize,
    pub heartbeats: usize,
    pub segments: usize,
    /// Badge pings written (as `u64`: a count of rows).
    pub pings: u64,
    pub cases: usize,
    /// The API token of the camera control center's client (shown once:
    /// only its hash is stored).
    pub api_token: String,
    /// The API token of the badge network's client (`pings:write`).
    pub badge_token: String,
}

impl Dataset {
    pub fn summary(&self) -> Summary {
        Summary {
            regions: self.units.iter().filter(|u| u.kind == "region").count(),
            stations: self.units.iter().filter(|u| u.kind == "station").count(),
            officers: self.officers.len(),
            vehicles: self.vehicles.len(),
            cameras: self.vehicles.len() * 2,
            badges: self.officers.len(),
            assignments: 0,
            tests: 0,
            heartbeats: 0,
            segments: 0,
            pings: 0,
            cases: 0,
            api_token: String::new(),
            badge_token: String::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(
        "the database already holds records ({0}); demo-data loads only into an empty \
         database: use a new VIGIA_DATABASE_URL or remove the SQLite file"
    )]
    NotEmpty(String),
    #[error("loading the demo data failed, nothing was written: {0}")]
    Database(#[from] sqlx::Error),
    #[error("loading the demo data failed, nothing was written: {0}")]
    Refused(#[from] app::error::AppError),
    #[error("the demo data failed the import's checks, nothing was written: {0}")]
    Imported(String),
    #[error("the demo data failed the ingest, nothing was written: {0:?}")]
    Ingest(app::fleet::ingest::BatchError),
}

/// A small, fast generator whose sequence never changes with crate versions
/// (SplitMix64), so a seed names the same dataset forever.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `0.0..1.0`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An index drawn with the given cumulative weights.
    fn weighted(&mut self, cumulative: &[f64]) -> usize {
        let total = *cumulative.last().expect("non-empty weights");
        let x = self.unit() * total;
        cumulative
            .partition_point(|&c| c <= x)
            .min(cumulative.len() - 1)
    }
}

/// PNC ranks below the leadership: (rank, share per thousand, fewest and
/// most years of service).
const RANKS: &[(&str, u32, i64, i64)] = &[
    ("agente", 700, 0, 15),
    ("subinspector", 110, 4, 18),
    ("inspector", 80, 6, 22),
    ("oficial_tercero", 40, 8, 22),
    ("oficial_segundo", 30, 10, 24),
    ("oficial_primero", 20, 12, 25),
    ("subcomisario", 12, 14, 27),
    ("comisario", 6, 16, 28),
    ("comisario_general", 2, 18, 28),
];

/// The leadership at headquarters: (rank, how many).
const LEADERSHIP: &[(&str, usize)] = &[
    ("director_general", 1),
    ("director_general_adjunto", 1),
    ("subdirector_general", 4),
];

/// Generates the dataset for `scale` and `seed`. Pure and deterministic.
pub fn generate(scale: Scale, seed: u64) -> Dataset {
    let mut rng = Rng(seed ^ 0x0056_4947_4941_u64);
    let reference = dates::days_from_civil(REFERENCE_DAY.0, REFERENCE_DAY.1, REFERENCE_DAY.2);
    let rollout = dates::days_from_civil(CHIP_ROLLOUT.0, CHIP_ROLLOUT.1, CHIP_ROLLOUT.2);

    // Units, and each station's weight in the force.
    let mut units = vec![UnitRow {
        code: geo::NATIONAL_CODE.into(),
        name: geo::NATIONAL_NAME.into(),
        kind: "national",
        parent_code: None,
    }];
    let mut stations: Vec<(String, f64)> = Vec::new();
    for (code, name, weight, towns) in DEPARTMENTS {
        units.push(UnitRow {
            code: (*code).into(),
            name: (*name).into(),
            kind: "region",
            parent_code: Some(geo::NATIONAL_CODE.into()),
        });
        let shares: Vec<f64> = (0..towns.len())
            .map(|i| if i == 0 { 4.0 } else { 1.0 + rng.unit() })
            .collect();
        let sum: f64 = shares.iter().sum();
        for (i, town) in towns.iter().enumerate() {
            let station_code = format!("{code}-{:02}", i + 1);
            units.push(UnitRow {
                code: station_code.clone(),
                name: (*town).into(),
                kind: "station",
                parent_code: Some((*code).into()),
            });
            stations.push((station_code, *weight as f64 * shares[i] / sum));
        }
    }
    let mut cumulative = Vec::with_capacity(stations.len());
    let mut acc = 0.0;
    for (_, w) in &stations {
        acc += w;
        cumulative.push(acc);
    }

    // Officers: rank, unit, service years, names, status.
    let rank_cumulative: Vec<f64> = RANKS
        .iter()
        .scan(0.0, |acc, r| {
            *acc += r.1 as f64;
            Some(*acc)
        })
        .collect();
    struct Draft {
        rank: &'static str,
        unit_code: String,
        hire_day: i64,
        given: String,
        family: String,
    }
    let total = scale.officers();
    let headquarters = total / 50; // 2% at the Dirección General
    let mut drafts = Vec::with_capacity(total);
    let leadership = LEADERSHIP
        .iter()
        .flat_map(|(r, n)| std::iter::repeat_n(*r, *n));
    for (i, leader_rank) in leadership
        .map(Some)
        .chain(std::iter::repeat(None))
        .take(total)
        .enumerate()
    {
        let (rank, min_years, max_years) = match leader_rank {
            Some(r) => (r, 25, 28),
            None => {
                let r = &RANKS[rng.weighted(&rank_cumulative)];
                (r.0, r.2, r.3)
            }
        };
        let unit_code = if i < headquarters {
            geo::NATIONAL_CODE.to_string()
        } else {
            stations[rng.weighted(&cumulative)].0.clone()
        };
        let service_days =
            min_years * 365 + rng.below(((max_years - min_years) * 365 + 1) as u64) as i64;
        let female = rng.unit() < 0.2;
        let pool = if female {
            names::GIVEN_FEMALE
        } else {
            names::GIVEN_MALE
        };
        let first = rng.pick(pool);
        let mut second = rng.pick(pool);
        while second == first {
            second = rng.pick(pool);
        }
        let family1 = rng.pick(names::FAMILY);
        let family2 = rng.pick(names::FAMILY);
        drafts.push(Draft {
            rank,
            unit_code,
            hire_day: reference - service_days,
            given: format!("{first} {second}"),
            family: format!("{family1} {family2}"),
        });
    }

    // Badge numbers (NIP) follow hire order, with the gaps of a real register.
    let mut order: Vec<usize> = (0..drafts.len()).collect();
    order.sort_by_key(|&i| (drafts[i].hire_day, i));
    let id_offset = rng.below(100_000_000);
    let mut nip = 10_000u64;
    let mut officers = Vec::with_capacity(total);
    for (position, &i) in order.iter().enumerate() {
        let d = &drafts[i];
        nip += 1 + rng.below(3);
        let roll = rng.unit();
        let years = (reference - d.hire_day) / 365;
        // Dismissals and suspensions are chosen below: each comes from a
        // decided case.
        let (status, changed) = if roll < 0.02 && years >= 10 {
            ("retired", true)
        } else {
            ("active", false)
        };
        let status_day =
            changed.then(|| d.hire_day + 1 + rng.below((reference - d.hire_day) as u64) as i64);
        let chip_day = rollout.max(d.hire_day) + rng.below(90) as i64;
        let chip_from = dates::local_midnight_ms(chip_day);
        let chip_to = match (status, status_day) {
            ("dismissed" | "retired", Some(day)) => {
                Some(dates::local_midnight_ms(day.max(chip_day + 1)))
            }
            _ => None,
        };
        officers.push(OfficerRow {
            badge_number: nip.to_string(),
            given_names: d.given.clone(),
            family_names: d.family.clone(),
            rank: d.rank,
            unit_code: d.unit_code.clone(),
            status,
            status_changed_on: status_day.map(dates::iso_date),
            hire_date: dates::iso_date(d.hire_day),
            national_id: national_id(position as u64, id_offset, &mut rng),
            chip_id: format!("CHIP-{:07}", position + 1),
            chip_from,
            chip_to,
        });
    }

    decide_statuses(&mut officers, &mut rng, reference);

    // The fleet: every station has at least one car; the rest follow the
    // size of the force. Plate numbers are spread over the stations.
    let mut per_station = vec![1usize; stations.len()];
    let spare = VEHICLES - stations.len();
    let mut remainders: Vec<(f64, usize)> = Vec::with_capacity(stations.len());
    let mut given = 0;
    for (i, (_, w)) in stations.iter().enumerate() {
        let exact = spare as f64 * w / acc;
        per_station[i] += exact.floor() as usize;
        given += exact.floor() as usize;
        remainders.push((exact - exact.floor(), i));
    }
    remainders.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders.into_iter().take(spare - given) {
        per_station[i] += 1;
    }
    let mut plates: Vec<usize> = (1..=VEHICLES).collect();
    for i in (1..plates.len()).rev() {
        plates.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let serial_offset = rng.below(1_000_000);
    let mut vehicles = Vec::with_capacity(VEHICLES);
    let mut next = 0;
    for (s, count) in per_station.iter().enumerate() {
        for _ in 0..*count {
            let n = plates[next];
            let serial = |k: usize| ((n * 2 + k) as u64 * 7_919 + serial_offset) % 1_000_000;
            vehicles.push(VehicleRow {
                plate: format!("PNC-{n:04}"),
                unit_code: stations[s].0.clone(),
                cabin_serial: format!("HXC-{:06}", serial(0)),
                forward_serial: format!("HXF-{:06}", serial(1)),
            });
            next += 1;
        }
    }
    vehicles.sort_by(|a, b| a.plate.cmp(&b.plate));

    Dataset {
        units,
        officers,
        vehicles,
    }
}

/// A DPI-shaped national ID, `NNNN NNNNN RRMM`: eight digits unique per
/// officer, a check digit, then the department and municipality of birth.
fn national_id(position: u64, offset: u64, rng: &mut Rng) -> String {
    // 7,368,787 is odd and not a multiple of 5, so it permutes 0..10^8.
    let serial = (position * 7_368_787 + offset) % 100_000_000;
    let digits: Vec<u64> = format!("{serial:08}")
        .bytes()
        .map(|b| (b - b'0') as u64)
        .collect();
    let check = digits
        .iter()
        .enumerate()
        .map(|(i, d)| d * (i as u64 + 2))
        .sum::<u64>()
        % 11
        % 10;
    let department = 1 + rng.below(22);
    let municipality = 1 + rng.below(12);
    let s = format!("{serial:08}{check}{department:02}{municipality:02}");
    format!("{} {} {}", &s[0..4], &s[4..9], &s[9..13])
}

/// Loads the dataset for `scale` and `seed` into an empty database, all of
/// it in one transaction, as the demo loader (a principal of its own: its
/// records name it). Officers, shifts and tests go through the CSV import,
/// the control center's client through the client service, and the cases
/// through the case services, so that the demo data passes the same checks
/// and leaves the same audit records as real data. Units, vehicles, cameras
/// and badge chips (which no service creates in bulk) are written directly,
/// under the load's own record, and so is the cameras' week of records (as
/// the ingest would have stored them, one audit record per kind: millions
/// of records, which through the ingest's checks took minutes); the
/// segments the control center sent again go through the ingest.
pub async fn load(db: &Db, scale: Scale, seed: u64) -> Result<Summary, DemoError> {
    let data = generate(scale, seed);
    let now = dates::now_ms();
    let who = app::identity::demo_loader();
    let loader = authorize(&who, act::LoadDemoData, Object::Any)?;
    let mut tx = AuditedTx::begin(db, &loader).await?;
    // Checked inside the write transaction: nothing can arrive in between.
    let held = existing_records(tx.conn()).await?;
    if !held.is_empty() {
        return Err(DemoError::NotEmpty(held));
    }

    // Units, top down, so each level finds its parent's id.
    for kind in ["national", "region", "station"] {
        let ids = code_ids(tx.conn(), "SELECT id, code FROM units").await?;
        let rows: Vec<Vec<Value>> = data
            .units
            .iter()
            .filter(|u| u.kind == kind)
            .map(|u| {
                vec![
                    u.code.as_str().into(),
                    u.name.as_str().into(),
                    u.kind.into(),
                    u.parent_code.as_ref().map(|p| ids[p]).into(),
                    now.into(),
                ]
            })
            .collect();
        insert_many(
            tx.conn(),
            "units",
            &["code", "name", "kind", "parent_id", "created_at"],
            &rows,
        )
        .await?;
    }
    let unit_ids = code_ids(tx.conn(), "SELECT id, code FROM units").await?;

    let import = authorize(&who, act::ImportRecords, Object::Any)?;
    import_csv(&mut tx, &import, ImportKind::Officers, officers_csv(&data)).await?;
    let officer_ids = code_ids(tx.conn(), "SELECT id, badge_number FROM officers").await?;

    let rows: Vec<Vec<Value>> = data
        .officers
        .iter()
        .map(|o| vec![o.chip_id.as_str().into(), now.into()])
        .collect();
    insert_many(tx.conn(), "badges", &["chip_id", "created_at"], &rows).await?;
    let badge_ids = code_ids(tx.conn(), "SELECT id, chip_id FROM badges").await?;
    let rows: Vec<Vec<Value>> = data
        .officers
        .iter()
        .map(|o| {
            vec![
                badge_ids[&o.chip_id].into(),
                officer_ids[&o.badge_number].into(),
                o.chip_from.into(),
                o.chip_to.into(),
            ]
        })
        .collect();
    insert_many(
        tx.conn(),
        "badge_assignments",
        &["badge_id", "officer_id", "valid_from", "valid_to"],
        &rows,
    )
    .await?;

    let rows: Vec<Vec<Value>> = data
        .vehicles
        .iter()
        .map(|v| {
            vec![
                v.plate.as_str().into(),
                unit_ids[&v.unit_code].into(),
                now.into(),
            ]
        })
        .collect();
    insert_many(
        tx.conn(),
        "vehicles",
        &["plate", "unit_id", "created_at"],
        &rows,
    )
    .await?;
    let vehicle_ids = code_ids(tx.conn(), "SELECT id, plate FROM vehicles").await?;
    let rows: Vec<Vec<Value>> = data
        .vehicles
        .iter()
        .flat_map(|v| {
            let id = vehicle_ids[&v.plate];
            [
                vec![
                    id.into(),
                    "cabin".into(),
                    v.cabin_serial.as_str().into(),
                    now.into(),
                ],
                vec![
                    id.into(),
                    "forward".into(),
                    v.forward_serial.as_str().into(),
                    now.into(),
                ],
            ]
        })
        .collect();
    insert_many(
        tx.conn(),
        "cameras",
        &["vehicle_id", "placement", "serial", "created_at"],
        &rows,
    )
    .await?;

    // The last seven days of shifts (today's included), and the tests.
    let today = (now / 1_000 - 6 * 3_600).div_euclid(86_400);
    let shifts = duty::shifts(&data, seed, today - 6, 7);
    import_csv(
        &mut tx,
        &import,
        ImportKind::Assignments,
        shifts_csv(&shifts),
    )
    .await?;
    // What the cameras sent while (and between) those shifts.
    let started = std::time::Instant::now();
    let fleet = fleet::load(&mut tx, &data, &shifts, scale, seed, now).await?;
    tracing::info!(
        segments = fleet.segments,
        heartbeats = fleet.heartbeats,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "demo camera records ingested"
    );
    // Where the crews' badges were during those shifts.
    let started = std::time::Instant::now();
    app::tracking::partitions::ensure_for(db, [now - 8 * 86_400_000, now].into_iter()).await?;
    let pings = pings::load(&mut tx, &data, &shifts, scale, seed, now).await?;
    let badge_token = pings::client(&mut tx).await?;
    tracing::info!(
        pings,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "demo badge pings written"
    );
    let reference = dates::days_from_civil(REFERENCE_DAY.0, REFERENCE_DAY.1, REFERENCE_DAY.2);
    let tests = duty::tests(&data, seed, reference);
    import_csv(&mut tx, &import, ImportKind::Tests, tests_csv(&tests)).await?;
    // The cases: every dismissal and suspension decided by one, and open
    // cases in every state.
    let started = std::time::Instant::now();
    let cases = {
        let _one_cpu = OneCpu::pin();
        cases::load(&mut tx, &who, &data, &tests, scale, seed).await?
    };
    tracing::info!(
        cases,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "demo cases recorded"
    );

    tx.audit(&AuditEntry {
        action: AuditAction::DemoDataLoaded,
        object_type: "dataset",
        object_id: format!("{scale:?}").to_lowercase(),
        outcome: "ok",
        ip: "local".into(),
        details: serde_json::json!({
            "seed": seed,
            "units": data.units.len(),
            "officers": data.officers.len(),
            "vehicles": data.vehicles.len(),
            "badges": data.officers.len(),
            "assignments": shifts.len(),
            "tests": tests.len(),
            "segments": fleet.segments,
            "heartbeats": fleet.heartbeats,
            "pings": pings,
            "cases": cases,
        }),
    })
    .await?;
    let started = std::time::Instant::now();
    tx.commit().await?;
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "demo data committed"
    );
    // Fresh statistics, so both planners pick the indexes from the start.
    let started = std::time::Instant::now();
    db.analyze(None).await?;
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "demo data analyzed"
    );
    Ok(Summary {
        assignments: shifts.len(),
        tests: tests.len(),
        heartbeats: fleet.heartbeats,
        segments: fleet.segments,
        pings,
        api_token: fleet.token,
        badge_token,
        cases,
        ..data.summary()
    })
}

/// While it lives, every thread of this process runs on the CPU that made
/// it (Linux; elsewhere it does nothing). The case load is a long exchange
/// of small statements between the loader's thread and SQLite's, each
/// waiting for the other: on a virtual machine, waking a thread on another
/// CPU costs more than the statement, and on one CPU the national demo's
/// cases load in 28 s instead of 52 (BENCHMARKS.md). Dropping it gives each
/// thread its CPUs back.
struct OneCpu {
    #[cfg(target_os = "linux")]
    before: Vec<(nix::unistd::Pid, nix::sched::CpuSet)>,
}

impl OneCpu {
    fn pin() -> OneCpu {
        #[cfg(target_os = "linux")]
        {
            use nix::sched::{sched_getaffinity, sched_setaffinity, CpuSet};
            use nix::unistd::Pid;
            let mut before = Vec::new();
            // The first CPU this thread may run on.
            let Ok(mine) = sched_getaffinity(Pid::from_raw(0)) else {
                return OneCpu { before };
            };
            let Some(cpu) = (0..CpuSet::count()).find(|&c| mine.is_set(c).unwrap_or(false)) else {
                return OneCpu { before };
            };
            let mut one = CpuSet::new();
            if one.set(cpu).is_err() {
                return OneCpu { before };
            }
            let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
                return OneCpu { before };
            };
            for task in tasks.flatten() {
                let Some(tid) = task.file_name().to_str().and_then(|t| t.parse().ok()) else {
                    continue;
                };
                let tid = Pid::from_raw(tid);
                if let Ok(was) = sched_getaffinity(tid) {
                    if sched_setaffinity(tid, &one).is_ok() {
                        before.push((tid, was));
                    }
                }
            }
            OneCpu { before }
        }
        #[cfg(not(target_os = "linux"))]
        OneCpu {}
    }
}

impl Drop for OneCpu {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        for (tid, was) in &self.before {
            // A thread gone meanwhile is no matter.
            nix::sched::sched_setaffinity(*tid, was).ok();
        }
    }
}

/// Imports `csv` in the demo's transaction; a row the import refuses is a
/// bug of the generator's, and fails the load.
async fn import_csv(
    tx: &mut AuditedTx,
    permit: &Permit<act::ImportRecords>,
    kind: ImportKind,
    csv: Vec<u8>,
) -> Result<(), DemoError> {
    let started = std::time::Instant::now();
    let report = import_in(tx, permit, "local", kind, &csv, &|_| {}).await?;
    tracing::info!(
        kind = kind.as_str(),
        rows = report.rows,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "demo data imported"
    );
    if report.imported() {
        Ok(())
    } else {
        Err(DemoError::Imported(format!(
            "{} file: {}",
            kind.as_str(),
            report.problems_text()
        )))
    }
}

/// A CSV file of `kind` (its columns, then `optional` ones) and `rows`, as
/// a spreadsheet would write it.
fn csv_file<const N: usize>(
    kind: ImportKind,
    optional: &[&str],
    rows: impl Iterator<Item = [String; N]>,
) -> Vec<u8> {
    let header: Vec<&str> = kind.columns().iter().chain(optional).copied().collect();
    assert_eq!(header.len(), N, "a field for every column");
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(&header).expect("writing to memory");
    for row in rows {
        out.write_record(&row).expect("writing to memory");
    }
    out.into_inner().expect("writing to memory")
}

/// The seed's figures: officers dismissed for criminal activity in 2012,
/// and in the first 50 days of 2013, each by a decided case.
pub const DISMISSED_2012: usize = 194;
pub const DISMISSED_EARLY_2013: usize = 22;

/// Picks the officers whom the ministry's decisions dismissed (the seed's
/// figures, from officers hired before the year) and suspended (one in two
/// hundred, in the last months), and dates their status.
fn decide_statuses(officers: &mut [OfficerRow], rng: &mut Rng, reference: i64) {
    let y2012 = dates::days_from_civil(2012, 1, 1);
    let y2013 = dates::days_from_civil(2013, 1, 1);
    let plan = [
        (DISMISSED_2012, y2012, 366, "dismissed"),
        (DISMISSED_EARLY_2013, y2013, 50, "dismissed"),
        (officers.len() / 200, reference - 120, 120, "suspended"),
    ];
    for (count, first, span, status) in plan {
        let mut chosen = 0;
        let mut tries = 0;
        while chosen < count && tries < 1_000_000 {
            tries += 1;
            let o = &mut officers[rng.below(officers.len() as u64) as usize];
            let day = first + rng.below(span) as i64;
            let (y, m, d) = duty::parse_iso(&o.hire_date);
            if o.status != "active" || dates::days_from_civil(y, m, d) + 365 > day {
                continue;
            }
            o.status = status;
            o.status_changed_on = Some(dates::iso_date(day));
            if status == "dismissed" {
                o.chip_to = Some(dates::local_midnight_ms(day).max(o.chip_from + 86_400_000));
            }
            chosen += 1;
        }
    }
}

/// Whether a status comes from a recorded decision (a dismissal, a
/// suspension), never from an import.
fn by_decision(status: &str) -> bool {
    matches!(status, "dismissed" | "suspended")
}

/// The officers as the register's export would list them.
fn officers_csv(data: &Dataset) -> Vec<u8> {
    csv_file(
        ImportKind::Officers,
        &["status_since"],
        data.officers.iter().map(|o| {
            // Dismissed and suspended officers come in active; their status
            // changes are recorded after (see `load`).
            let (status, since) = if by_decision(o.status) {
                ("active", String::new())
            } else {
                (o.status, o.status_changed_on.clone().unwrap_or_default())
            };
            [
                o.badge_number.clone(),
                o.given_names.clone(),
                o.family_names.clone(),
                o.rank.to_string(),
                o.unit_code.clone(),
                status.to_string(),
                o.hire_date.clone(),
                o.national_id.clone(),
                since,
            ]
        }),
    )
}

/// The shifts, with their times in UTC (RFC 3339).
fn shifts_csv(shifts: &[duty::ShiftRow]) -> Vec<u8> {
    let time = fleet::rfc3339;
    csv_file(
        ImportKind::Assignments,
        &[],
        shifts.iter().map(|a| {
            [
                a.badge_number.clone(),
                a.plate.clone(),
                time(a.from),
                time(a.to),
                a.role.to_string(),
            ]
        }),
    )
}

fn tests_csv(tests: &[duty::TestRow]) -> Vec<u8> {
    csv_file(
        ImportKind::Tests,
        &[],
        tests.iter().map(|t| {
            [
                t.badge_number.clone(),
                t.kind.to_string(),
                t.date.clone(),
                t.result.to_string(),
                t.examiner.clone(),
                t.notes.clone(),
            ]
        }),
    )
}

/// What the database already holds, as a phrase, or "" when empty.
async fn existing_records(conn: &mut sqlx::AnyConnection) -> Result<String, sqlx::Error> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM units), (SELECT COUNT(*) FROM officers), \
                (SELECT COUNT(*) FROM vehicles), (SELECT COUNT(*) FROM badges)",
    )
    .fetch_one(&mut *conn)
    .await?;
    let held: Vec<String> = ["units", "officers", "vehicles", "badges"]
        .iter()
        .enumerate()
        .filter_map(|(i, name)| {
            let n: i64 = row.try_get(i).unwrap_or(0);
            (n > 0).then(|| format!("{n} {name}"))
        })
        .collect();
    Ok(held.join(", "))
}

/// Maps a natural key (second column) to its id (first column).
async fn code_ids(
    conn: &mut sqlx::AnyConnection,
    sql: &str,
) -> Result<HashMap<String, i64>, sqlx::Error> {
    let rows = sqlx::query(sql).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| Ok((r.try_get::<String, _>(1)?, r.try_get::<i64, _>(0)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_data_and_another_seed_other_data() {
        assert_eq!(generate(Scale::Small, 7), generate(Scale::Small, 7));
        assert_ne!(
            generate(Scale::Small, 7).officers,
            generate(Scale::Small, 8).officers
        );
    }

    #[test]
    fn codes_follow_the_documented_shapes() {
        let d = generate(Scale::Small, 1);
        assert_eq!(d.units.iter().filter(|u| u.kind == "region").count(), 22);
        assert!(d
            .units
            .iter()
            .any(|u| u.code == "13-02" && u.name == "Chiantla"));
        assert_eq!(d.vehicles.first().unwrap().plate, "PNC-0001");
        assert_eq!(d.vehicles.last().unwrap().plate, "PNC-1300");
        assert_eq!(d.officers[0].chip_id, "CHIP-0000001");
        assert_eq!(d.officers.last().unwrap().chip_id, "CHIP-0004000");
        let ids: std::collections::HashSet<_> = d.officers.iter().map(|o| &o.national_id).collect();
        assert_eq!(ids.len(), d.officers.len(), "national IDs are unique");
        let nips: std::collections::HashSet<_> =
            d.officers.iter().map(|o| &o.badge_number).collect();
        assert_eq!(nips.len(), d.officers.len(), "badge numbers are unique");
    }
}
