//! The test harness: a fresh database per test on SQLite (always) and on
//! PostgreSQL (whenever a server answers), and a real server on port 0.
//!
//! PostgreSQL: `VIGIA_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) is the administrative
//! connection; each test creates its own database there and drops it after,
//! even when the test fails. With `VIGIA_REQUIRE_POSTGRES=1` an unreachable
//! server fails the test; otherwise the test says loudly that it skipped.

#![allow(dead_code)] // each test file uses a different part of the harness

use std::sync::atomic::{AtomicU32, Ordering};

use app::store::{Backend, Db};
use server::config::{RawSettings, Settings};
use server::startup::Application;
use sqlx::Connection;

pub const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A fresh, migrated database that disappears with the value.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    _sqlite_dir: Option<tempfile::TempDir>,
    _pg: Option<PgDatabaseGuard>,
}

impl TestDb {
    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    /// A new SQLite file in a temporary folder, migrated.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/vigia.db", dir.path().display());
        let db = Db::connect(&url).await.expect("open SQLite");
        db.migrate().await.expect("migrate SQLite");
        TestDb {
            db,
            url,
            _sqlite_dir: Some(dir),
            _pg: None,
        }
    }

    /// A new PostgreSQL database, migrated; `None` (after a loud notice)
    /// when no server answers and PostgreSQL is not required.
    pub async fn postgres() -> Option<TestDb> {
        let (url, guard) = Self::empty_postgres().await?;
        let db = Db::connect(&url)
            .await
            .expect("open PostgreSQL test database");
        db.migrate().await.expect("migrate PostgreSQL");
        Some(TestDb {
            db,
            url,
            _sqlite_dir: None,
            _pg: Some(guard),
        })
    }

    /// A new, empty (unmigrated) PostgreSQL database: its URL and the guard
    /// that drops it.
    pub async fn empty_postgres() -> Option<(String, PgDatabaseGuard)> {
        let admin = std::env::var("VIGIA_TEST_POSTGRES_URL").unwrap_or(DEFAULT_ADMIN_URL.into());
        let mut conn = match sqlx::PgConnection::connect(&admin).await {
            Ok(c) => c,
            Err(e) => {
                if std::env::var("VIGIA_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                    panic!(
                        "VIGIA_REQUIRE_POSTGRES=1 but PostgreSQL at {admin} does not answer: {e}"
                    );
                }
                eprintln!(
                    "\n!!!!!!!!!! SKIPPED on PostgreSQL: {admin} does not answer ({e}).\n\
                     !!!!!!!!!! Set VIGIA_TEST_POSTGRES_URL, or VIGIA_REQUIRE_POSTGRES=1 to fail instead.\n"
                );
                return None;
            }
        };
        let name = unique_name();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("CREATE DATABASE");
        conn.close().await.ok();
        let url = replace_database(&admin, &name);
        Some((url.clone(), PgDatabaseGuard { admin, name }))
    }
}

/// Drops its PostgreSQL database when it goes out of scope, panicking test
/// or not.
pub struct PgDatabaseGuard {
    admin: String,
    name: String,
}

impl Drop for PgDatabaseGuard {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        // Drop runs inside the test's runtime: do the async work on a thread
        // with a runtime of its own.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&admin).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await?;
                conn.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: could not drop the test database {}", self.name);
        }
    }
}

fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "vigia_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let prefix = base.rsplit_once('/').map(|(p, _)| p).unwrap_or(base);
    format!("{prefix}/{name}{query}")
}

/// Runs a test body once on SQLite and once on PostgreSQL, as two tests
/// named `NAME::sqlite` and `NAME::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($(#[$meta:meta])* async fn $name:ident($db:ident: TestDb) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $(#[$meta])*
            async fn body($db: $crate::common::TestDb) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                body($crate::common::TestDb::sqlite().await).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = $crate::common::TestDb::postgres().await {
                    body(db).await
                }
            }
        }
    };
}

