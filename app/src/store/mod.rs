//! The store: one sqlx pool whose SQL runs unchanged on SQLite and
//! PostgreSQL.
//!
//! Queries go through sqlx's `Any` driver with `$1` placeholders, so one SQL
//! text serves both backends. Where the dialects part (version query, later
//! full-text search and bulk ingest) the code matches on [`Backend`], each
//! case in one place. Times are stored as BIGINT milliseconds since the Unix
//! epoch, UTC; calendar dates as `YYYY-MM-DD` text; flags as integers 0/1
//! (the `Any` driver cannot decode SQLite's BOOLEAN).

use std::collections::HashSet;
use std::path::Path;
use std::str::FromStr;
use std::sync::Once;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, ConnectOptions, Executor};

pub mod batch;
mod group;
pub mod recent;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

/// Which database engine a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a database URL names, or why it names none.
    pub fn from_url(url: &str) -> Result<Backend, String> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err("must start with sqlite: or postgres://".into())
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }

    fn migrator(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

/// One applied (or pending) migration, as `vigia migrate` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationInfo {
    pub version: i64,
    pub description: String,
}

/// The database: a pool and the backend it talks to. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// SQLite takes one writer at a time. The writers of this process take
    /// their turn here, first come first served, before they ask SQLite for
    /// its write lock: a writer SQLite turns away sleeps in its busy
    /// handler (1, 2, 5, 10 … 100 ms) and tries again, which put tens of
    /// milliseconds on a write under load whatever its own cost
    /// (BENCHMARKS.md, the case file at 32 clients). Writers of other
    /// processes on the same file still meet the busy timeout. PostgreSQL
    /// takes concurrent writers itself: `None`.
    write_turn: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
    /// Writes waiting to be committed together (see [`Db::write_together`]).
    group: group::GroupCommit,
}

/// How long a writer waits for its turn: as long as SQLite's busy timeout.
const WRITE_TURN_TIMEOUT: Duration = Duration::from_secs(5);

/// A write transaction: on SQLite it holds this process's write turn until
/// it commits, rolls back or is dropped. Used as its connection.
pub(crate) struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &sqlx::AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }
}

static DRIVERS: Once = Once::new();

