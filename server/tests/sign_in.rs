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
        .find(|v| v.starts_with("vigia_session="))
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
    /// The session cookie is HttpOnly and SameSite=Strict; Secure when the
    /// public address is https.
    async fn cookie_flags(t: TestDb) {
        let password = create_user(&t.db, "ana", &[Role::Auditor]).await;
        let app = spawn_app(&t).await;
        let res = app.call(&app.browser(), "sign_in", &[("username", "ana"), ("password", &password)]).await;
        let cookie = session_cookie(&res).expect("a session cookie");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Strict"), "{cookie}");
        assert!(!cookie.contains("Secure"), "plain http: {cookie}");

        let secure = spawn_app_with(&t, |s| s.public_url = Some("https://vigia.example.gt".into())).await;
        let res = secure.call(&secure.browser(), "sign_in", &[("username", "ana"), ("password", &password)]).await;
        assert!(session_cookie(&res).unwrap().contains("Secure"));
    }
}

on_both_backends! {
    /// Five wrong passwords lock the account; then even the right one is
    /// refused, with the same plain message as an unknown user. The lock is
    /// audited; unlocking restores access.
    async fn five_failures_lock_the_account(t: TestDb) {
        let password = create_user(&t.db, "beto", &[Role::Supervisor]).await;
        let app = spawn_app(&t).await;
        let client = app.browser();
        let unknown = app.call(&client, "sign_in", &[("username", "nobody"), ("password", "whatever it is")]).await;
        assert_eq!(unknown.status(), 401);
        let unknown_body = unknown.text().await.unwrap();
        for _ in 0..5 {
            let res = app.call(&client, "sign_in", &[("username", "beto"), ("password", "not the password")]).await;
            assert_eq!(res.status(), 401);
            assert_eq!(res.text().await.unwrap(), unknown_body, "refusals must not differ");
        }
        let locked = app.call(&client, "sign_in", &[("username", "beto"), ("password", &password)]).await;
        assert_eq!(locked.status(), 401, "a locked account stays locked with the right password");
        assert_eq!(locked.text().await.unwrap(), unknown_body);

        let actions = audit_actions(&t).await;
        assert_eq!(actions.iter().filter(|a| *a == "sign_in.failed").count(), 7);
        assert_eq!(actions.iter().filter(|a| *a == "account.locked").count(), 1);

        let operator = app::policy::authorize(&app::identity::console_operator(), app::policy::act::ManageUsers, app::policy::Object::Any).unwrap();
        app::identity::store::unlock_user(&t.db, &operator, "test", "beto").await.unwrap();
        app.signed_in("beto", &password).await;
        assert!(audit_actions(&t).await.contains(&"account.unlocked".to_string()));
        assert_eq!(app::audit::verify(&t.db).await.unwrap(), app::audit::Verification::Intact { records: 11 });
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
