//! Load client for BENCHMARKS.md: N signed-in clients request the officer
//! list (searches, filters, pages) and officer profiles as fast as the
//! server answers, for a while; prints the median and p99 latency of each
//! page and the pages served per second. Run by `scripts/bench`.
//!
//! `BENCH_MIX=cases` measures the case pages instead: the case list with
//! searches and filters (`/cases?…`) and case files (`/cases/{number}`),
//! beside the framework's floor in the same run (the sign-in page, signed
//! in: a session read and an account lookup, no data).
//!
//! `BENCH_MIX=all` measures every page (issue 15): the officer list and
//! file, the units tree, the fleet board, a vehicle, coverage (7 and 30
//! days), the SLA report (page and CSV), a footage listing, the audit trail,
//! the case list and a case file, and the floor; each page first asked once,
//! and measured only if this reader may read it (the others are named as
//! refused). Prints a line per page, and `RESULT` lines for `scripts/bench`
//! to compare with the last recorded run.
//!
//! `bench_pages BASE_URL USERNAME PASSWORD [CLIENTS] [SECONDS]`

use std::time::{Duration, Instant};

#[path = "support/mod.rs"]
mod support;
use support::{Err, Rng};

const SEARCHES: &[&str] = &[
    "xicara",
    "lopez",
    "maria jose",
    "garcia perez",
    "tzul",
    "ana",
    "chavez",
    "10417",
    "morales",
];
const RANKS: &[&str] = &["agente", "subinspector", "inspector", "oficial_tercero"];
const CASE_SEARCHES: &[&str] = &[
    "extorsion",
    "cobros",
    "narcomenudeo",
    "poligrafo",
    "camaras",
    "denuncia ciudadana",
    "huehuetenango",
];
const CASE_FILTERS: &[&str] = &[
    "status=investigation",
    "status=ministry_review&sort=due",
    "origin=confidence_test",
    "origin=camera_review&status=supervisor_review",
    "allegation=extortion",
    "overdue=1",
    "sealed=1",
    "assigned=all&sort=intake",
];

/// The pages of `BENCH_MIX=all`, by name: what a request of each asks.
const ALL_PAGES: &[&str] = &[
    "officer list",
    "officer file",
    "units tree",
    "fleet board",
    "vehicle page",
    "coverage, 7 days",
    "coverage, 30 days",
    "SLA report",
    "SLA report, CSV",
    "footage listing",
    "audit trail",
    "case list",
    "case file",
    "floor (signed-in page, no data)",
];

/// What the pages of `BENCH_MIX=all` open: badges, case numbers, the
/// footage window.
struct Sample {
    badges: Vec<String>,
    cases: Vec<String>,
    /// `from=…&to=…`, the last two hours in the server's zone.
    footage_window: String,
}

/// The path of the next request of page `kind` of [`ALL_PAGES`].
fn any_path(rng: &mut Rng, kind: usize, sample: &Sample) -> String {
    let plate = format!("PNC-{:04}", 1 + rng.next() % 1300);
    match ALL_PAGES[kind] {
        "officer list" => officer_list_path(rng),
        "officer file" => format!("/officers/{}", pick(rng, &sample.badges)),
        "units tree" => "/units".into(),
        "fleet board" => "/fleet".into(),
        "vehicle page" => format!("/fleet/vehicles/{plate}"),
        "coverage, 7 days" => "/fleet/coverage?days=7".into(),
        "coverage, 30 days" => "/fleet/coverage?days=30".into(),
        "SLA report" => "/fleet/sla".into(),
        "SLA report, CSV" => "/fleet/sla.csv".into(),
        "footage listing" => format!("/footage?vehicle={plate}&{}", sample.footage_window),
        "audit trail" => "/audit".into(),
        "case list" => case_path(rng, 0, &sample.cases),
        "case file" => format!("/cases/{}", pick(rng, &sample.cases)),
        _ => "/sign-in".into(),
    }
}

fn pick<'a>(rng: &mut Rng, from: &'a [String]) -> &'a str {
    if from.is_empty() {
        "none"
    } else {
        &from[rng.below(from.len())]
    }
}

