//! What the ingest benchmarks share: a Vigía server on a loopback port,
//! and the batches posted to it one after another.

use std::time::Instant;

use app::store::Db;

pub type Err = Box<dyn std::error::Error + Send + Sync>;

/// Starts a Vigía server on `db` (whose URL is `url`) on a free loopback
/// port; returns its address.
pub async fn serve(url: &str, db: &Db) -> Result<String, Err> {
    let settings = server::config::RawSettings {
        database_url: Some(url.to_string()),
        bind: Some("127.0.0.1:0".into()),
        ..Default::default()
    }
    .check()
    .map_err(|e| e.to_string())?;
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
    let started = Instant::now();
    for body in bodies {
        let res = client
            .post(url)
            .bearer_auth(token)
            .header("content-type", "application/x-ndjson")
            .body(body.clone())
            .send()
            .await?;
        let status = res.status();
        let answer: serde_json::Value = res.json().await?;
        assert!(
            status.is_success() && answer[expect] == size,
            "{status}: {answer}"
        );
    }
    Ok((bodies.len() * size) as f64 / started.elapsed().as_secs_f64())
}
