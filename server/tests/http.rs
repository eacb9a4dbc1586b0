//! The running server: service endpoints, the status page and its server
//! function, on both backends.

mod common;

use app::identity::Role;
use common::{create_user, spawn_app};

on_both_backends! {
    /// /healthz answers while the process serves; /readyz follows the database.
    async fn health_and_readiness(t: TestDb) {
        let app = spawn_app(&t).await;
        let health = app.client.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(health.status(), 200);
        assert_eq!(health.text().await.unwrap(), "ok");

        let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
        assert_eq!(ready.status(), 200);

        app.db.close().await;
        let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
        assert_eq!(ready.status(), 503, "readyz must fail when the database is gone");
        let health = app.client.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(health.status(), 200, "the process still serves");
    }
}

on_both_backends! {
    /// The status page, rendered on the server, shows the counts in Spanish
    /// by default and in English when the language cookie says so.
    async fn status_page_shows_the_counts(t: TestDb) {
        server::demo::load(&t.db, server::demo::Scale::Small, 2013).await.unwrap();
        let password = create_user(&t.db, "ana", &[Role::Investigator]).await;
        let app = spawn_app(&t).await;
        let (client, jar) = app.browser_with_jar();
        let res = app.call(&client, "sign_in", &[("username", "ana"), ("password", &password)]).await;
        assert_eq!(res.status(), 200);

        let page = client.get(app.url("/"))
            .header("accept-language", "en-US,en;q=0.9")
            .send().await.unwrap();
        assert_eq!(page.status(), 200);
        // Hydration markers (`<!>`) vary with build flags; the text does not.
        let html = page.text().await.unwrap().replace("<!>", "");
        assert!(html.contains("<html lang=\"es\""), "Spanish by default, whatever the browser asks");
        assert!(html.contains("Estado del sistema"));
        assert!(html.contains("<dd class=\"stat-value\">4,000</dd>"), "officers count");
        assert!(html.contains("<dd class=\"stat-value\">1,300</dd>"), "vehicles count");
        assert!(html.contains("<dd class=\"stat-value\">2,600</dd>"), "cameras count");
        assert!(html.contains(t.backend().name()), "backend named");

        jar.add_cookie_str("i18n_pref_locale=en; Path=/", &app.address.parse().unwrap());
        let english = client.get(app.url("/"))
            .send().await.unwrap().text().await.unwrap().replace("<!>", "");
        assert!(english.contains("<html lang=\"en\""));
        assert!(english.contains("System status"));
        assert!(english.contains("Patrol cars"));
    }
}

on_both_backends! {
    /// The server function answers with the counts as JSON.
    async fn get_status_server_function(t: TestDb) {
        server::demo::load(&t.db, server::demo::Scale::Small, 7).await.unwrap();
        let password = create_user(&t.db, "mon", &[Role::Monitor]).await;
        let app = spawn_app(&t).await;
        let client = app.signed_in("mon", &password).await;
        let res = app.call(&client, "get_status", &[]).await;
        assert_eq!(res.status(), 200);
        let status: app::status::SystemStatus = res.json().await.unwrap();
        assert_eq!(status.regions, 22);
        assert_eq!(status.officers, 4_000);
        assert_eq!(status.vehicles, 1_300);
        assert_eq!(status.cameras, 2_600);
        assert_eq!(status.badges, 4_000);
        assert_eq!(status.backend, t.backend().name());
        assert_eq!(status.backend_version, None, "the database's version is not a monitor's to know");

        // Administrators and auditors, who keep and check the system, see it.
        let auditor = create_user(&t.db, "aud", &[Role::Auditor]).await;
        let client = app.signed_in("aud", &auditor).await;
        let status: app::status::SystemStatus = app.call(&client, "get_status", &[]).await.json().await.unwrap();
        assert_eq!(status.backend_version, Some(t.db.server_version().await.unwrap()));
    }
}

on_both_backends! {
    /// An unknown address is a 404 page, not an empty 200.
    async fn unknown_pages_are_404(t: TestDb) {
        let app = spawn_app(&t).await;
        let res = app.client.get(app.url("/no-such-page")).send().await.unwrap();
        assert_eq!(res.status(), 404);
        assert!(res.text().await.unwrap().contains("Página no encontrada"));
    }
}

