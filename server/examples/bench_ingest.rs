//! Ingest benchmark for BENCHMARKS.md: footage-segment references in NDJSON
//! batches of 5,000, into a fresh database through HTTP (a real Vigía
//! server on a loopback port, the batches posted one after another), beside
//! the same batches handed to the ingest service in-process (no HTTP) in
//! another fresh database of the same kind, in the same run. Run by
//! `scripts/bench`.
//!
//! `bench_ingest IN_PROCESS_DB_URL HTTP_DB_URL [BATCHES] [BATCH_SIZE]`

use std::time::Instant;

use app::fleet::ingest::{self, Framing, Sender};
use app::policy::authorize;
use app::store::Db;

#[path = "support/mod.rs"]
mod support;
use support::Err;

// The server binary's allocator, so both rates are the server's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A migrated database with the national fleet: 1,300 cars, two cameras each.
async fn fleet_db(url: &str) -> Result<Db, Err> {
    let db = Db::connect(url).await?;
    db.migrate().await?;
    let pool = db.pool_for_tests();
    sqlx::query("INSERT INTO units (code, name, kind, parent_id, created_at) VALUES ('00', 'DG', 'national', NULL, 0)")
        .execute(pool)
        .await?;
    let mut tx = db.pool_for_tests().begin().await?;
    for n in 1..=1300 {
        let plate = format!("PNC-{n:04}");
        sqlx::query("INSERT INTO vehicles (plate, unit_id, created_at) VALUES ($1, (SELECT id FROM units WHERE code = '00'), 0)")
            .bind(&plate)
            .execute(&mut *tx)
            .await?;
        for cam in ["cabin", "forward"] {
            sqlx::query(
                "INSERT INTO cameras (vehicle_id, placement, serial, created_at) \
                 VALUES ((SELECT id FROM vehicles WHERE plate = $1), $2, $3, 0)",
            )
            .bind(&plate)
            .bind(cam)
            .bind(format!("{plate}-{cam}"))
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(db)
}

/// Batch `b` of `size` segments: the fleet's cameras in turn, 5-minute
/// slots going back from 2026-01-01, every id new.
fn batch(b: usize, size: usize) -> Vec<u8> {
    let mut body = String::with_capacity(size * 330);
    let base = 1_767_225_600i64; // 2026-01-01T00:00:00Z
    for i in 0..size {
        let n = b * size + i;
        let camera = n % 2600;
        let slot = (n / 2600) as i64;
        let plate = format!("PNC-{:04}", camera / 2 + 1);
        let (cam, tag) = if camera % 2 == 0 {
            ("cabin", "CAB")
        } else {
            ("forward", "FWD")
        };
        let start = base - (slot + 1) * 300;
        let fmt = |t: i64| {
            let days = t.div_euclid(86_400);
            let rem = t.rem_euclid(86_400);
            // Days since 1970-01-01 to a civil date (2025-2026 only needs
            // this simple walk).
            let (mut y, mut d) = (1970i64, days);
            loop {
                let len = if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) {
                    366
                } else {
                    365
                };
                if d < len {
                    break;
                }
                d -= len;
                y += 1;
            }
            let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
            let months = [
                31,
                if leap { 29 } else { 28 },
                31,
                30,
                31,
                30,
                31,
                31,
                30,
                31,
                30,
                31,
            ];
            let mut m = 0;
            while d >= months[m] {
                d -= months[m];
                m += 1;
            }
            format!(
                "{y:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                m + 1,
                d + 1,
                rem / 3600,
                rem % 3600 / 60,
                rem % 60
            )
        };
        let (s, e) = (fmt(start), fmt(start + 300));
        let id = format!(
            "GC-{}-{tag}-{}",
            plate.replace('-', ""),
            s.replace(['-', ':'], "")
        );
        body.push_str(&format!(
            "{{\"segment\":\"{id}\",\"vehicle\":\"{plate}\",\"camera\":\"{cam}\",\"start\":\"{s}\",\"end\":\"{e}\",\
             \"uri\":\"s3://pnc-footage/{id}.mp4\",\"sha256\":\"{:064x}\",\"bytes\":{}}}\n",
            n as u128 * 0x9E37_79B9_7F4A_7C15,
            150_000_000 + n % 70_000_000
        ));
    }
    body.into_bytes()
}

#[tokio::main]
async fn main() -> Result<(), Err> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: bench_ingest IN_PROCESS_DB_URL HTTP_DB_URL [BATCHES] [BATCH_SIZE]");
        std::process::exit(2);
    }
    let batches: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(20);
    let size: usize = args.get(4).map(|s| s.parse()).transpose()?.unwrap_or(5_000);
    let bodies: Vec<Vec<u8>> = (0..batches).map(|b| batch(b, size)).collect();
    let total = (batches * size) as f64;
    let mib = bodies.iter().map(Vec::len).sum::<usize>() as f64 / 1_048_576.0;

    // In-process: the ingest service itself, as the handler calls it.
    let db = fleet_db(&args[1]).await?;
    let operator = authorize(
        &app::identity::console_operator(),
        app::policy::act::ManageApiClients,
        app::policy::Object::Any,
    )?;
    let token = bench_token(&db, &operator).await?;
    let principal =
        match app::admin::clients::store::authenticate(&db, Some(token.reveal())).await? {
            Ok(p) => p,
            Err(_) => return Err("the new token was refused".into()),
        };
    let actor = authorize(
        &principal,
        app::policy::act::IngestFootage,
        app::policy::Object::Any,
    )?;
    let sender = Sender {
        actor: &actor,
        ip: "bench",
        late_after_ms: 24 * 3_600_000,
    };
    let started = Instant::now();
    for body in &bodies {
        let answer = ingest::ingest_footage(&db, &sender, body.clone().into(), Framing::Ndjson)
            .await
            .map_err(|e| format!("{e:?}"))?;
        assert_eq!(
            answer.accepted as usize,
            size,
            "{:?}",
            &answer.rejected[..answer.rejected.len().min(3)]
        );
    }
    let in_process = total / started.elapsed().as_secs_f64();
    db.close().await;

    // Through HTTP, into a second database of the same kind.
    let db = fleet_db(&args[2]).await?;
    let token = bench_token(&db, &operator).await?;
    let url = format!(
        "{}/api/v1/ingest/footage",
        support::serve(&args[2], &db).await?
    );
    let client = reqwest::Client::new();
    let http = support::post_all(&client, &url, token.reveal(), &bodies, "accepted", size).await?;
    // The same batches again: every record a duplicate.
    let resend =
        support::post_all(&client, &url, token.reveal(), &bodies, "duplicates", size).await?;
    db.close().await;

    println!(
        "{} batches of {size} segments ({mib:.1} MiB of NDJSON): in-process {in_process:.0} segments/s, \
         HTTP {http:.0} segments/s ({:.2} of in-process), re-sent through HTTP (all duplicates) {resend:.0} segments/s",
        batches,
        http / in_process
    );
    Ok(())
}

/// A client allowed to send footage, made as the console's operator.
async fn bench_token(
    db: &Db,
    operator: &app::policy::Permit<app::policy::act::ManageApiClients>,
) -> Result<app::admin::clients::store::Token, Err> {
    let (_, token) =
        app::admin::clients::store::create_client(db, operator, "bench", "bench", "footage:write")
            .await?;
    Ok(token)
}
