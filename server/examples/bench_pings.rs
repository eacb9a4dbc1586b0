//! Ping ingest benchmark for BENCHMARKS.md (issue 16, item 9): badge pings
//! from 20,000 chips interleaved in time, in NDJSON batches of 5,000,
//! posted one after another through HTTP to a real Vigía server on a
//! loopback port; beside, in the same run and into another fresh database
//! of the same kind, the obvious in-process insert of the same rows (sqlx,
//! 1,000-row `INSERT … VALUES` statements with bound parameters, a commit
//! every 10,000 rows, the same table and indexes). Run by `scripts/bench`.
//!
//! `bench_pings BASELINE_DB_URL HTTP_DB_URL [BATCHES] [BATCH_SIZE]`

use std::time::Instant;

use app::store::Db;

#[path = "support/mod.rs"]
mod support;
use support::Err;

// The server binary's allocator, so both rates are the server's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CHIPS: usize = 20_000;
/// 2025-12-01T00:00:00Z, in seconds.
const BASE: i64 = 1_764_547_200;

/// A migrated database with 20,000 officers, each wearing a chip.
async fn chips_db(url: &str) -> Result<Db, Err> {
    let db = Db::connect(url).await?;
    db.migrate().await?;
    let pool = db.pool_for_tests();
    sqlx::query("INSERT INTO units (code, name, kind, parent_id, created_at) VALUES ('00', 'DG', 'national', NULL, 0)")
        .execute(pool)
        .await?;
    let unit: i64 = sqlx::query_scalar("SELECT id FROM units WHERE code = '00'")
        .fetch_one(pool)
        .await?;
    let mut tx = pool.begin().await?;
    let officers: Vec<Vec<app::store::batch::Value>> = (0..CHIPS)
        .map(|i| {
            vec![
                format!("{}", 100_000 + i).into(),
                "Ana".into(),
                "Xicará".into(),
                "agente".into(),
                unit.into(),
                "2010-01-01".into(),
                0i64.into(),
                0i64.into(),
            ]
        })
        .collect();
    app::store::batch::insert_many(
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
        &officers,
    )
    .await?;
    let chips: Vec<Vec<app::store::batch::Value>> = (0..CHIPS)
        .map(|i| vec![chip(i).into(), 0i64.into()])
        .collect();
    app::store::batch::insert_many(&mut tx, "badges", &["chip_id", "created_at"], &chips).await?;
    sqlx::query(
        "INSERT INTO badge_assignments (badge_id, officer_id, valid_from, valid_to) \
         SELECT b.id, o.id, 0, NULL FROM badges b JOIN officers o \
         ON o.badge_number = CAST(100000 + CAST(SUBSTR(b.chip_id, 6) AS INTEGER) AS TEXT)",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(db)
}

fn chip(i: usize) -> String {
    format!("CHIP-{i:07}")
}

/// Ping `n`: chip `n % 20,000`, every chip once every 30 s.
fn ping(n: usize) -> (usize, i64, f64, f64) {
    let badge = n % CHIPS;
    let round = (n / CHIPS) as i64;
    let lat = 14.5 + (badge % 200) as f64 * 0.001 + round as f64 * 1e-5;
    let lon = -90.6 + (badge / 200) as f64 * 0.001;
    (badge, BASE + round * 30, lat, lon)
}

fn rfc3339(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0)
        .expect("a time in range")
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Batch `b` of `size` pings, as NDJSON.
fn batch(b: usize, size: usize) -> Vec<u8> {
    let mut body = String::with_capacity(size * 120);
    for n in b * size..(b + 1) * size {
        let (badge, ts, lat, lon) = ping(n);
        body.push_str(&format!(
            "{{\"badge\":\"{}\",\"ts\":\"{}\",\"lat\":{lat:.6},\"lon\":{lon:.6},\"accuracy_m\":8,\"source\":\"gps\"}}\n",
            chip(badge),
            rfc3339(ts)
        ));
    }
    body.into_bytes()
}

/// The obvious insert: the same rows, resolved in memory, 1,000 to a
/// statement with bound parameters, a commit every 10,000.
async fn baseline(db: &Db, total: usize) -> Result<f64, Err> {
    let pool = db.pool_for_tests();
    let ids: std::collections::HashMap<String, (i64, i64)> = sqlx::query_as::<_, (String, i64, i64)>(
        "SELECT b.chip_id, b.id, a.officer_id FROM badges b JOIN badge_assignments a ON a.badge_id = b.id",
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|(c, b, o)| (c, (b, o)))
    .collect();
    let started = Instant::now();
    for commit in (0..total).step_by(10_000) {
        let mut tx = pool.begin().await?;
        for statement in (commit..(commit + 10_000).min(total)).step_by(1_000) {
            let rows = statement..(statement + 1_000).min(total);
            let values: Vec<String> = rows
                .clone()
                .enumerate()
                .map(|(k, _)| {
                    let p = k * 9;
                    format!(
                        "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, 0, 'batch', ${})",
                        p + 1,
                        p + 2,
                        p + 3,
                        p + 4,
                        p + 5,
                        p + 6,
                        p + 7,
                        p + 8,
                        p + 9
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO pings (badge_id, ts, officer_id, lat_e7, lon_e7, cell, accuracy_m, source, \
                 mock, channel, received_at) VALUES {}",
                values.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for n in rows {
                let (badge, ts, lat, lon) = ping(n);
                let (badge_id, officer) = ids[&chip(badge)];
                let (lat_e7, lon_e7) = ((lat * 1e7).round() as i64, (lon * 1e7).round() as i64);
                query = query
                    .bind(badge_id)
                    .bind(ts * 1000)
                    .bind(officer)
                    .bind(lat_e7)
                    .bind(lon_e7)
                    .bind(app::tracking::cell_of(lat_e7, lon_e7))
                    .bind(8.0f64)
                    .bind("gps")
                    .bind(ts * 1000 + 5000);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
    }
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

#[tokio::main]
async fn main() -> Result<(), Err> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: bench_pings BASELINE_DB_URL HTTP_DB_URL [BATCHES] [BATCH_SIZE]");
        std::process::exit(2);
    }
    let batches: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(20);
    let size: usize = args.get(4).map(|s| s.parse()).transpose()?.unwrap_or(5_000);
    let total = batches * size;
    let bodies: Vec<Vec<u8>> = (0..batches).map(|b| batch(b, size)).collect();
    let mib = bodies.iter().map(Vec::len).sum::<usize>() as f64 / 1_048_576.0;

    let db = chips_db(&args[1]).await?;
    app::tracking::partitions::ensure_for(&db, [BASE * 1000, (BASE + 86_400) * 1000].into_iter())
        .await?;
    let naive = baseline(&db, total).await?;
    db.close().await;

    let db = chips_db(&args[2]).await?;
    let operator = app::policy::authorize(
        &app::identity::console_operator(),
        app::policy::act::ManageApiClients,
        app::policy::Object::Any,
    )?;
    let (_, token) =
        app::admin::clients::store::create_client(&db, &operator, "bench", "bench", "pings:write")
            .await?;
    let url = format!(
        "{}/api/v1/ingest/pings",
        support::serve(&args[2], &db).await?
    );
    let client = reqwest::Client::new();
    // BENCH_IN_FLIGHT=n: n clients posting at once (the route takes 4).
    let lanes: usize = std::env::var("BENCH_IN_FLIGHT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let http = support::post_in_lanes(
        &client,
        &url,
        token.reveal(),
        &bodies,
        "accepted",
        size,
        lanes,
    )
    .await?;
    // The same batches again: every record a duplicate.
    let resend =
        support::post_all(&client, &url, token.reveal(), &bodies, "duplicates", size).await?;
    db.close().await;
    println!(
        "{batches} batches of {size} pings from {CHIPS} chips ({mib:.1} MiB of NDJSON): obvious in-process insert \
         {naive:.0} pings/s, HTTP ({lanes} in flight) {http:.0} pings/s ({:.2}× the obvious insert), re-sent through HTTP (all duplicates) \
         {resend:.0} pings/s",
        http / naive
    );
    Ok(())
}
