//! Browser sessions, kept in Vigía's own database (SQLite or PostgreSQL),
//! so any server behind a load balancer can serve any request.

use std::str::FromStr;
use std::time::Duration;

use app::store::Backend;
use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::{session_store, Expiry, SessionManagerLayer, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use crate::config::Settings;

/// The session store of the configured backend.
#[derive(Clone, Debug)]
pub enum Sessions {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl Sessions {
    /// Opens the store on the database at `url` and creates its table.
    pub async fn open(url: &str, backend: Backend) -> Result<Sessions, sqlx::Error> {
        match backend {
            Backend::Sqlite => {
                let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)?
                    .create_if_missing(true)
                    .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                    // As for the records: in WAL mode, NORMAL loses no
                    // committed session to a crash of Vigía, and saves an
                    // fsync per request (a session is touched on each one).
                    .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(5));
                let pool = sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(options)
                    .await?;
                let store = SqliteStore::new(pool);
                store.migrate().await?;
                Ok(Sessions::Sqlite(store))
            }
            Backend::Postgres => {
                let pool = sqlx::postgres::PgPoolOptions::new()
                    .max_connections(8)
                    .connect(url)
                    .await?;
                // Made once, by `vigia migrate` (or the first serve): then a
                // role that may not create schemas can serve.
                let made: Option<String> =
                    sqlx::query_scalar("SELECT to_regclass('tower_sessions.session')::text")
                        .fetch_one(&pool)
                        .await?;
                let store = PostgresStore::new(pool);
                if made.is_none() {
                    store.migrate().await?;
                }
                Ok(Sessions::Postgres(store))
            }
        }
    }

    /// The layer that gives each request its session: cookie HttpOnly,
    /// SameSite=Strict, ended after the idle time; served over https (the
    /// public address says so, also behind a TLS proxy) `Secure` and named
    /// `__Host-…`, which a browser keeps only from this very host over https.
    pub fn layer(self, settings: &Settings) -> SessionManagerLayer<Sessions> {
        let name = if settings.secure_cookies() {
            "__Host-vigia_session"
        } else {
            "vigia_session"
        };
        SessionManagerLayer::new(self)
            .with_name(name)
            .with_path("/")
            .with_http_only(true)
            .with_same_site(SameSite::Strict)
            .with_secure(settings.secure_cookies())
            .with_expiry(Expiry::OnInactivity(
                tower_sessions::cookie::time::Duration::seconds(
                    settings.session_idle.as_secs() as i64
                ),
            ))
    }

    /// Deletes expired sessions now and then, for as long as it runs.
    pub async fn delete_expired_every(self, period: Duration) {
        use tower_sessions::ExpiredDeletion;
        let result = match self {
            Sessions::Sqlite(s) => s.continuously_delete_expired(period).await,
            Sessions::Postgres(s) => s.continuously_delete_expired(period).await,
        };
        if let Err(e) = result {
            tracing::error!(error = %e, "deleting expired sessions stopped");
        }
    }
}

#[async_trait::async_trait]
impl SessionStore for Sessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s) => s.create(record).await,
            Sessions::Postgres(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s) => s.save(record).await,
            Sessions::Postgres(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Sessions::Sqlite(s) => s.load(id).await,
            Sessions::Postgres(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s) => s.delete(id).await,
            Sessions::Postgres(s) => s.delete(id).await,
        }
    }
}
