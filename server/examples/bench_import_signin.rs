//! Load client for BENCHMARKS.md: a CSV file sent to the import page's
//! endpoint (as the page sends it) while other clients sign in, one after
//! another, for as long as the import runs. Prints the import's time and,
//! for the sign-ins during it, how many, how many failed, and their
//! median, p99 and slowest time; then the same sign-ins with no import
//! running, measured in the same run. Run by `scripts/bench`.
//!
//! `bench_import_signin BASE_URL USERNAME PASSWORD CSV_FILE [SIGNING_IN]`

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

type Err = Box<dyn std::error::Error + Send + Sync>;

fn browser(base: &str) -> Result<reqwest::Client, Err> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("origin", base.parse()?);
    Ok(reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .build()?)
}

/// One sign-in on a new client: whether it succeeded, and how long it took.
async fn sign_in(base: &str, user: &str, password: &str) -> Result<(bool, Duration), Err> {
    let c = browser(base)?;
    let started = Instant::now();
    let res = c
        .post(format!("{base}/rpc/sign_in"))
        .header("accept", "application/json")
        .form(&[("username", user), ("password", password)])
        .send()
        .await?;
    let ok = res.status().is_success();
    res.bytes().await?;
    Ok((ok, started.elapsed()))
}

/// Sign-ins by `clients` clients, each one after the other, while `running`.
async fn sign_ins_while(
    base: &str,
    user: &str,
    password: &str,
    clients: usize,
    running: Arc<AtomicBool>,
) -> Result<Vec<(bool, Duration)>, Err> {
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (base, user, password, running) = (
            base.to_string(),
            user.to_string(),
            password.to_string(),
            running.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            while running.load(Ordering::SeqCst) {
                seen.push(sign_in(&base, &user, &password).await?);
            }
            Ok::<_, Err>(seen)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    Ok(all)
}

fn summary(label: &str, seen: &[(bool, Duration)]) {
    let failed = seen.iter().filter(|(ok, _)| !ok).count();
    let mut times: Vec<Duration> = seen.iter().map(|(_, d)| *d).collect();
    times.sort();
    let at = |p: f64| {
        if times.is_empty() {
            Duration::ZERO
        } else {
            times[((times.len() as f64 - 1.0) * p).round() as usize]
        }
    };
    println!(
        "{label}: {} sign-ins, {failed} failed; median {:.0} ms, p99 {:.0} ms, slowest {:.0} ms",
        seen.len(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        times.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
}

#[tokio::main]
async fn main() -> Result<(), Err> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: bench_import_signin BASE_URL USERNAME PASSWORD CSV_FILE [SIGNING_IN]");
        std::process::exit(2);
    }
    let base = args[1].trim_end_matches('/').to_string();
    let (user, password) = (args[2].clone(), args[3].clone());
    let csv = std::fs::read(&args[4])?;
    let clients: usize = args.get(5).map(|s| s.parse()).transpose()?.unwrap_or(4);

    let importer = browser(&base)?;
    let res = importer
        .post(format!("{base}/rpc/sign_in"))
        .form(&[("username", user.as_str()), ("password", password.as_str())])
        .send()
        .await?;
    if !res.status().is_success() {
        return Err(format!("sign-in refused: {}", res.text().await?).into());
    }

    // The same sign-ins with nothing else running, for 5 s: the baseline.
    let running = Arc::new(AtomicBool::new(true));
    let stop = async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        running.store(false, Ordering::SeqCst);
    };
    let (idle, ()) = tokio::join!(
        sign_ins_while(&base, &user, &password, clients, running.clone()),
        stop
    );
    let idle = idle?;

    let running = Arc::new(AtomicBool::new(true));
    let during = {
        let (base, user, password, running) = (
            base.clone(),
            user.clone(),
            password.clone(),
            running.clone(),
        );
        tokio::spawn(async move { sign_ins_while(&base, &user, &password, clients, running).await })
    };
    let started = Instant::now();
    let form = reqwest::multipart::Form::new()
        .text("kind", "officers")
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv).file_name("officers.csv"),
        );
    let res = importer
        .post(format!("{base}/rpc/import_records"))
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await?;
    let status = res.status();
    let report: serde_json::Value = res.json().await?;
    let took = started.elapsed();
    running.store(false, Ordering::SeqCst);
    let during = during.await??;
    println!(
        "import through the page: {status}, {} rows ({} new, {} updated, {} unchanged) in {:.2} s",
        report["rows"],
        report["inserted"],
        report["updated"],
        report["unchanged"],
        took.as_secs_f64()
    );
    summary("sign-ins, nothing else running", &idle);
    summary("sign-ins during the import", &during);
    Ok(())
}