/// A running server on an ephemeral port, over a test database.
pub struct TestApp {
    pub address: String,
    pub db: Db,
    pub client: reqwest::Client,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A browser-like client: keeps cookies, sends this server as Origin.
    pub fn browser(&self) -> reqwest::Client {
        self.browser_with_jar().0
    }

    /// A browser-like client and its cookie jar.
    pub fn browser_with_jar(&self) -> (reqwest::Client, std::sync::Arc<reqwest::cookie::Jar>) {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("origin", self.address.parse().expect("origin"));
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        (client, jar)
    }

    /// Calls a server function with form-encoded arguments.
    pub async fn call(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        client
            .post(self.url(&format!("/rpc/{endpoint}")))
            .header("accept", "application/json")
            .form(form)
            .send()
            .await
            .expect("request")
    }

    /// A CSV file sent to the import page's endpoint as the page sends it:
    /// a multipart form, `kind` first, then `file`.
    pub async fn import(
        &self,
        client: &reqwest::Client,
        kind: &str,
        csv: impl Into<Vec<u8>>,
    ) -> reqwest::Response {
        let form = reqwest::multipart::Form::new()
            .text("kind", kind.to_string())
            .part(
                "file",
                reqwest::multipart::Part::bytes(csv.into()).file_name("records.csv"),
            );
        client
            .post(self.url("/rpc/import_records"))
            .header("accept", "application/json")
            .multipart(form)
            .send()
            .await
            .expect("request")
    }

    /// A client signed in as `username` (with an authenticator code when
    /// the account has a second factor).
    pub async fn signed_in(&self, username: &str, password: &str) -> reqwest::Client {
        let client = self.browser();
        let mut res = self
            .call(
                &client,
                "sign_in",
                &[("username", username), ("password", password)],
            )
            .await;
        if res.status() == 401 {
            let body = res.text().await.unwrap_or_default();
            assert!(
                body.contains("SecondFactorNeeded"),
                "sign in as {username}: {body}"
            );
            let code = next_totp_code(&self.db, username).await;
            res = self
                .call(
                    &client,
                    "sign_in",
                    &[
                        ("username", username),
                        ("password", password),
                        ("code", &code),
                    ],
                )
                .await;
        }
        assert_eq!(
            res.status(),
            200,
            "sign in as {username}: {}",
            res.text().await.unwrap_or_default()
        );
        client
    }
}

/// The second-factor secret of test accounts that need one.
pub const TEST_TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// The key test servers seal secrets with (a fixed one: tests share it).
pub const TEST_SECRET_KEY: [u8; 32] = [0x5a; 32];

/// The file that holds [`TEST_SECRET_KEY`], written once per machine.
pub fn test_key_file() -> std::path::PathBuf {
    let path = std::env::temp_dir().join("vigia-test-secret.key");
    if !path.exists() {
        // Written aside and moved into place: tests run in parallel.
        let aside = path.with_extension(format!("{}", std::process::id()));
        std::fs::write(&aside, hex::encode(TEST_SECRET_KEY)).expect("write the test key");
        std::fs::rename(&aside, &path).expect("place the test key");
    }
    path
}

/// [`TEST_TOTP_SECRET`] as a test server stores it: sealed with the test key.
pub fn sealed_test_secret() -> String {
    app::sealed::SecretKey::from_bytes(TEST_SECRET_KEY).seal(TEST_TOTP_SECRET)
}

/// A code for `username` that the server will take now: in the current
/// 30-second window (or the next) and newer than the last one used.
pub async fn next_totp_code(db: &Db, username: &str) -> String {
    use app::identity::totp;
    let last: Option<i64> =
        sqlx::query_scalar("SELECT totp_last_step FROM users WHERE username = $1")
            .bind(username)
            .fetch_one(db.pool_for_tests())
            .await
            .expect("user");
    let now = totp::step_of(app::time::now_ms() / 1000);
    let step = (now..=now + 1)
        .find(|s| last.is_none_or(|l| *s > l))
        .expect("a code left in this window");
    totp::code_for_step(&totp::base32_decode(TEST_TOTP_SECRET).unwrap(), step)
}

