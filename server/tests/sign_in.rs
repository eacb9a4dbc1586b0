//! Signing in and out over HTTP, on both backends: lockout, session
//! rotation and expiry, sign-out, cookie flags.

mod common;

use std::time::Duration;

use app::identity::Role;
use common::{create_user, spawn_app, spawn_app_with, TestDb};

async fn audit_actions(t: &TestDb) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM audit_log ORDER BY seq")
        .fetch_all(t.db.pool_for_tests())
        .await
        .unwrap()
}

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("vigia_session=") || v.starts_with("__Host-vigia_session="))
        .map(str::to_string)
}

on_both_backends! {
    /// A right password opens a session, audited; the status needs one.
    async fn sign_in_opens_a_session(t: TestDb) {
        let password = create_user(&t.db, "ana", &[Role::Investigator]).await;
        let app = spawn_app(&t).await;
        let anonymous = app.browser();
        let res = app.call(&anonymous, "get_status", &[]).await;
        assert_eq!(res.status(), 401, "the status page needs a session");

        let client = app.signed_in("Ana", &password).await; // usernames ignore case
        let me: Option<app::identity::CurrentUser> =
            app.call(&client, "who_am_i", &[]).await.json().await.unwrap();
        assert_eq!(me.unwrap().roles, vec![Role::Investigator]);
        assert_eq!(app.call(&client, "get_status", &[]).await.status(), 200);
        assert!(audit_actions(&t).await.contains(&"sign_in".to_string()));
    }
}

on_both_backends! {
    /// The session cookie is HttpOnly and SameSite=Strict; Secure, named
    /// `__Host-…` and with HSTS when the public address is https.
    async fn cookie_flags(t: TestDb) {
        let password = create_user(&t.db, "ana", &[Role::Auditor]).await;
        let app = spawn_app(&t).await;
        let res = app.call(&app.browser(), "sign_in", &[("username", "ana"), ("password", &password)]).await;
        let cookie = session_cookie(&res).expect("a session cookie");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Strict"), "{cookie}");
        assert!(!cookie.contains("Secure"), "plain http: {cookie}");

        assert!(cookie.starts_with("vigia_session="), "{cookie}");
        assert!(!res.headers().contains_key("strict-transport-security"), "no HSTS over plain http");

        // Served over https (behind a TLS proxy: the public address says
        // so): Secure, a `__Host-` name, and HSTS on every answer.
        let secure = spawn_app_with(&t, |s| s.public_url = Some("https://vigia.example.gt".into())).await;
        let res = secure.call(&secure.browser(), "sign_in", &[("username", "ana"), ("password", &password)]).await;
        let cookie = session_cookie(&res).unwrap();
        assert!(cookie.starts_with("__Host-vigia_session=") && cookie.contains("Secure") && cookie.contains("Path=/"), "{cookie}");
        assert!(!cookie.contains("Domain"), "{cookie}");
        assert_eq!(res.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains");
    }
}

const MINUTE: i64 = 60_000;

/// The closed minutes of failed sign-ins, written to the trail now (as the
/// server's job does every minute): the clock moves past the minute first.
async fn flush_failures(t: &TestDb, clock: &app::time::TestClock) -> usize {
    clock.advance(MINUTE);
    app::identity::lockout::record_failure_windows(&t.db)
        .await
        .unwrap()
}

/// The trail's failed sign-ins: (object type, object id, reason, count).
async fn failed_sign_ins(t: &TestDb) -> Vec<(String, String, String, i64)> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT object_type, object_id, details FROM audit_log WHERE action = 'sign_in.failed' ORDER BY seq",
    )
    .fetch_all(t.db.pool_for_tests())
    .await
    .unwrap();
    rows.into_iter()
        .map(|(kind, id, details)| {
            let d: serde_json::Value = serde_json::from_str(&details).unwrap();
            (
                kind,
                id,
                d["reason"].as_str().unwrap().to_string(),
                d["failures"].as_i64().unwrap(),
            )
        })
        .collect()
}

