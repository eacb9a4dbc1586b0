//! Builds the axum application: pages, server functions, service endpoints.

use std::net::SocketAddr;

use app::state::AppState;
use app::store::Db;
use app::{shell, App};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use leptos::prelude::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::net::TcpListener;

use crate::config::Settings;
use crate::sessions::Sessions;

/// A bound, ready-to-run server. Binding happens in [`Application::build`],
/// so a test can ask for port 0 and read the port back.
pub struct Application {
    listener: TcpListener,
    router: Router,
    stall_exit: Option<std::time::Duration>,
}

impl Application {
    pub async fn build(settings: &Settings, db: Db) -> Result<Application, String> {
        crate::confine::init();
        app::time::set_zone(&settings.timezone)?;
        let secret_key = settings.secret_key()?;
        // Second-factor secrets stored before they were sealed are sealed now.
        let sealed = app::identity::store::seal_plain_secrets(&db, &secret_key)
            .await
            .map_err(|e| format!("cannot seal the stored second-factor secrets: {e}"))?;
        if sealed > 0 {
            tracing::info!(sealed, "sealed second-factor secrets stored in plain text");
        }
        let sessions = Sessions::open(&settings.database_url, settings.backend)
            .await
            .map_err(|e| format!("cannot open the session store: {e}"))?;
        let listener = TcpListener::bind(settings.bind)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", settings.bind))?;
        let bound = listener.local_addr().map_err(|e| e.to_string())?;
        let state = AppState {
            leptos_options: leptos_options(bound),
            db,
            timezone: settings.timezone.clone(),
            session_max_age_ms: settings.session_max.as_millis() as i64,
            session_idle_ms: settings.session_idle.as_millis() as i64,
            totp_required_roles: settings.totp_required_roles.clone(),
            camera_silent_ms: settings.camera_silent.as_millis() as i64,
            late_footage_ms: settings.late_footage.as_millis() as i64,
            footage_root: settings.footage_root.clone(),
            sla_target_percent: settings.sla_target_percent as f64,
            case_deadlines: settings.case_deadlines,
            tracking: settings.tracking,
            map_tiles: settings.map_tiles.clone(),
            caches: app::state::Caches::new({
                let mut caches = axum::http::Extensions::new();
                caches.insert(std::sync::Arc::new(
                    app::officers::directory::Directory::default(),
                ));
                caches.insert(std::sync::Arc::new(app::fleet::board::store::board_cache(
                    settings.tracking.silent_minutes,
                )));
                caches.insert(std::sync::Arc::new(app::fleet::vehicle::coverage_reports()));
                caches.insert(std::sync::Arc::new(app::fleet::sla::store::sla_reports()));
                caches
            }),
            secret_key,
            uploads: app::state::UploadSlots::new(),
            upload_dir: settings.upload_dir()?,
            documents: settings.documents()?,
        };
        tokio::spawn(
            sessions
                .clone()
                .delete_expired_every(std::time::Duration::from_secs(600)),
        );
        // Closed minutes of refused machine-API requests and of failed
        // sign-ins become audit records, one per sender and reason; and
        // suspensions that have run their days end.
        let refusals_db = state.db.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                every.tick().await;
                if let Err(e) =
                    app::admin::clients::store::record_refusal_windows(&refusals_db).await
                {
                    tracing::warn!(error = %e, "cannot record refused API requests yet");
                }
                if let Err(e) = app::identity::lockout::record_failure_windows(&refusals_db).await {
                    tracing::warn!(error = %e, "cannot record failed sign-ins yet");
                }
                // Suspensions whose days have run: the officer is back in service.
                match app::cases::suspensions::end_due(&refusals_db).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(officers = n, "suspensions ended"),
                    Err(e) => tracing::warn!(error = %e, "cannot end suspensions yet"),
                }
            }
        });
        // PostgreSQL's monthly partitions of pings: this month's and the
        // next two, now and every day (a batch that reaches into another
        // month makes that one itself).
        // And pings older than VIGIA_PING_RETENTION_DAYS are removed, daily.
        let partitions_db = state.db.clone();
        let retention = settings.ping_retention_days;
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
            loop {
                every.tick().await;
                if let Err(e) =
                    app::tracking::partitions::ensure_ahead(&partitions_db, app::time::now_ms())
                        .await
                {
                    tracing::warn!(error = %e, "cannot make the coming months' ping partitions yet");
                }
                if let Some(days) = retention {
                    if let Err(e) =
                        app::tracking::retention::apply(&partitions_db, days, app::time::now_ms())
                            .await
                    {
                        tracing::warn!(error = %e, "cannot remove expired pings yet");
                    }
                }
            }
        });
        let security = crate::security::SecurityConfig {
            public_origin: settings.public_url.clone(),
            allowed_hosts: settings.allowed_hosts.clone(),
            trusted_proxies: settings.trusted_proxies.clone(),
            https: settings.secure_cookies(),
        };
        // CJIS 5.5.5 and 5.6.2: sessions idle at most 30 minutes, 12 hours
        // in all. Longer ones are the deployment's choice, said in the log.
        if settings.session_idle > std::time::Duration::from_secs(30 * 60) {
            tracing::warn!(
                minutes = settings.session_idle.as_secs() / 60,
                "VIGIA_SESSION_IDLE_MINUTES is over CJIS's 30 minutes"
            );
        }
        if settings.session_max > std::time::Duration::from_secs(12 * 3600) {
            tracing::warn!(
                hours = settings.session_max.as_secs() / 3600,
                "VIGIA_SESSION_MAX_HOURS is over CJIS's 12 hours"
            );
        }
        // The machine API is outside the session layer: a session cookie
        // never authorizes it, and its requests never touch the session store.
        let router = router(state.clone())
            .layer(sessions.layer(settings))
            .merge(crate::api::routes().with_state(state))
            .layer(axum::middleware::from_fn_with_state(
                security,
                crate::security::middleware,
            ))
            // Our own limit (per path) replaces axum's 2 MB default, which
            // would otherwise cut large imports off inside the handler.
            .layer(axum::extract::DefaultBodyLimit::disable())
            .layer(axum::middleware::from_fn(crate::security::limit_body));
        Ok(Application {
            listener,
            router,
            stall_exit: settings.stall_exit,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn port(&self) -> u16 {
        self.address().port()
    }

    /// Serves until SIGINT or SIGTERM, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        // TCP_NODELAY: pages stream in several writes; without it the last
        // one waits for the client's delayed ACK (about 40 ms a page).
        use axum::serve::ListenerExt;
        let listener = self.listener.tap_io(|stream| {
            if let Err(e) = stream.set_nodelay(true) {
                tracing::debug!(error = %e, "cannot set TCP_NODELAY");
            }
        });
        if let Some(limit) = self.stall_exit {
            watch_workers(limit);
        }
        axum::serve(listener, service)
            .with_graceful_shutdown(shutdown_signal())
            .await
    }
}