/// Creates an account with `roles` (as the command line does) and returns
/// its password. Accounts whose roles require a second factor by default
/// (admin, supervisor) get [`TEST_TOTP_SECRET`] set up.
pub async fn create_user(db: &Db, username: &str, roles: &[app::identity::Role]) -> String {
    use app::identity::Role;
    let password = create_user_without_totp(db, username, roles).await;
    if roles
        .iter()
        .any(|r| matches!(r, Role::Admin | Role::Supervisor))
    {
        sqlx::query("UPDATE users SET totp_secret = $1, totp_enabled = 1 WHERE username = $2")
            .bind(sealed_test_secret())
            .bind(username)
            .execute(db.pool_for_tests())
            .await
            .expect("set up TOTP");
    }
    password
}

/// Creates an account with no second factor set up.
pub async fn create_user_without_totp(
    db: &Db,
    username: &str,
    roles: &[app::identity::Role],
) -> String {
    use app::policy::authorize;
    let actor = authorize(
        &app::identity::console_operator(),
        app::policy::act::ManageUsers,
        app::policy::Object::Any,
    )
    .unwrap();
    let password = format!("{username} una frase larga y única");
    app::identity::store::create_user(
        db,
        &actor,
        "test",
        app::identity::store::NewUser {
            username: username.into(),
            display_name: username.into(),
            roles: roles.to_vec(),
            password: password.clone(),
            // As the console operator makes one for a test or a demo.
            must_change_password: false,
        },
    )
    .await
    .expect("create user");
    password
}

/// Starts Vigía on 127.0.0.1:0 over `test_db`, as `vigia serve` would.
/// The one number `sql` counts (`SELECT COUNT(*) …`).
pub async fn count(t: &TestDb, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(t.db.pool_for_tests())
        .await
        .unwrap()
}

pub async fn spawn_app(test_db: &TestDb) -> TestApp {
    spawn_app_with(test_db, |_| {}).await
}

/// Like [`spawn_app`], with settings changed by `adjust` (e.g. short
/// session lifetimes).
pub async fn spawn_app_with(test_db: &TestDb, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let mut settings = RawSettings {
        database_url: Some(test_db.url.clone()),
        bind: Some("127.0.0.1:0".into()),
        secret_key_file: Some(test_key_file().display().to_string()),
        // The tests of other things than the second factor sign in without
        // one where the default (every role) would ask for it.
        totp_required_roles: Some("admin,supervisor".into()),
        // Each app its own document folder: a test that alters a stored
        // document touches no other test's.
        documents_url: Some(
            tempfile::tempdir()
                .expect("a documents folder")
                .keep()
                .display()
                .to_string(),
        ),
        ..Default::default()
    }
    .check()
    .expect("test settings");
    adjust(&mut settings);
    let app = Application::build(&settings, test_db.db.clone())
        .await
        .expect("bind");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        db: test_db.db.clone(),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
    }
}

/// Units 00 (national) → 13 Huehuetenango (region) → 13-02 Chiantla
/// (station), and the officers of `csv` imported as the console would.
pub async fn seed_chiantla(t: &TestDb, csv: &str) {
    for sql in [
        "INSERT INTO units (code, name, kind, parent_id, created_at) VALUES ('00', 'DG', 'national', NULL, 0)",
        "INSERT INTO units (code, name, kind, parent_id, created_at) SELECT '13', 'Huehuetenango', 'region', id, 0 FROM units WHERE code = '00'",
        "INSERT INTO units (code, name, kind, parent_id, created_at) SELECT '13-02', 'Chiantla', 'station', id, 0 FROM units WHERE code = '13'",
    ] {
        sqlx::query(sql).execute(t.db.pool_for_tests()).await.unwrap();
    }
    let kind = app::officers::import::ImportKind::Officers;
    let op = app::policy::authorize(
        &app::identity::console_operator(),
        app::policy::act::ImportRecords,
        app::policy::Object::Import(kind.record_kind()),
    )
    .unwrap();
    let report = app::officers::importer::import(
        &t.db,
        &op,
        "local",
        kind,
        csv.as_bytes().to_vec(),
        &|_| {},
    )
    .await
    .unwrap();
    assert!(report.imported(), "{:?}", report.problems);
}