on_both_backends! {
    /// Five wrong passwords lock the account for 15 minutes; even the right
    /// one is refused meanwhile, with the same plain message as an unknown
    /// user, and the account's open session keeps working. The lock ends by
    /// itself; the next lock in a row lasts twice as long; an operator can
    /// lift one at once. Failures reach the trail as one record a minute.
    async fn failures_lock_the_account_for_a_time_that_grows(t: TestDb) {
        let clock = app::time::TestClock::now();
        let password = create_user(&t.db, "beto", &[Role::Investigator]).await;
        let app = spawn_app(&t).await;
        let open = app.signed_in("beto", &password).await;
        let client = app.browser();
        let wrong = |client: &reqwest::Client| {
            let client = client.clone();
            let app = &app;
            async move { app.call(&client, "sign_in", &[("username", "beto"), ("password", "not the password")]).await }
        };
        let unknown = app.call(&client, "sign_in", &[("username", "nobody"), ("password", "whatever it is")]).await;
        assert_eq!(unknown.status(), 401);
        let unknown_body = unknown.text().await.unwrap();
        for _ in 0..5 {
            let res = wrong(&client).await;
            assert_eq!(res.status(), 401);
            assert_eq!(res.text().await.unwrap(), unknown_body, "refusals must not differ");
        }
        let form = [("username", "beto"), ("password", password.as_str())];
        let right = || app.call(&client, "sign_in", &form);
        let locked = right().await;
        assert_eq!(locked.status(), 401, "a locked account stays locked with the right password");
        assert_eq!(locked.text().await.unwrap(), unknown_body);
        assert_eq!(app.call(&open, "get_status", &[]).await.status(), 200, "a failure lock does not sign its owner out");

        let locks: Vec<String> = sqlx::query_scalar("SELECT details FROM audit_log WHERE action = 'account.locked' AND actor_kind = 'system'")
            .fetch_all(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(locks.len(), 1);
        assert!(locks[0].contains("\"minutes\":15"), "{}", locks[0]);

        // Over by itself after 15 minutes.
        clock.advance(14 * MINUTE);
        assert_eq!(right().await.status(), 401, "still locked at 14 minutes");
        clock.advance(MINUTE + 1_000);
        assert_eq!(right().await.status(), 200, "the lock ended by itself");

        // The trail: one record per account, reason and minute, with the
        // count; the unknown name is not kept, only the address.
        flush_failures(&t, &clock).await;
        let failed = failed_sign_ins(&t).await;
        assert!(failed.contains(&("user".into(), "beto".into(), "wrong password".into(), 5)), "{failed:?}");
        assert!(failed.contains(&("address".into(), "".into(), "unknown user".into(), 1)), "{failed:?}");
        assert!(failed.iter().any(|f| f.1 == "beto" && f.2 == "account locked"), "{failed:?}");
        let typed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE object_id LIKE '%nobody%' OR details LIKE '%nobody%'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(typed, 0, "a name that is no account is not kept");

        // The good sign-in started the count anew: a lock later is the
        // first again. Two locks in a row: 15 minutes, then 30.
        for _ in 0..5 { wrong(&client).await; }
        clock.advance(15 * MINUTE + 1_000);
        for _ in 0..5 { wrong(&client).await; }
        let locks: Vec<String> = sqlx::query_scalar("SELECT details FROM audit_log WHERE action = 'account.locked' ORDER BY seq")
            .fetch_all(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(locks.len(), 3, "{locks:?}");
        assert!(locks[1].contains("\"minutes\":15") && locks[2].contains("\"minutes\":30"), "{locks:?}");
        clock.advance(16 * MINUTE);
        assert_eq!(right().await.status(), 401, "the second lock in a row lasts 30 minutes");

        let operator = app::policy::authorize(&app::identity::console_operator(), app::policy::act::ManageUsers, app::policy::Object::Any).unwrap();
        app::identity::store::unlock_user(&t.db, &operator, "test", "beto").await.unwrap();
        assert_eq!(right().await.status(), 200, "unlocked at once");
        assert!(audit_actions(&t).await.contains(&"account.unlocked".to_string()));
        assert!(matches!(app::audit::verify(&t.db).await.unwrap(), app::audit::Verification::Intact { .. }));
    }
}

on_both_backends! {
    /// One address guessing across many names is slowed: past 20 failures
    /// in its 15-minute window it is answered 429 with Retry-After, even
    /// with a right password, until the window ends; another address is
    /// not.
    async fn one_address_guessing_many_names_is_slowed(t: TestDb) {
        let clock = app::time::TestClock::at(1_800_000_000_000); // the start of a 15-minute window
        let password = create_user(&t.db, "ana", &[Role::Investigator]).await;
        let app = spawn_app(&t).await;
        let client = app.browser();
        for i in 0..20 {
            let name = format!("guess{i}");
            let res = app.call(&client, "sign_in", &[("username", &name), ("password", "password guess")]).await;
            assert_eq!(res.status(), 401);
        }
        let throttled = app.call(&client, "sign_in", &[("username", "ana"), ("password", &password)]).await;
        assert_eq!(throttled.status(), 429);
        let wait: i64 = throttled.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=900).contains(&wait), "{wait}");
        let error: app::error::AppError = throttled.json().await.unwrap();
        assert_eq!(error.message(app::i18n::Locale::es), "Demasiados intentos fallidos desde esta dirección: vuelva a intentarlo dentro de 15 min.");

        // Another address signs in meanwhile.
        let anonymous = app::policy::authorize(&app::policy::Principal::ANONYMOUS, app::policy::act::SignIn, app::policy::Object::Any).unwrap();
        let key = app::sealed::SecretKey::from_bytes([7; 32]);
        let other = app::identity::store::sign_in(&t.db, &anonymous, &key,
            app::identity::store::Credentials { username: "ana", password: &password, code: None },
            "192.0.2.7", &[]).await;
        assert!(other.is_ok(), "{other:?}");

        clock.advance(15 * MINUTE);
        let res = app.call(&client, "sign_in", &[("username", "ana"), ("password", &password)]).await;
        assert_eq!(res.status(), 200, "the next window starts afresh");
    }
}

