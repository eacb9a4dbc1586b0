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
//! days"). After a write, one reader computes it again while the others
//! wait for that result instead of computing their own; when only the
//! clock moved on, the others take the aged result meanwhile (up to four
//! times the age limit), so that no reader waits for a recomputation that
//! no write asked for.
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
use std::time::Duration;

// Tokio's clock, which a test can pause and move.
use tokio::time::Instant;

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

enum Found<V> {
    Fresh(Arc<V>),
    Aged(Arc<V>),
    Missing,
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
        self.get_at(|| self.versions(db), key, compute).await
    }

    /// [`Recent::get`] with the counters read by `versions`.
    async fn get_at<C, CFut, F, Fut>(
        &self,
        versions: C,
        key: K,
        compute: F,
    ) -> Result<Arc<V>, AppError>
    where
        C: Fn() -> CFut,
        CFut: Future<Output = Result<Vec<i64>, AppError>>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, AppError>>,
    {
        let asked_at = versions().await?;
        let turn = match self.find(&key, &asked_at) {
            Found::Fresh(value) => return Ok(value),
            // Only the clock moved on: one reader computes it again, and
            // the others take the aged one meanwhile instead of waiting.
            Found::Aged(value) => match self.computing.try_lock() {
                Ok(turn) => turn,
                Err(_) => return Ok(value),
            },
            // Something was written since (or nothing is kept): wait for a
            // result at least as new as what was asked.
            Found::Missing => {
                let turn = self.computing.lock().await;
                // Computed by the reader before us, after we asked?
                if let Found::Fresh(value) = self.find(&key, &asked_at) {
                    return Ok(value);
                }
                turn
            }
        };
        // Read before the data: a write landing in between moves a counter
        // past the versions kept, and the next reader computes again.
        let versions = versions().await?;
        let value = Arc::new(compute().await?);
        self.kept.lock().unwrap_or_else(|e| e.into_inner()).insert(
            key,
            Kept {
                versions,
                at: Instant::now(),
                value: value.clone(),
            },
        );
        drop(turn);
        Ok(value)
    }

    /// What is kept of `key` for a reader who read `versions`: fresh (at
    /// least as new, and young enough), aged (as new, but older than the
    /// age limit, up to four times it) or missing.
    fn find(&self, key: &K, versions: &[i64]) -> Found<V> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let Some(k) = kept.get(key) else {
            return Found::Missing;
        };
        let new_enough = k.versions.len() == versions.len()
            && k.versions
                .iter()
                .zip(versions)
                .all(|(kept, now)| kept >= now);
        let age = k.at.elapsed();
        if !new_enough || age >= self.max_age * 4 {
            Found::Missing
        } else if age < self.max_age {
            Found::Fresh(k.value.clone())
        } else {
            Found::Aged(k.value.clone())
        }
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use super::Recent;
    use crate::error::AppError;

    /// Counters that a test moves, and computations it counts.
    struct World {
        counter: AtomicI64,
        computed: AtomicUsize,
    }

    impl World {
        async fn versions(&self) -> Result<Vec<i64>, AppError> {
            Ok(vec![self.counter.load(Ordering::SeqCst)])
        }

        /// A computation that takes a second and says which one it was.
        async fn compute(&self) -> Result<usize, AppError> {
            let n = self.computed.fetch_add(1, Ordering::SeqCst) + 1;
            tokio::time::sleep(Duration::from_secs(1)).await;
            Ok(n)
        }
    }

    async fn read(recent: &Recent<(), usize>, world: &World) -> usize {
        *recent
            .get_at(|| world.versions(), (), || world.compute())
            .await
            .unwrap()
    }

    /// Readers share one computation; after the age limit one reader
    /// computes again while the others get the aged result at once; after
    /// a write every reader waits for a result that includes it.
    #[tokio::test(start_paused = true)]
    async fn shared_until_written_and_aged_results_do_not_make_readers_wait() {
        let recent: Recent<(), usize> = Recent::new(&["test"], Duration::from_secs(30));
        let world = Arc::new(World {
            counter: AtomicI64::new(1),
            computed: AtomicUsize::new(0),
        });
        // Four readers at once: one computation, the same result for all.
        let first = futures::future::join_all((0..4).map(|_| read(&recent, &world))).await;
        assert_eq!(first, [1, 1, 1, 1]);
        assert_eq!(read(&recent, &world).await, 1, "kept");

        // Aged: the first reader computes again (a second), the others
        // answer at once with the aged result.
        tokio::time::advance(Duration::from_secs(31)).await;
        let started = tokio::time::Instant::now();
        let (again, others) = futures::future::join(read(&recent, &world), async {
            tokio::task::yield_now().await;
            let at = tokio::time::Instant::now();
            let r = futures::future::join_all((0..3).map(|_| read(&recent, &world))).await;
            (r, at.elapsed())
        })
        .await;
        assert_eq!(again, 2);
        assert_eq!(others.0, [1, 1, 1], "the aged result, meanwhile");
        assert!(others.1 < Duration::from_millis(10), "{:?}", others.1);
        assert!(started.elapsed() >= Duration::from_secs(1));
        assert_eq!(read(&recent, &world).await, 2);

        // Written: nobody gets the old result.
        world.counter.store(2, Ordering::SeqCst);
        let after = futures::future::join_all((0..4).map(|_| read(&recent, &world))).await;
        assert_eq!(after, [3, 3, 3, 3]);
        assert_eq!(world.computed.load(Ordering::SeqCst), 3);
    }
}