impl Db {
    /// Opens a pool on `url`. A SQLite file and its folder are created when
    /// missing; SQLite connections run in WAL mode with foreign keys on and
    /// a busy timeout, so concurrent writers wait instead of failing.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        DRIVERS.call_once(sqlx::any::install_default_drivers);
        let backend = Backend::from_url(url).map_err(|e| sqlx::Error::Configuration(e.into()))?;
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)?.disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(5))
            // An embedded database has no connection to lose: asking each
            // connection "still there?" before every query cost a round
            // trip to its thread for nothing (BENCHMARKS.md).
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    match backend {
                        Backend::Sqlite => {
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                                 PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;",
                            )
                            .await?;
                        }
                        Backend::Postgres => {
                            conn.execute("SET TIME ZONE 'UTC'").await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        if let Some(path) = sqlite_path(url.as_str()).filter(|p| p.exists()) {
            // Officer records, secrets and the audit trail: the owner's only.
            make_private(path)?;
        }
        let write_turn =
            (backend == Backend::Sqlite).then(|| std::sync::Arc::new(tokio::sync::Mutex::new(())));
        Ok(Db {
            pool,
            backend,
            write_turn,
            group: Default::default(),
        })
    }

    /// Begins a write transaction. On SQLite it takes the write lock at
    /// once (`BEGIN IMMEDIATE`), so a transaction that reads before it
    /// writes waits for other writers instead of failing on a stale snapshot.
    ///
    /// On SQLite the transaction first takes this process's write turn
    /// (see [`Db`]); a writer that waits longer than the busy timeout for
    /// it is refused as a busy database would refuse it.
    pub(crate) async fn begin_write(&self) -> Result<WriteTx, sqlx::Error> {
        let turn = match &self.write_turn {
            Some(turn) => Some(
                tokio::time::timeout(WRITE_TURN_TIMEOUT, turn.clone().lock_owned())
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)?,
            ),
            None => None,
        };
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(WriteTx { tx, _turn: turn })
    }

    /// Begins a read-only transaction on one snapshot (SQLite: a deferred
    /// transaction, which takes no write lock; PostgreSQL: repeatable read,
    /// read only).
    pub(crate) async fn begin_read(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN DEFERRED").await,
            Backend::Postgres => {
                self.pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await
            }
        }
    }

    /// Runs `work` in a write transaction shared with the work of other
    /// callers arriving at the same moment (group commit), and answers
    /// once that transaction has committed; if any piece fails, every
    /// piece of the group is rolled back and answered with the error.
    /// For the audit module's records of audited reads.
    pub(crate) async fn write_together(&self, work: group::Work) -> Result<(), sqlx::Error> {
        self.group.run(self, work).await
    }

    /// This database for the group's writer: the same pool and write turn,
    /// without the queue it serves.
    fn without_group(&self) -> Db {
        Db {
            group: Default::default(),
            ..self.clone()
        }
    }

    /// Refreshes the planner's statistics (of one table, or all), after a
    /// load or a large import. On SQLite only the per-index summaries are
    /// kept, not the samples of values (`sqlite_stat4`): with samples,
    /// SQLite plans a statement again each time a bound value changes,
    /// which made every profile page parse and plan its queries anew.
    ///
    /// On PostgreSQL it is `VACUUM (ANALYZE)`: a freshly loaded table has
    /// no visibility map yet, so an index-only scan (a count of a unit's
    /// officers, of a camera's segments) visited every row's page anyway
    /// until autovacuum came round.
    pub async fn analyze(&self, table: Option<&str>) -> Result<(), sqlx::Error> {
        let verb = match self.backend {
            Backend::Sqlite => "ANALYZE",
            Backend::Postgres => "VACUUM (ANALYZE)",
        };
        let analyze = match table {
            Some(t) => format!("{verb} {t}"),
            None => verb.to_string(),
        };
        // The simple protocol: VACUUM may not run in a transaction block.
        sqlx::raw_sql(&analyze).execute(&self.pool).await?;
        if self.backend == Backend::Sqlite {
            let samples: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'sqlite_stat4'",
            )
            .fetch_one(&self.pool)
            .await?;
            if samples > 0 {
                sqlx::query("DELETE FROM sqlite_stat4")
                    .execute(&self.pool)
                    .await?;
                // SQLite's documented way to load edited statistics again.
                sqlx::query("ANALYZE sqlite_schema")
                    .execute(&self.pool)
                    .await?;
            }
        }
        Ok(())
    }

    /// The pool: for the store's own modules only. Everything else writes
    /// through an [`crate::audit::AuditedTx`] opened with a permit, and
    /// reads through a feature's store functions.
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The pool, for tests that set up or inspect rows directly (the
    /// `test-support` feature, which only the test build turns on).
    #[cfg(feature = "test-support")]
    pub fn pool_for_tests(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies every pending migration and returns those it applied, in
    /// order. Running it again applies nothing.
    pub async fn migrate(&self) -> Result<Vec<MigrationInfo>, sqlx::migrate::MigrateError> {
        let pending = self.pending_migrations().await?;
        self.backend.migrator().run(&self.pool).await?;
        self.fill_derived_columns().await?;
        Ok(pending)
    }

    /// Fills columns a migration added but only Vigía can compute (the
    /// folded search key of officers), for rows that lack them.
    async fn fill_derived_columns(&self) -> Result<(), sqlx::Error> {
        use sqlx::Row;
        let rows = sqlx::query(
            "SELECT id, badge_number, given_names, family_names FROM officers WHERE search_key = ''",
        )
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        for r in &rows {
            let key = crate::search::officer_key(
                &r.try_get::<String, _>(1)?,
                &r.try_get::<String, _>(2)?,
                &r.try_get::<String, _>(3)?,
            );
            sqlx::query("UPDATE officers SET search_key = $1 WHERE id = $2")
                .bind(key)
                .bind(r.try_get::<i64, _>(0)?)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }

    /// The migrations this database has not applied yet.
    pub async fn pending_migrations(
        &self,
    ) -> Result<Vec<MigrationInfo>, sqlx::migrate::MigrateError> {
        // Read without creating anything: `vigia serve` may run as a role
        // that can change rows but not the schema (README, PostgreSQL).
        let exists = match self.backend {
            Backend::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
            Backend::Postgres => "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE tablename = '_sqlx_migrations' AND schemaname = current_schema()",
        };
        let tables: i64 = sqlx::query_scalar(exists).fetch_one(&self.pool).await?;
        let applied: HashSet<i64> = if tables == 0 {
            HashSet::new()
        } else {
            sqlx::query_scalar::<_, i64>("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .collect()
        };
        Ok(self
            .backend
            .migrator()
            .iter()
            .filter(|m| m.migration_type.is_up_migration() && !applied.contains(&m.version))
            .map(|m| MigrationInfo {
                version: m.version,
                description: m.description.to_string(),
            })
            .collect())
    }

    /// Whether the database answers a trivial query within two seconds.
    pub async fn is_ready(&self) -> bool {
        let probe = sqlx::query("SELECT 1").execute(&self.pool);
        matches!(
            tokio::time::timeout(Duration::from_secs(2), probe).await,
            Ok(Ok(_))
        )
    }

    /// The database engine's own version string, e.g. `3.46.0` or `15.19`.
    pub async fn server_version(&self) -> Result<String, sqlx::Error> {
        let sql = match self.backend {
            Backend::Sqlite => "SELECT sqlite_version()",
            Backend::Postgres => "SELECT current_setting('server_version')",
        };
        sqlx::query_scalar(sql).fetch_one(&self.pool).await
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Creates a folder (and its parents) that only its owner may enter: Vigía's
/// data folder holds the database, its key and its secrets.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Makes a file readable and writable by its owner only.
pub fn make_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// The file a SQLite URL names, if any.
pub fn sqlite_path(url: &str) -> Option<&Path> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| Path::new(path))
}

/// Creates the folder of a SQLite file and asks sqlx to create the file.
fn prepare_sqlite_url(url: &str) -> Result<String, sqlx::Error> {
    let rest = url.trim_start_matches("sqlite:");
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    if path.is_empty() || path == ":memory:" {
        return Err(sqlx::Error::Configuration(
            "an in-memory SQLite database would lose its data; give a file path".into(),
        ));
    }
    if let Some(dir) = Path::new(path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        create_private_dir(dir)?;
    }
    let mode = match query {
        Some(q) if q.contains("mode=") => q.to_string(),
        Some(q) => format!("{q}&mode=rwc"),
        None => "mode=rwc".to_string(),
    };
    Ok(format!("sqlite://{path}?{mode}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_comes_from_the_url_scheme() {
        assert_eq!(Backend::from_url("sqlite://data/v.db"), Ok(Backend::Sqlite));
        assert_eq!(
            Backend::from_url("postgres://u@h/db"),
            Ok(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db"),
            Ok(Backend::Postgres)
        );
        assert!(Backend::from_url("mysql://h/db").is_err());
    }

    #[test]
    fn sqlite_urls_ask_for_the_file_to_be_created() {
        let dir = std::env::temp_dir().join("vigia-url-test");
        let url = format!("sqlite://{}/sub/v.db", dir.display());
        let prepared = prepare_sqlite_url(&url).unwrap();
        assert!(prepared.ends_with("/sub/v.db?mode=rwc"), "{prepared}");
        assert!(dir.join("sub").is_dir());
        assert!(prepare_sqlite_url("sqlite::memory:").is_err());
    }
}