on_both_backends! {
    /// Parallel guesses cannot pass the limit: of 20 wrong passwords sent
    /// at once, at most five are checked; the rest find the account locked.
    async fn parallel_guesses_cannot_pass_five(t: TestDb) {
        let clock = app::time::TestClock::now();
        create_user(&t.db, "carla", &[Role::Admin]).await;
        let app = spawn_app(&t).await;
        let tries = (0..20).map(|i| {
            let client = app.browser();
            let app = &app;
            async move {
                let password = format!("wrong guess number {i}");
                app.call(&client, "sign_in", &[("username", "carla"), ("password", &password)]).await.status()
            }
        });
        let answers = futures::future::join_all(tries).await;
        assert!(answers.iter().all(|s| *s == 401 || *s == 429), "{answers:?}");
        flush_failures(&t, &clock).await;
        let failed = failed_sign_ins(&t).await;
        let checked: i64 = failed.iter().filter(|f| f.2 == "wrong password").map(|f| f.3).sum();
        assert!((1..=5).contains(&checked), "{checked} passwords checked: {failed:?}");
        let locks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'account.locked'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert!(locks <= 1, "{locks}");
    }
}

on_both_backends! {
    /// Passwords are checked a few at a time (argon2 takes 19 MiB each):
    /// when every turn stays taken, a sign-in is answered 503, not queued
    /// for ever.
    async fn a_busy_server_turns_sign_ins_away(t: TestDb) {
        let password = create_user(&t.db, "ana", &[Role::Investigator]).await;
        let app = spawn_app(&t).await;
        let held = app::identity::password::hold_every_check().await;
        let res = app.call(&app.browser(), "sign_in", &[("username", "ana"), ("password", &password)]).await;
        assert_eq!(res.status(), 503);
        let error: app::error::AppError = res.json().await.unwrap();
        assert!(error.message(app::i18n::Locale::es).contains("ocupado"), "{error:?}");
        drop(held);
        app.signed_in("ana", &password).await;
    }
}

