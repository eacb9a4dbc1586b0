//! The spine's guarantees, as a user or an auditor would notice them: who
//! the trail names, what is sealed at rest, what one clock does, which
//! reads are recorded.

mod common;

use app::identity::Role;
use app::officers::OfficerProfile;
use app::time::TestClock;
use common::{create_user, spawn_app};

/// Audit records of `action`: (actor kind, actor label, details).
async fn records(t: &common::TestDb, action: &str) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "SELECT actor_kind, actor_label, details FROM audit_log WHERE action = $1 ORDER BY seq",
    )
    .bind(action)
    .fetch_all(t.db.pool_for_tests())
    .await
    .unwrap()
}

on_both_backends! {
    /// Every record the demo loader leaves names the demo loader, never the
    /// control center's client, which sent nothing.
    async fn the_demo_loader_signs_its_own_records(t: TestDb) {
        server::demo::load(&t.db, server::demo::Scale::Small, 2013).await.unwrap();
        let actors: Vec<(String, String)> = sqlx::query_as(
            "SELECT DISTINCT actor_kind, actor_label FROM audit_log",
        )
        .fetch_all(t.db.pool_for_tests())
        .await
        .unwrap();
        assert_eq!(actors, vec![("demo".to_string(), "demo-data".to_string())]);
        let loaded = records(&t, "demo_data.loaded").await;
        assert_eq!(loaded.len(), 1);
        assert!(loaded[0].2.contains("\"officers\":4000"), "{}", loaded[0].2);
        assert!(!records(&t, "ingest.integrity_conflict").await.is_empty());
        match app::audit::verify(&t.db).await.unwrap() {
            app::audit::Verification::Intact { .. } => {}
            broken => panic!("{broken:?}"),
        }
    }
}

on_both_backends! {
    /// A supervisor sees the national ID and the reading is recorded; an
    /// investigator sees it masked and nothing is recorded.
    async fn unmasking_a_national_id_is_an_audited_read(t: TestDb) {
        server::demo::load(&t.db, server::demo::Scale::Small, 2013).await.unwrap();
        let badge: String = sqlx::query_scalar(
            "SELECT badge_number FROM officers WHERE national_id IS NOT NULL ORDER BY badge_number LIMIT 1",
        )
        .fetch_one(t.db.pool_for_tests())
        .await
        .unwrap();
        let sup_pw = create_user(&t.db, "sup", &[Role::Supervisor]).await;
        let inv_pw = create_user(&t.db, "inv", &[Role::Investigator]).await;
        let app = spawn_app(&t).await;

        let inv = app.signed_in("inv", &inv_pw).await;
        let file: OfficerProfile = app
            .call(&inv, "get_officer", &[("badge_number", &badge)])
            .await
            .json()
            .await
            .unwrap();
        assert!(file.national_id_masked);
        assert!(file.national_id.unwrap().starts_with('•'));
        assert!(records(&t, "officer.national_id_read").await.is_empty());

        let sup = app.signed_in("sup", &sup_pw).await;
        let file: OfficerProfile = app
            .call(&sup, "get_officer", &[("badge_number", &badge)])
            .await
            .json()
            .await
            .unwrap();
        assert!(!file.national_id_masked);
        let shown = file.national_id.unwrap();
        assert!(shown.chars().all(|c| c.is_ascii_digit() || c == ' ') && !shown.is_empty(), "{shown}");
        let read = records(&t, "officer.national_id_read").await;
        assert_eq!(read.len(), 1);
        assert_eq!((read[0].0.as_str(), read[0].1.as_str()), ("user", "sup"));
    }
}

