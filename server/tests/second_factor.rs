//! The TOTP second factor over HTTP, on both backends.

mod common;

use app::error::AppError;
use app::identity::{totp, Role, TotpEnrolment};
use common::{create_user, create_user_without_totp, spawn_app, spawn_app_with};

fn code_now(secret_b32: &str, offset_steps: i64) -> String {
    let step = totp::step_of(app::time::now_ms() / 1000) + offset_steps;
    totp::code_for_step(&totp::base32_decode(secret_b32).unwrap(), step)
}

on_both_backends! {
    /// An administrator without a second factor may do nothing but set one
    /// up; once set up, signing in asks for the code, a code works once, and
    /// a wrong code counts towards the lockout.
    async fn enrolment_and_sign_in(t: TestDb) {
        let password = create_user_without_totp(&t.db, "root", &[Role::Admin]).await;
        let app = spawn_app(&t).await;
        let client = app.signed_in("root", &password).await;
        let me: Option<app::identity::CurrentUser> = app.call(&client, "who_am_i", &[]).await.json().await.unwrap();
        assert!(me.unwrap().must_enroll_totp);
        assert_eq!(app.call(&client, "list_accounts", &[]).await.status(), 403, "set up the second factor first");

        let enrolment: TotpEnrolment = app.call(&client, "begin_totp", &[]).await.json().await.unwrap();
        assert!(enrolment.uri.starts_with("otpauth://totp/"), "{}", enrolment.uri);
        assert!(enrolment.qr_svg.starts_with("<svg"));
        let wrong = app.call(&client, "confirm_totp", &[("code", "000000")]).await;
        assert_eq!(wrong.status(), 422);
        let ok = app.call(&client, "confirm_totp", &[("code", &code_now(&enrolment.secret, 0))]).await;
        assert_eq!(ok.status(), 200, "{}", ok.text().await.unwrap());
        assert_eq!(app.call(&client, "list_accounts", &[]).await.status(), 200);

        // A new sign-in: the password alone is not enough.
        let other = app.browser();
        let first = app.call(&other, "sign_in", &[("username", "root"), ("password", &password)]).await;
        assert_eq!(first.status(), 401);
        assert_eq!(first.json::<AppError>().await.unwrap(), AppError::SecondFactorNeeded);
        // The code used to confirm cannot be replayed…
        let replay = app.call(&other, "sign_in", &[("username", "root"), ("password", &password), ("code", &code_now(&enrolment.secret, 0))]).await;
        assert_eq!(replay.json::<AppError>().await.unwrap(), AppError::SignInRefused);
        // …the next one works.
        let next = app.call(&other, "sign_in", &[("username", "root"), ("password", &password), ("code", &code_now(&enrolment.secret, 1))]).await;
        assert_eq!(next.status(), 200);

        // Failures reach the trail a minute at a time.
        let clock = app::time::TestClock::now();
        clock.advance(60_000);
        app::identity::lockout::record_failure_windows(&t.db).await.unwrap();
        let reasons: Vec<String> = sqlx::query_scalar("SELECT details FROM audit_log WHERE action = 'sign_in.failed' ORDER BY seq")
            .fetch_all(t.db.pool_for_tests()).await.unwrap();
        assert!(reasons.iter().any(|r| r.contains("wrong second-factor code")), "{reasons:?}");
        let enabled: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'user.totp_enabled'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(enabled, 1);
    }
}

on_both_backends! {
    /// Which roles need a second factor is a setting.
    async fn required_roles_are_configurable(t: TestDb) {
        let password = create_user_without_totp(&t.db, "mon", &[Role::Monitor]).await;
        let strict = spawn_app_with(&t, |s| s.totp_required_roles = vec![Role::Monitor]).await;
        let client = strict.signed_in("mon", &password).await;
        assert_eq!(strict.call(&client, "get_status", &[]).await.status(), 403);
        let relaxed = spawn_app(&t).await;
        let client = relaxed.signed_in("mon", &password).await;
        assert_eq!(relaxed.call(&client, "get_status", &[]).await.status(), 200);
        // Accounts that set one up use it, required or not.
        create_user(&t.db, "sup", &[Role::Supervisor]).await;
    }
}

on_both_backends! {
    /// An administrator removes a lost second factor; the account then sets
    /// up a new one, and the removal is audited.
    async fn a_lost_second_factor_is_reset(t: TestDb) {
        let admin_pw = create_user(&t.db, "root", &[Role::Admin]).await;
        let sup_pw = create_user(&t.db, "sup", &[Role::Supervisor]).await;
        let app = spawn_app(&t).await;
        let admin = app.signed_in("root", &admin_pw).await;
        assert_eq!(app.call(&admin, "reset_account_totp", &[("username", "sup")]).await.status(), 200);
        // The password alone now opens a session restricted to set-up.
        let sup = app.browser();
        let res = app.call(&sup, "sign_in", &[("username", "sup"), ("password", &sup_pw)]).await;
        assert_eq!(res.status(), 200);
        let me: app::identity::CurrentUser = res.json().await.unwrap();
        assert!(me.must_enroll_totp);
        assert_eq!(app.call(&sup, "list_audit", &[]).await.status(), 403);
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'user.totp_reset'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(n, 1);
    }
}