/// Whether an answer is the page asked for: `200`, and a whole page that
/// shows no refusal (or a CSV file).
async fn answered(res: reqwest::Response) -> bool {
    let status = res.status();
    let csv = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/csv"));
    let body = res.text().await.unwrap_or_default();
    status.is_success()
        && (csv || (body.contains("</html>") && !body.contains("class=\"error\" role=\"alert\"")))
}

fn officer_list_path(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => format!("/officers?q={}", SEARCHES[rng.below(SEARCHES.len())]),
        1 => format!("/officers?page={}", 1 + rng.below(800)),
        2 => format!(
            "/officers?rank={}&unit={:02}&sort=hired",
            RANKS[rng.below(RANKS.len())],
            1 + rng.below(22)
        ),
        _ => format!(
            "/officers?status=active&sort=unit&page={}",
            1 + rng.below(700)
        ),
    }
}

/// The kinds of page each mix requests, by name.
fn kinds(mix: Mix) -> &'static [&'static str] {
    match mix {
        Mix::Cases => &["case list", "case file", "floor (signed-in page, no data)"],
        Mix::Officers => &["officer list", "officer profile"],
        Mix::All => ALL_PAGES,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mix {
    Officers,
    Cases,
    All,
}

/// The path of the next request of kind `kind`.
fn case_path(rng: &mut Rng, kind: usize, numbers: &[String]) -> String {
    match kind {
        0 => match rng.below(3) {
            0 => format!(
                "/cases?assigned=all&q={}",
                CASE_SEARCHES[rng.below(CASE_SEARCHES.len())].replace(' ', "+")
            ),
            1 => format!("/cases?{}", CASE_FILTERS[rng.below(CASE_FILTERS.len())]),
            _ => format!("/cases?assigned=all&page={}", 1 + rng.below(300)),
        },
        1 => format!("/cases/{}", numbers[rng.below(numbers.len())]),
        _ => "/sign-in".to_string(),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

#[tokio::main]
async fn main() -> Result<(), Err> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: bench_pages BASE_URL USERNAME PASSWORD [CLIENTS] [SECONDS]");
        std::process::exit(2);
    }
    let base = args[1].trim_end_matches('/').to_string();
    let clients: usize = args.get(4).map(|s| s.parse()).transpose()?.unwrap_or(32);
    let seconds: u64 = args.get(5).map(|s| s.parse()).transpose()?.unwrap_or(20);

    let mix = match std::env::var("BENCH_MIX").as_deref() {
        Ok("cases") => Mix::Cases,
        Ok("all") => Mix::All,
        _ => Mix::Officers,
    };
    // Badge numbers and case numbers to open: a spread of the lists' pages.
    let first = support::signed_in(&base, &args[2], &args[3]).await?;
    let mut case_numbers = Vec::new();
    if mix != Mix::Officers {
        for page in [1, 20, 60, 120, 200, 300, 400] {
            let Ok(body) = first
                .post(format!("{base}/rpc/list_cases"))
                .form(&[("assigned", "all"), ("page", &page.to_string())])
                .send()
                .await?
                .json::<serde_json::Value>()
                .await
            else {
                break; // a reader of no cases
            };
            for row in body["rows"].as_array().into_iter().flatten() {
                if let Some(n) = row["number"].as_str() {
                    case_numbers.push(n.to_string());
                }
            }
        }
    }
    let mut badges = Vec::new();
    if mix != Mix::Cases {
        for page in [1, 50, 150, 300, 500, 700] {
            let Ok(body) = first
                .post(format!("{base}/rpc/list_officers"))
                .form(&[("sort", "badge"), ("page", &page.to_string())])
                .send()
                .await?
                .json::<serde_json::Value>()
                .await
            else {
                break; // a reader of no officer records
            };
            for row in body["rows"].as_array().into_iter().flatten() {
                if let Some(b) = row["badge_number"].as_str() {
                    badges.push(b.to_string());
                }
            }
        }
    }
    // The last two hours in the server's zone (Guatemala's unless
    // configured: UTC-6).
    let footage_window = {
        let now = chrono::Utc::now() - chrono::Duration::hours(6);
        let at = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M").to_string();
        format!(
            "from={}&to={}",
            at(now - chrono::Duration::hours(2)),
            at(now)
        )
    };
    let sample = Sample {
        badges: badges.clone(),
        cases: case_numbers.clone(),
        footage_window,
    };
    let badges = match mix {
        Mix::Cases => case_numbers,
        _ => badges,
    };
    if badges.is_empty() && mix != Mix::All {
        return Err("nothing to open: load the national demo data first".into());
    }
    // Every page asked once: only those this reader may read are measured.
    let readable: Vec<bool> = if mix == Mix::All {
        let mut rng = Rng(0);
        let mut readable = Vec::new();
        for kind in 0..ALL_PAGES.len() {
            let path = any_path(&mut rng, kind, &sample);
            readable.push(answered(first.get(format!("{base}{path}")).send().await?).await);
        }
        let refused: Vec<&str> = ALL_PAGES
            .iter()
            .zip(&readable)
            .filter(|(_, r)| !**r)
            .map(|(k, _)| *k)
            .collect();
        if !refused.is_empty() {
            println!(
                "not measured (refused to {}): {}",
                args[2],
                refused.join(", ")
            );
            println!();
        }
        readable
    } else {
        vec![true; kinds(mix).len()]
    };
    let readable = std::sync::Arc::new(readable);
    let sample = std::sync::Arc::new(sample);
    let badges = std::sync::Arc::new(badges);

    let mut sessions = Vec::new();
    for _ in 0..clients {
        sessions.push(support::signed_in(&base, &args[2], &args[3]).await?);
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let nkinds = kinds(mix).len();
    let mut results = Vec::new();
    if mix == Mix::All {
        // Each readable page in a run of its own: 9 requests in 10 that
        // page, 1 the floor, so that each page's figures are its own and
        // the floor beside it is measured under the same load.
        let floor = nkinds - 1;
        println!(
            "| page | requests | pages/s | median ms | p99 ms | floor's p99 ms | p99 ÷ floor's |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|");
        let mut failures = 0;
        for kind in (0..floor).filter(|k| readable[*k]) {
            let sample = sample.clone();
            let choose: Chooser = std::sync::Arc::new(move |rng: &mut Rng| {
                let k = if rng.below(10) == 0 { floor } else { kind };
                (k, any_path(rng, k, &sample))
            });
            let (mut times, failed, elapsed) =
                phase(&sessions, &base, choose, seconds, nkinds).await?;
            failures += failed;
            times[kind].sort();
            times[floor].sort();
            let (v, f) = (&times[kind], &times[floor]);
            let (median, p99, floor_p99) = (
                ms(percentile(v, 0.5)),
                ms(percentile(v, 0.99)),
                ms(percentile(f, 0.99)),
            );
            let ratio = if floor_p99 > 0.0 {
                p99 / floor_p99
            } else {
                0.0
            };
            println!(
                "| {} | {} | {:.0} | {median:.1} | {p99:.1} | {floor_p99:.1} | {ratio:.1}× |",
                ALL_PAGES[kind],
                v.len(),
                v.len() as f64 / elapsed
            );
            results.push(format!(
                "RESULT\t{}\t{}\t{median:.1}\t{p99:.1}\t{ratio:.2}",
                args[2], ALL_PAGES[kind]
            ));
        }
        println!();
        println!("{clients} clients, {seconds} s a page, {failures} failed");
        for line in results {
            println!("{line}");
        }
        if failures > 0 {
            std::process::exit(1);
        }
        return Ok(());
    }
    // BENCH_ONLY=profile or list measures one kind of page.
    let only = std::env::var("BENCH_ONLY").ok();
    let choose: Chooser = std::sync::Arc::new(move |rng: &mut Rng| {
        if mix == Mix::Cases {
            // 45 % lists, 45 % files, 10 % the floor.
            let kind = match rng.below(20) {
                0..=8 => 0,
                9..=17 => 1,
                _ => 2,
            };
            (kind, case_path(rng, kind, &badges))
        } else {
            let profile = match only.as_deref() {
                Some("profile") => true,
                Some("list") => false,
                _ => rng.below(2) == 0,
            };
            let path = if profile {
                format!("/officers/{}", badges[rng.below(badges.len())])
            } else {
                officer_list_path(rng)
            };
            (usize::from(profile), path)
        }
    });
    let (mut times, failures, elapsed) = phase(&sessions, &base, choose, seconds, nkinds).await?;
    if floor_p99_column(mix) {
        println!("| page | requests | median ms | p99 ms | p99 ÷ floor's |");
        println!("|---|---:|---:|---:|---:|");
    } else {
        println!("| page | requests | median ms | p99 ms |");
        println!("|---|---:|---:|---:|");
    }
    let floor_p99 = kinds(mix)
        .iter()
        .position(|k| k.starts_with("floor"))
        .map(|i| {
            let mut v = times[i].clone();
            v.sort();
            ms(percentile(&v, 0.99))
        });
    for (name, v) in kinds(mix).iter().zip(times.iter_mut()) {
        v.sort();
        let p99 = ms(percentile(v, 0.99));
        let ratio = floor_p99.filter(|f| *f > 0.0).map(|f| p99 / f);
        println!(
            "| {name} | {} | {:.1} | {p99:.1} |{}",
            v.len(),
            ms(percentile(v, 0.5)),
            ratio.map(|r| format!(" {r:.1}× |")).unwrap_or_default()
        );
        results.push(format!(
            "RESULT\t{}\t{name}\t{:.1}\t{p99:.1}\t{}",
            args[2],
            ms(percentile(v, 0.5)),
            ratio.map(|r| format!("{r:.2}")).unwrap_or_default()
        ));
    }
    let mut all: Vec<Duration> = times.iter().flatten().copied().collect();
    all.sort();
    println!(
        "| all | {} | {:.1} | {:.1} |",
        all.len(),
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.99))
    );
    println!();
    println!(
        "{clients} clients, {elapsed:.1} s: {:.0} pages/s, {failures} failed",
        all.len() as f64 / elapsed
    );
    for line in results {
        println!("{line}");
    }
    if failures > 0 {
        std::process::exit(1);
    }
    Ok(())
}

/// Picks the next request: its kind and path.
type Chooser = std::sync::Arc<dyn Fn(&mut Rng) -> (usize, String) + Send + Sync>;

/// Every session asks for pages as `choose` says, one after the other, for
/// `seconds`: each kind's answer times, the failures, the seconds taken.
async fn phase(
    sessions: &[reqwest::Client],
    base: &str,
    choose: Chooser,
    seconds: u64,
    nkinds: usize,
) -> Result<(Vec<Vec<Duration>>, u64, f64), Err> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (n, c) in sessions.iter().cloned().enumerate() {
        let (base, choose) = (base.to_string(), choose.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(n as u64 + 1);
            let mut times: Vec<Vec<Duration>> = vec![Vec::new(); nkinds];
            let mut failures = 0u64;
            while Instant::now() < deadline {
                let (kind, path) = choose(&mut rng);
                let t = Instant::now();
                let ok = match c.get(format!("{base}{path}")).send().await {
                    Ok(res) => answered(res).await,
                    Err(_) => false,
                };
                let took = t.elapsed();
                if ok {
                    times[kind].push(took);
                } else {
                    failures += 1;
                }
            }
            (times, failures)
        }));
    }
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); nkinds];
    let mut failures = 0;
    for t in tasks {
        let (got, f) = t.await?;
        for (all, mine) in times.iter_mut().zip(got) {
            all.extend(mine);
        }
        failures += f;
    }
    Ok((times, failures, started.elapsed().as_secs_f64()))
}

fn floor_p99_column(mix: Mix) -> bool {
    kinds(mix).iter().any(|k| k.starts_with("floor"))
}