on_both_backends! {
    /// Ten thousand failed sign-ins from outside (names that cannot exist,
    /// names that are no account, wrong passwords for a real one, from five
    /// addresses) leave a bounded trail of small records, none of them
    /// holding what was typed.
    async fn ten_thousand_failed_sign_ins_leave_a_bounded_trail(t: TestDb) {
        let clock = app::time::TestClock::now();
        create_user(&t.db, "dora", &[Role::Auditor]).await;
        let anonymous = app::policy::authorize(&app::policy::Principal::ANONYMOUS, app::policy::act::SignIn, app::policy::Object::Any).unwrap();
        let key = app::sealed::SecretKey::from_bytes([7; 32]);
        let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(t.db.pool_for_tests()).await.unwrap();
        for i in 0..10_000 {
            let ip = format!("198.51.100.{}", i % 5);
            let (username, password) = match i % 4 {
                0 => ("correct horse battery staple".to_string(), "x".to_string()), // a password typed as a name
                1 => (format!("hunter2secret{i}"), "x".to_string()),
                2 => ("dora".to_string(), format!("guess {i}")),
                _ => ("x".repeat(300), "y".to_string()),
            };
            let answer = app::identity::store::sign_in(&t.db, &anonymous, &key,
                app::identity::store::Credentials { username: &username, password: &password, code: None },
                &ip, &[]).await;
            assert!(matches!(answer, Err(app::error::AppError::SignInRefused | app::error::AppError::TooManyAttempts { .. })), "{answer:?}");
        }
        flush_failures(&t, &clock).await;
        let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(t.db.pool_for_tests()).await.unwrap();
        let grew = after - before;
        assert!((1..=40).contains(&grew), "the trail grew by {grew} records");
        let largest: i64 = sqlx::query_scalar("SELECT MAX(LENGTH(details) + LENGTH(object_id)) FROM audit_log")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert!(largest < 400, "a record of {largest} bytes");
        let typed: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE details LIKE '%horse%' OR object_id LIKE '%horse%' \
             OR details LIKE '%hunter2%' OR object_id LIKE '%hunter2%' OR details LIKE '%xxxx%'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(typed, 0, "nothing typed is kept");
        let counted: i64 = failed_sign_ins(&t).await.iter().map(|f| f.3).sum();
        assert_eq!(counted, 10_000, "every failure is counted in some record");
        assert!(matches!(app::audit::verify(&t.db).await.unwrap(), app::audit::Verification::Intact { .. }));
    }
}

on_both_backends! {
    /// Signing in gives a new session id; the old one is worth nothing.
    async fn sign_in_rotates_the_session_id(t: TestDb) {
        let password = create_user(&t.db, "ana", &[Role::Investigator]).await;
        let app = spawn_app(&t).await;
        let first = app.call(&app.browser(), "sign_in", &[("username", "ana"), ("password", &password)]).await;
        let old = session_cookie(&first).unwrap();
        let old_pair = old.split(';').next().unwrap().to_string();

        // Sign in again while presenting the old cookie.
        let again = app.client.post(app.url("/rpc/sign_in"))
            .header("cookie", &old_pair)
            .header("origin", &app.address)
            .form(&[("username", "ana"), ("password", password.as_str())])
            .send().await.unwrap();
        assert_eq!(again.status(), 200);
        let new_pair = session_cookie(&again).unwrap().split(';').next().unwrap().to_string();
        assert_ne!(old_pair, new_pair, "the session id must change at sign-in");

        let stale = app.client.post(app.url("/rpc/get_status"))
            .header("cookie", &old_pair).header("origin", &app.address)
            .send().await.unwrap();
        assert_eq!(stale.status(), 401, "the old id no longer opens anything");
        let fresh = app.client.post(app.url("/rpc/get_status"))
            .header("cookie", &new_pair).header("origin", &app.address)
            .send().await.unwrap();
        assert_eq!(fresh.status(), 200);
    }
}

on_both_backends! {
    /// Signing out ends the session on the server: the cookie, replayed,
    /// opens nothing.
    async fn sign_out_ends_the_session_on_the_server(t: TestDb) {
        let password = create_user(&t.db, "ana", &[Role::Investigator]).await;
        let app = spawn_app(&t).await;
        let res = app.call(&app.browser(), "sign_in", &[("username", "ana"), ("password", &password)]).await;
        let pair = session_cookie(&res).unwrap().split(';').next().unwrap().to_string();
        let call = |endpoint: &'static str| {
            app.client.post(app.url(&format!("/rpc/{endpoint}")))
                .header("cookie", &pair).header("origin", &app.address)
                .send()
        };
        assert_eq!(call("get_status").await.unwrap().status(), 200);
        assert_eq!(call("sign_out").await.unwrap().status(), 200);
        assert_eq!(call("get_status").await.unwrap().status(), 401, "a replayed cookie after sign-out");
        assert!(audit_actions(&t).await.contains(&"sign_out".to_string()));
    }
}

on_both_backends! {
    /// A session ends after the idle time without requests…
    async fn idle_sessions_expire(t: TestDb) {
        let password = create_user(&t.db, "ana", &[Role::Investigator]).await;
        let app = spawn_app_with(&t, |s| s.session_idle = Duration::from_secs(2)).await;
        let client = app.signed_in("ana", &password).await;
        assert_eq!(app.call(&client, "get_status", &[]).await.status(), 200);
        tokio::time::sleep(Duration::from_millis(3_200)).await;
        assert_eq!(app.call(&client, "get_status", &[]).await.status(), 401);
    }
}