/// The coverage the ingest keeps (`camera_runs`, `camera_status_changes`)
/// against the same worked out here from every stored footage segment and
/// heartbeat: each camera's runs are the union of its segments (touching
/// ones merged), its changes the heartbeats whose online-or-not differs
/// from the one before.
pub async fn assert_coverage_kept(db: &Db) {
    use app::fleet::coverage::{union_within, Span};
    use std::collections::BTreeMap;
    let pool = db.pool_for_tests();
    let rows = |sql: &'static str| async move {
        sqlx::query_as::<_, (i64, i64, i64)>(sql)
            .fetch_all(pool)
            .await
            .unwrap()
    };
    let mut segments: BTreeMap<i64, Vec<Span>> = BTreeMap::new();
    for (camera, from, to) in
        rows("SELECT camera_id, starts_at, ends_at FROM footage_segments").await
    {
        segments.entry(camera).or_default().push(Span { from, to });
    }
    let ever = Span {
        from: i64::MIN,
        to: i64::MAX,
    };
    let mut expected_runs = Vec::new();
    for (camera, spans) in &segments {
        expected_runs.extend(
            union_within(spans, ever)
                .into_iter()
                .map(|s| (*camera, s.from, s.to)),
        );
    }
    let runs =
        rows("SELECT camera_id, starts_at, ends_at FROM camera_runs ORDER BY camera_id, starts_at")
            .await;
    assert_eq!(
        runs.len(),
        expected_runs.len(),
        "recorded runs kept vs worked out from the segments"
    );
    assert_eq!(
        runs, expected_runs,
        "recorded runs kept vs worked out from the segments"
    );

    let mut expected_changes = Vec::new();
    let mut last: Option<(i64, i64)> = None;
    for (camera, ts, online) in rows(
        "SELECT camera_id, ts, CASE WHEN status = 'online' THEN 1 ELSE 0 END FROM camera_heartbeats ORDER BY camera_id, ts",
    )
    .await
    {
        if last != Some((camera, online)) {
            expected_changes.push((camera, ts, online));
        }
        last = Some((camera, online));
    }
    let changes =
        rows("SELECT camera_id, ts, online FROM camera_status_changes ORDER BY camera_id, ts")
            .await;
    assert_eq!(
        changes.len(),
        expected_changes.len(),
        "status changes kept vs worked out from the heartbeats"
    );
    assert_eq!(
        changes, expected_changes,
        "status changes kept vs worked out from the heartbeats"
    );
}

/// Makes a client as the command line would and returns its token.
pub async fn api_client_token(t: &TestDb, name: &str, scopes: &str) -> String {
    let operator = app::policy::authorize(
        &app::identity::console_operator(),
        app::policy::act::ManageApiClients,
        app::policy::Object::Any,
    )
    .unwrap();
    let (_, token) =
        app::admin::clients::store::create_client(&t.db, &operator, "test", name, scopes)
            .await
            .unwrap();
    token.reveal().to_string()
}

/// Sends `body` to the machine API at `path` (with a bearer token when
/// given): the status and the answer, as JSON when it is JSON.
pub async fn api_post(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: String,
) -> (u16, serde_json::Value) {
    let mut req = app
        .client
        .post(app.url(path))
        .header("content-type", content_type)
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}
