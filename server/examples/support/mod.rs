//! What the benchmarks share: a Vigía server on a loopback port, a client
//! signed in to it, and batches posted to it one after another.

#![allow(dead_code)] // each benchmark uses a different part

use std::time::Instant;

use app::store::Db;

pub type Err = Box<dyn std::error::Error + Send + Sync>;

/// SplitMix64: a small deterministic generator, so that every run asks for
/// the same things.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Starts a Vigía server on `db` (whose URL is `url`) on a free loopback
/// port; returns its address.
pub async fn serve(url: &str, db: &Db) -> Result<String, Err> {
    serve_with(url, db, |_| {}).await
}

/// [`serve`], with settings changed by `adjust` before they are checked.
pub async fn serve_with(
    url: &str,
    db: &Db,
    adjust: impl FnOnce(&mut server::config::RawSettings),
) -> Result<String, Err> {
    let mut raw = server::config::RawSettings {
        database_url: Some(url.to_string()),
        bind: Some("127.0.0.1:0".into()),
        ..Default::default()
    };
    adjust(&mut raw);
    let settings = raw.check().map_err(|e| e.to_string())?;
    let app = server::startup::Application::build(&settings, db.clone()).await?;
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    Ok(address)
}

/// Posts each NDJSON body to `url` in turn with the bearer `token`; each
/// answer must count `size` records under `expect` (`accepted`,
/// `duplicates`). Returns records a second.
pub async fn post_all(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    bodies: &[Vec<u8>],
    expect: &str,
    size: usize,
) -> Result<f64, Err> {
    post_in_lanes(client, url, token, bodies, expect, size, 1).await
}

/// [`post_all`] from `lanes` clients at once, each posting every
/// `lanes`-th body in turn (so that `lanes` batches are in flight).
pub async fn post_in_lanes(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    bodies: &[Vec<u8>],
    expect: &str,
    size: usize,
    lanes: usize,
) -> Result<f64, Err> {
    let started = Instant::now();
    let lane = |l: usize| async move {
        for body in bodies.iter().skip(l).step_by(lanes) {
            let res = client
                .post(url)
                .bearer_auth(token)
                .header("content-type", "application/x-ndjson")
                .body(body.clone())
                .send()
                .await?;
            let status = res.status();
            let answer: serde_json::Value = res.json().await?;
            if !(status.is_success() && answer[expect] == size) {
                return Err::<(), Err>(format!("{status}: {answer}").into());
            }
        }
        Ok(())
    };
    futures::future::try_join_all((0..lanes.max(1)).map(lane)).await?;
    Ok((bodies.len() * size) as f64 / started.elapsed().as_secs_f64())
}

/// A browser-like client (cookies, the site's `Origin`) signed in as `user`.
pub async fn signed_in(base: &str, user: &str, password: &str) -> Result<reqwest::Client, Err> {
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
