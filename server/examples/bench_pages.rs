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
//! `bench_pages BASE_URL USERNAME PASSWORD [CLIENTS] [SECONDS]`

use std::time::{Duration, Instant};

type Err = Box<dyn std::error::Error + Send + Sync>;

/// SplitMix64: a fixed request mix for every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

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

/// The kinds of page each mix requests, by name.
fn kinds(cases: bool) -> &'static [&'static str] {
    if cases {
        &["case list", "case file", "floor (signed-in page, no data)"]
    } else {
        &["officer list", "officer profile"]
    }
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

async fn client(base: &str, user: &str, password: &str) -> Result<reqwest::Client, Err> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("origin", base.parse()?);
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .build()?;
    let res = c
        .post(format!("{base}/rpc/sign_in"))
        .form(&[("username", user), ("password", password)])
        .send()
        .await?;
    if !res.status().is_success() {
        return Err(format!("sign-in refused: {}", res.text().await?).into());
    }
    Ok(c)
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

    let cases = std::env::var("BENCH_MIX").is_ok_and(|m| m == "cases");
    // Badge numbers (or case numbers) to open: a spread of the list's pages.
    let first = client(&base, &args[2], &args[3]).await?;
    let mut badges = Vec::new();
    if cases {
        for page in [1, 20, 60, 120, 200, 300, 400] {
            let body: serde_json::Value = first
                .post(format!("{base}/rpc/list_cases"))
                .form(&[("assigned", "all"), ("page", &page.to_string())])
                .send()
                .await?
                .json()
                .await?;
            for row in body["rows"].as_array().into_iter().flatten() {
                if let Some(n) = row["number"].as_str() {
                    badges.push(n.to_string());
                }
            }
        }
    } else {
        for page in [1, 50, 150, 300, 500, 700] {
            let body: serde_json::Value = first
                .post(format!("{base}/rpc/list_officers"))
                .form(&[("sort", "badge"), ("page", &page.to_string())])
                .send()
                .await?
                .json()
                .await?;
            for row in body["rows"].as_array().into_iter().flatten() {
                if let Some(b) = row["badge_number"].as_str() {
                    badges.push(b.to_string());
                }
            }
        }
    }
    if badges.is_empty() {
        return Err("nothing to open: load the national demo data first".into());
    }
    let badges = std::sync::Arc::new(badges);

    let mut sessions = Vec::new();
    for _ in 0..clients {
        sessions.push(client(&base, &args[2], &args[3]).await?);
    }
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (n, c) in sessions.into_iter().enumerate() {
        let (base, badges) = (base.clone(), badges.clone());
        // BENCH_ONLY=profile or list measures one kind of page.
        let only = std::env::var("BENCH_ONLY").ok();
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(n as u64 + 1);
            let mut times: Vec<Vec<Duration>> = vec![Vec::new(); kinds(cases).len()];
            let mut failures = 0u64;
            while Instant::now() < deadline {
                let (kind, path) = if cases {
                    // 45 % lists, 45 % files, 10 % the floor.
                    let kind = match rng.below(20) {
                        0..=8 => 0,
                        9..=17 => 1,
                        _ => 2,
                    };
                    (kind, case_path(&mut rng, kind, &badges))
                } else {
                    let profile = match only.as_deref() {
                        Some("profile") => true,
                        Some("list") => false,
                        _ => rng.below(2) == 0,
                    };
                    let path = if profile {
                        format!("/officers/{}", badges[rng.below(badges.len())])
                    } else {
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
                    };
                    (usize::from(profile), path)
                };
                let t = Instant::now();
                let ok = match c.get(format!("{base}{path}")).send().await {
                    Ok(res) => {
                        let status = res.status();
                        let body = res.text().await.unwrap_or_default();
                        status.is_success() && body.contains("</html>")
                    }
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
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); kinds(cases).len()];
    let mut failures = 0;
    for t in tasks {
        let (got, f) = t.await?;
        for (all, mine) in times.iter_mut().zip(got) {
            all.extend(mine);
        }
        failures += f;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("| page | requests | median ms | p99 ms |");
    println!("|---|---:|---:|---:|");
    for (name, v) in kinds(cases).iter().zip(times.iter_mut()) {
        v.sort();
        println!(
            "| {name} | {} | {:.1} | {:.1} |",
            v.len(),
            ms(percentile(v, 0.5)),
            ms(percentile(v, 0.99))
        );
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
    if failures > 0 {
        std::process::exit(1);
    }
    Ok(())
}