/// Exits the process when no async worker has been free for `limit`.
/// With every worker stuck (a deadlock, a request that never yields)
/// nothing would answer again, not even `/healthz`, and the process would
/// not even stop on SIGTERM; exiting lets the service manager start a
/// server that answers. Status 70 (EX_SOFTWARE).
fn watch_workers(limit: std::time::Duration) {
    watch(limit, |stuck| {
        tracing::error!(
            seconds = stuck,
            "every async worker has been stuck for longer than VIGIA_STALL_EXIT_SECONDS: exiting so that the server is started again"
        );
        eprintln!("vigia: every async worker stuck for {stuck} s; exiting (status 70)");
        std::process::exit(70);
    });
}

/// Calls `on_stall` (with the seconds stuck) when the current runtime has
/// run none of its tasks for longer than `limit`: a task notes the time
/// every second, and a thread of its own checks it. Stops when the
/// runtime is shut down.
fn watch(limit: std::time::Duration, on_stall: impl Fn(u64) + Send + 'static) {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    let started = std::time::Instant::now();
    let seen = Arc::new(AtomicU64::new(0));
    let noted = seen.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        loop {
            tick.tick().await;
            noted.store(started.elapsed().as_secs(), Ordering::Relaxed);
        }
    });
    let spawned = std::thread::Builder::new()
        .name("vigia-watchdog".into())
        .spawn(move || loop {
            std::thread::sleep(std::time::Duration::from_secs(1));
            // The runtime was shut down (its tasks dropped): nothing to watch.
            if Arc::strong_count(&seen) == 1 {
                return;
            }
            let stuck = started
                .elapsed()
                .as_secs()
                .saturating_sub(seen.load(Ordering::Relaxed));
            if stuck > limit.as_secs() {
                on_stall(stuck);
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot start the stall watchdog");
    }
}

/// Leptos settings. cargo-leptos passes the site folder in LEPTOS_SITE_ROOT;
/// a server started by hand serves the build in target/site.
fn leptos_options(bound: SocketAddr) -> LeptosOptions {
    let site_root = std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into());
    LeptosOptions::builder()
        .output_name("vigia")
        .site_root(site_root)
        .site_pkg_dir("pkg")
        .site_addr(bound)
        .build()
}