on_both_backends! {
    /// Every response carries the security headers; pages get a CSP whose
    /// script nonce matches the page's own scripts.
    async fn security_headers(t: TestDb) {
        let app = spawn_app(&t).await;
        let page = app.client.get(app.url("/sign-in")).send().await.unwrap();
        let h = page.headers().clone();
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "same-origin");
        assert_eq!(h["cache-control"], "no-store");
        let csp = h["content-security-policy"].to_str().unwrap().to_string();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("http"), "no outside sources: {csp}");
        let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_string();
        let html = page.text().await.unwrap();
        assert!(html.contains(&format!("nonce=\"{nonce}\"")), "the page's scripts carry the header's nonce");

        let rpc = app.browser().post(app.url("/rpc/who_am_i")).send().await.unwrap();
        assert_eq!(rpc.headers()["content-security-policy"], "default-src 'none'; frame-ancestors 'none'; base-uri 'none'");
        assert_eq!(rpc.headers()["cache-control"], "no-store");
    }
}

on_both_backends! {
    /// A state-changing request from another site is refused before it
    /// reaches any server function.
    async fn cross_site_posts_are_refused(t: TestDb) {
        let password = create_user(&t.db, "ana", &[Role::Investigator]).await;
        let app = spawn_app(&t).await;
        let evil = app.client.post(app.url("/rpc/sign_in"))
            .header("origin", "https://evil.example")
            .form(&[("username", "ana"), ("password", password.as_str())])
            .send().await.unwrap();
        assert_eq!(evil.status(), 403);
        assert!(evil.text().await.unwrap().contains("cross-site request refused"));
        let no_origin = app.client.post(app.url("/rpc/sign_in"))
            .form(&[("username", "ana"), ("password", password.as_str())])
            .send().await.unwrap();
        assert_eq!(no_origin.status(), 403, "no Origin and no Referer: refused");
        let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'sign_in'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(sessions, 0, "the refused requests signed nobody in");
        app.signed_in("ana", &password).await;
    }
}

on_both_backends! {
    /// Oversized request bodies are refused.
    async fn request_bodies_are_bounded(t: TestDb) {
        let app = spawn_app(&t).await;
        let big = "x".repeat(server::security::MAX_BODY_BYTES + 1);
        let res = app.browser().post(app.url("/rpc/sign_in"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("username=a&password={big}"))
            .send().await.unwrap();
        assert_eq!(res.status(), 413);
    }
}

/// The site's files are served as files, whatever page is being rendered
/// at the same moment. A page rendering on the same thread (here pages that
/// wait for the database, on the test's one-thread runtime) once lent its
/// status and headers to a file fetched meanwhile: Leptos's file handler
/// took the thread's current reactive owner as the file's. That is how a
/// `/pkg/vigia.wasm` came back `403` in a CI run.
#[tokio::test]
async fn site_files_keep_their_own_status_while_pages_render() {
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(site.path().join("pkg")).unwrap();
    std::fs::write(site.path().join("pkg/vigia.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(site.path().join("favicon.svg"), b"<svg/>").unwrap();
    std::env::set_var("LEPTOS_SITE_ROOT", site.path());
    let t = common::TestDb::sqlite().await;
    // A monitor may not see officer files: that page answers 403.
    let password = create_user(&t.db, "mona", &[Role::Monitor]).await;
    let app = spawn_app(&t).await;
    let monitor = app.signed_in("mona", &password).await;

    let mut pages = tokio::task::JoinSet::new();
    let mut files = tokio::task::JoinSet::new();
    for i in 0..40 {
        if i % 2 == 0 {
            let path = if i % 4 == 0 {
                "/no-such-page"
            } else {
                "/officers"
            };
            pages.spawn(monitor.get(app.url(path)).send());
        }
        files.spawn(monitor.get(app.url("/pkg/vigia.wasm")).send());
    }
    while let Some(page) = pages.join_next().await {
        let status = page.unwrap().unwrap().status().as_u16();
        assert!(matches!(status, 403 | 404), "{status}");
    }
    while let Some(wasm) = files.join_next().await {
        let wasm = wasm.unwrap().unwrap();
        assert_eq!(wasm.status(), 200);
        assert_eq!(wasm.headers()["content-type"], "application/wasm");
        assert!(
            wasm.headers().get("set-cookie").is_none(),
            "no page's cookie on a file"
        );
        assert_eq!(wasm.bytes().await.unwrap().as_ref(), b"\0asm\x01\0\0\0");
    }
    let icon = app
        .client
        .get(app.url("/favicon.svg"))
        .send()
        .await
        .unwrap();
    assert_eq!(icon.status(), 200);
    let missing = app
        .client
        .get(app.url("/pkg/nothing.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}