on_both_backends! {
    /// …but not while it is in use: each request (at most every thirtieth
    /// of the idle time) pushes the idle expiry forward, in the store and
    /// in the cookie.
    async fn sessions_in_use_stay_open_past_the_idle_time(t: TestDb) {
        let password = create_user(&t.db, "ana", &[Role::Investigator]).await;
        let app = spawn_app_with(&t, |s| s.session_idle = Duration::from_secs(2)).await;
        let client = app.signed_in("ana", &password).await;
        for _ in 0..8 {
            tokio::time::sleep(Duration::from_millis(500)).await;
            assert_eq!(app.call(&client, "get_status", &[]).await.status(), 200, "signed out while active");
        }
        // Four seconds in use: twice the idle time.
        tokio::time::sleep(Duration::from_millis(2_500)).await;
        assert_eq!(app.call(&client, "get_status", &[]).await.status(), 401);
    }
}

on_both_backends! {
    /// …and after the absolute lifetime, even when in use all along.
    async fn sessions_end_after_their_absolute_lifetime(t: TestDb) {
        let password = create_user(&t.db, "ana", &[Role::Investigator]).await;
        let app = spawn_app_with(&t, |s| s.session_max = Duration::from_secs(2)).await;
        let client = app.signed_in("ana", &password).await;
        for _ in 0..3 {
            assert_eq!(app.call(&client, "get_status", &[]).await.status(), 200);
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        tokio::time::sleep(Duration::from_millis(1_000)).await;
        assert_eq!(app.call(&client, "get_status", &[]).await.status(), 401);
    }
}

on_both_backends! {
    /// An auditor's crafted write is a clear 403 and writes nothing; the
    /// refusal itself is audited.
    async fn an_auditors_write_is_refused(t: TestDb) {
        let password = create_user(&t.db, "aud", &[Role::Auditor]).await;
        let app = spawn_app(&t).await;
        let client = app.signed_in("aud", &password).await;
        let res = app.call(&client, "create_account", &[("username", "mole"), ("display_name", "Mole"), ("roles", "admin")]).await;
        assert_eq!(res.status(), 403);
        let error: app::error::AppError = res.json().await.unwrap();
        assert!(matches!(error, app::error::AppError::Forbidden(_)), "{error:?}");
        let moles: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username = 'mole'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(moles, 0);
        assert!(audit_actions(&t).await.contains(&"access.denied".to_string()));
        // Reading the accounts is within an auditor's rights.
        assert_eq!(app.call(&client, "list_accounts", &[]).await.status(), 200);
    }
}

on_both_backends! {
    /// After an administrator resets a password, the account may do nothing
    /// but change it; then everything its roles allow.
    async fn a_reset_password_must_be_changed(t: TestDb) {
        let admin_pw = create_user(&t.db, "root", &[Role::Admin]).await;
        create_user(&t.db, "ana", &[Role::Investigator]).await;
        let app = spawn_app(&t).await;
        let admin = app.signed_in("root", &admin_pw).await;
        let issued: app::admin::IssuedPassword = app.call(&admin, "reset_account_password", &[("username", "ana")])
            .await.json().await.unwrap();

        let ana = app.signed_in("ana", &issued.password).await;
        assert_eq!(app.call(&ana, "get_status", &[]).await.status(), 403, "must change first");
        let weak = app.call(&ana, "change_password", &[("current_password", &issued.password), ("new_password", "password1234")]).await;
        assert_eq!(weak.status(), 422);
        let error: app::error::AppError = weak.json().await.unwrap();
        assert_eq!(error, app::error::AppError::validation(app::error::Field::NewPassword, app::error::Problem::CommonPassword));
        assert_eq!(error.to_string(), "new_password: is on the list of commonly used passwords: choose another");
        let ok = app.call(&ana, "change_password", &[("current_password", &issued.password), ("new_password", "el volcán de agua al amanecer")]).await;
        assert_eq!(ok.status(), 200);
        assert_eq!(app.call(&ana, "get_status", &[]).await.status(), 200);
        let actions = audit_actions(&t).await;
        assert!(actions.contains(&"user.password_reset".to_string()) && actions.contains(&"user.password_changed".to_string()));
    }
}