/// Plain routes (not pages, not server functions) that serve a signed-in
/// person: each asks the policy through the session like a server function.
/// The router is built from this list and the RBAC sweep checks every entry,
/// so a new route cannot escape the sweep.
pub const SESSION_ROUTES: &[&str] = &[
    "/audit/export.csv",
    "/fleet/sla.csv",
    "/cases.csv",
    "/cases/{number}/documents/{id}",
];

fn session_route(path: &str) -> axum::routing::MethodRouter<AppState> {
    match path {
        "/audit/export.csv" => get(crate::audit_export::export_audit),
        "/fleet/sla.csv" => get(crate::audit_export::export_sla),
        "/cases.csv" => get(crate::audit_export::export_cases),
        "/cases/{number}/documents/{id}" => get(crate::audit_export::case_document),
        other => unreachable!("{other} is in SESSION_ROUTES without a handler"),
    }
}

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let site_root = std::path::PathBuf::from(&*options.site_root);
    let tile_origin = state.map_tiles.as_ref().map(|t| t.origin().to_string());
    let mut router = Router::new();
    for path in SESSION_ROUTES {
        router = router.route(path, session_route(path));
    }
    router
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        // The site's files (the wasm bundle, its script, the stylesheet, the
        // icon) are served as files, outside Leptos: its file handler looks
        // up response options through the worker thread's current reactive
        // owner, which can be a page still rendering on that thread, and so
        // gave a file that page's status (a 403 on /pkg/vigia.wasm) and took
        // its headers.
        .nest_service(
            "/pkg",
            tower_http::services::ServeDir::new(site_root.join(&*options.site_pkg_dir)),
        )
        .route_service(
            "/favicon.svg",
            tower_http::services::ServeFile::new(site_root.join("favicon.svg")),
        )
        .leptos_routes_with_context(
            &state,
            routes,
            // Pages and server functions alike: who is asking is looked up
            // once per request.
            move || {
                leptos::prelude::provide_context(app::identity::RequestMemo::default());
                if let Some(origin) = &tile_origin {
                    leptos::prelude::provide_context(app::layout::TileOrigin(origin.clone()));
                }
            },
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        // Each request's reactive work stays in its own task: see confine.rs
        // (a page's resources run on another thread otherwise, and Leptos's
        // locks can deadlock the server).
        .layer(axum::middleware::from_fn(crate::confine::confine))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// `200 ok` while the process serves.
async fn healthz() -> &'static str {
    "ok"
}

/// `200` when the database answers, `503` otherwise.
async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if state.db.is_ready().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    /// The watchdog stays quiet while the runtime runs its tasks, and
    /// speaks once its only worker is stuck.
    #[test]
    fn the_watchdog_notices_a_stuck_runtime_and_only_then() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        rt.block_on(async {
            super::watch(Duration::from_secs(3), move |stuck| {
                // The test may have ended (its receiver gone): nothing to tell.
                tx.send(stuck).ok();
            });
            tokio::time::sleep(Duration::from_secs(5)).await;
            assert!(rx.try_recv().is_err(), "a free runtime is not stuck");
            // The only worker blocked, as by a deadlock.
            std::thread::sleep(Duration::from_secs(7));
        });
        let stuck = rx.try_recv().expect("the stuck runtime was noticed");
        assert!(stuck > 3, "{stuck}");
    }
}
