//! Results computed once per change, shared by every reader until the
//! data under them changes (server only).
//!
//! The fleet's pages sum a whole fleet's records: the board reads every
//! camera, the coverage and SLA reports every shift of a month. At 32
//! readers at once, computing them once per reader made each wait behind
//! the others' sums (seconds). A [`Recent`] keeps the last result of each
//! key with the `change_counters` it was computed at; a reader gets it when
//! no counter has moved since and it is younger than its age limit (for
//! what depends on the clock: "silent for ten minutes", "the last seven
//! days"). Otherwise one reader computes it again while the others wait for
//! that result instead of computing their own.
//!
//! The counters are moved by triggers in the transaction of every write
//! that could change the result (migrations 0008, 0009, 0021), so a reader
//! never gets a result older than a write committed before it asked, on
//! any server, whatever code path made the write. A reader still asks the
//! policy first: only the sums are shared, and what a reader may not see
//! is taken out of them per reader.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::AppError;
use crate::store::Db;

/// The counters of what the fleet's pages show, in name order.
pub const FLEET_COUNTERS: &[&str] = &["fleet_ingest", "fleet_shape", "officer_list"];

/// The last result of each key.
pub struct Recent<K, V> {
    counters: &'static [&'static str],
    max_age: Duration,
    kept: Mutex<HashMap<K, Kept<V>>>,
    /// One computation at a time; the readers that wait for it take its result.
    computing: tokio::sync::Mutex<()>,
}

struct Kept<V> {
    versions: Vec<i64>,
    at: Instant,
    value: Arc<V>,
}

impl<K, V> std::fmt::Debug for Recent<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recent")
            .field("counters", &self.counters)
            .field("max_age", &self.max_age)
            .finish()
    }
}

impl<K: Eq + Hash + Clone, V> Recent<K, V> {
    /// A result is computed again when one of `counters` moves, or when it
    /// is `max_age` old.
    pub fn new(counters: &'static [&'static str], max_age: Duration) -> Recent<K, V> {
        Recent {
            counters,
            max_age,
            kept: Mutex::new(HashMap::new()),
            computing: tokio::sync::Mutex::new(()),
        }
    }

    /// The result for `key`: the kept one if nothing under it changed,
    /// else `compute`'s (which is kept for the next readers).
    pub async fn get<F, Fut>(&self, db: &Db, key: K, compute: F) -> Result<Arc<V>, AppError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, AppError>>,
    {
        let asked_at = self.versions(db).await?;
        if let Some(value) = self.fresh(&key, &asked_at) {
            return Ok(value);
        }
        let _turn = self.computing.lock().await;
        // Computed by the reader before us, after we asked?
        if let Some(value) = self.fresh(&key, &asked_at) {
            return Ok(value);
        }
        // Read before the data: a write landing in between moves a counter
        // past the versions kept, and the next reader computes again.
        let versions = self.versions(db).await?;
        let value = Arc::new(compute().await?);
        self.kept.lock().unwrap_or_else(|e| e.into_inner()).insert(
            key,
            Kept {
                versions,
                at: Instant::now(),
                value: value.clone(),
            },
        );
        Ok(value)
    }

    /// The kept result of `key` if it is at least as new as `versions` and
    /// young enough.
    fn fresh(&self, key: &K, versions: &[i64]) -> Option<Arc<V>> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let k = kept.get(key)?;
        let new_enough = k.versions.len() == versions.len()
            && k.versions
                .iter()
                .zip(versions)
                .all(|(kept, now)| kept >= now);
        (new_enough && k.at.elapsed() < self.max_age).then(|| k.value.clone())
    }

    async fn versions(&self, db: &Db) -> Result<Vec<i64>, AppError> {
        let mut out = Vec::with_capacity(self.counters.len());
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT name, version FROM change_counters ORDER BY name")
                .fetch_all(db.pool())
                .await?;
        for name in self.counters {
            let version = rows.iter().find(|(n, _)| n == name).map(|r| r.1);
            out.push(version.ok_or_else(|| {
                tracing::error!(counter = name, "change counter missing");
                AppError::Internal
            })?);
        }
        Ok(out)
    }
}