on_both_backends! {
    /// A second factor's secret is never stored as it was shown: not in the
    /// accounts table, not in the session store; one stored in plain text
    /// before sealing existed is sealed at start, and still signs in.
    async fn second_factor_secrets_are_sealed_at_rest(t: TestDb) {
        let pw = create_user(&t.db, "old", &[Role::Supervisor]).await;
        // As an older Vigía left it: the secret in plain text.
        sqlx::query("UPDATE users SET totp_secret = $1 WHERE username = 'old'")
            .bind(common::TEST_TOTP_SECRET)
            .execute(t.db.pool_for_tests())
            .await
            .unwrap();
        let app = spawn_app(&t).await;
        let stored: String = sqlx::query_scalar("SELECT totp_secret FROM users WHERE username = 'old'")
            .fetch_one(t.db.pool_for_tests())
            .await
            .unwrap();
        assert!(stored.starts_with("v1:"), "{stored}");
        assert!(!stored.contains(common::TEST_TOTP_SECRET));
        assert_eq!(records(&t, "secrets.sealed").await.len(), 1);
        // Signing in with the sealed factor still works.
        app.signed_in("old", &pw).await;

        // A new enrolment: the pending secret and the confirmed one, sealed.
        let new_pw = common::create_user_without_totp(&t.db, "new", &[Role::Investigator]).await;
        let client = app.signed_in("new", &new_pw).await;
        let enrolment: app::identity::TotpEnrolment =
            app.call(&client, "begin_totp", &[]).await.json().await.unwrap();
        let table = match t.backend() {
            app::store::Backend::Sqlite => "tower_sessions",
            app::store::Backend::Postgres => "tower_sessions.session",
        };
        let sessions: Vec<Vec<u8>> = sqlx::query_scalar(&format!("SELECT data FROM {table}"))
            .fetch_all(t.db.pool_for_tests())
            .await
            .unwrap();
        assert!(!sessions.is_empty());
        let secret = enrolment.secret.as_bytes();
        assert!(
            sessions.iter().all(|s| !s.windows(secret.len()).any(|w| w == secret)),
            "the pending secret is sealed in the session store"
        );
        let step = app::identity::totp::step_of(app::time::now_ms() / 1000);
        let code = app::identity::totp::code_for_step(
            &app::identity::totp::base32_decode(&enrolment.secret).unwrap(),
            step,
        );
        assert_eq!(app.call(&client, "confirm_totp", &[("code", &code)]).await.status(), 200);
        let stored: String = sqlx::query_scalar("SELECT totp_secret FROM users WHERE username = 'new'")
            .fetch_one(t.db.pool_for_tests())
            .await
            .unwrap();
        assert!(stored.starts_with("v1:") && !stored.contains(&enrolment.secret));
    }
}

on_both_backends! {
    /// The absolute session limit, tested by moving the clock, not by
    /// waiting twelve hours.
    async fn a_session_ends_twelve_hours_after_sign_in_by_the_clock(t: TestDb) {
        let pw = create_user(&t.db, "ana", &[Role::Investigator]).await;
        let clock = TestClock::now();
        let app = spawn_app(&t).await;
        let client = app.signed_in("ana", &pw).await;
        let me = app.call(&client, "who_am_i", &[]).await;
        assert_eq!(me.status(), 200);
        assert!(me.json::<Option<app::identity::CurrentUser>>().await.unwrap().is_some());
        clock.advance(11 * 3_600_000);
        assert_eq!(app.call(&client, "list_units", &[]).await.status(), 200, "still signed in after 11 h");
        clock.advance(3_600_000 + 60_000);
        assert_eq!(app.call(&client, "list_units", &[]).await.status(), 401, "signed out after 12 h");
        let me: Option<app::identity::CurrentUser> =
            app.call(&client, "who_am_i", &[]).await.json().await.unwrap();
        assert!(me.is_none());
    }
}

on_both_backends! {
    /// A flood of refused machine-API requests leaves one audit record per
    /// sender, reason and minute, with the count.
    async fn refused_api_requests_are_audited_once_a_minute_per_sender(t: TestDb) {
        let clock = TestClock::at(1_800_000_000_000);
        let app = spawn_app(&t).await;
        for _ in 0..300 {
            let res = app
                .client
                .post(app.url("/api/v1/ingest/footage"))
                .header("authorization", "Bearer vgt_not_a_token")
                .header("content-type", "application/json")
                .body("[]")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 401);
        }
        // The minute is still open: nothing recorded yet.
        assert_eq!(app::admin::clients::store::record_refusal_windows(&t.db).await.unwrap(), 0);
        clock.advance(60_000);
        let res = app
            .client
            .post(app.url("/api/v1/ingest/footage"))
            .body("[]")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
        clock.advance(60_000);
        assert_eq!(app::admin::clients::store::record_refusal_windows(&t.db).await.unwrap(), 2);
        let refused = records(&t, "api.requests_refused").await;
        assert_eq!(refused.len(), 2, "{refused:?}");
        assert!(refused[0].2.contains("\"reason\":\"unknown\"") && refused[0].2.contains("\"refused\":300"), "{}", refused[0].2);
        assert!(refused[1].2.contains("\"reason\":\"missing\"") && refused[1].2.contains("\"refused\":1"), "{}", refused[1].2);
        // Recorded once: running again writes nothing more.
        assert_eq!(app::admin::clients::store::record_refusal_windows(&t.db).await.unwrap(), 0);
        match app::audit::verify(&t.db).await.unwrap() {
            app::audit::Verification::Intact { .. } => {}
            broken => panic!("{broken:?}"),
        }
    }
}

on_both_backends! {
    /// The fleet board says when it was read in the configured zone, not
    /// in UTC.
    async fn the_fleet_board_shows_the_configured_zone(t: TestDb) {
        let pw = create_user(&t.db, "mon", &[Role::Monitor]).await;
        let _clock = TestClock::at(1_800_000_000_000); // 2027-01-15T08:00:00Z
        let app = spawn_app(&t).await;
        let client = app.signed_in("mon", &pw).await;
        let board: app::fleet::board::BoardView =
            app.call(&client, "fleet_board", &[]).await.json().await.unwrap();
        assert_eq!(board.at_local, "2027-01-15 02:00 CST");
    }
}
