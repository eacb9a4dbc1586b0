//! Separation of duties and the sessions of an account (issue 13), on both
//! backends: an administrator cannot give themselves roles or keep someone
//! else's password; a reset ends the account's sessions and is shown to its
//! owner; a second factor is asked of every role by default, replaced only
//! with the password and a current code, and one code opens one session.

mod common;
use common::count;

use app::error::AppError;
use app::identity::{CurrentUser, ResetKind, Role};
use common::{create_user, next_totp_code, spawn_app, spawn_app_with};

async fn me(app: &common::TestApp, client: &reqwest::Client) -> Option<CurrentUser> {
    app.call(client, "who_am_i", &[])
        .await
        .json()
        .await
        .unwrap()
}

on_both_backends! {
    /// An administrator cannot change their own roles (another must); a
    /// grant of a role that reaches cases or records is recorded as such;
    /// an account made on the page must change its password at first
    /// sign-in, so the administrator never keeps a working one.
    async fn the_administrator_cannot_become_anyone(t: TestDb) {
        let admin_password = create_user(&t.db, "root", &[Role::Admin]).await;
        let app = spawn_app(&t).await;
        let admin = app.signed_in("root", &admin_password).await;

        let own = app.call(&admin, "set_account_roles", &[("username", "root"), ("roles", "admin,investigator")]).await;
        assert_eq!(own.status(), 422);
        let error: AppError = own.json().await.unwrap();
        assert_eq!(error.message(app::i18n::Locale::es), "Roles: no puede cambiar sus propios roles: debe hacerlo otro administrador");
        assert_eq!(count(&t, "SELECT COUNT(*) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.username = 'root'").await, 1, "nothing changed");

        let made = app.call(&admin, "create_account", &[("username", "nuevo"), ("display_name", "Nuevo"), ("roles", "monitor")]).await;
        assert_eq!(made.status(), 200);
        let issued: serde_json::Value = made.json().await.unwrap();
        let issued = issued["password"].as_str().unwrap().to_string();
        let nuevo = app.signed_in("nuevo", &issued).await;
        assert!(me(&app, &nuevo).await.unwrap().must_change_password, "the administrator's password is for once");
        assert_eq!(app.call(&nuevo, "get_status", &[]).await.status(), 403, "nothing before the new password");

        let granted = app.call(&admin, "set_account_roles", &[("username", "nuevo"), ("roles", "monitor,investigator,auditor")]).await;
        assert_eq!(granted.status(), 200);
        let grants: Vec<String> = sqlx::query_scalar(
            "SELECT details FROM audit_log WHERE action = 'user.privileged_role_granted' AND object_id = 'nuevo' ORDER BY seq")
            .fetch_all(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(grants.len(), 2, "{grants:?}");
        assert!(grants[0].contains("investigator") && grants[1].contains("auditor"), "{grants:?}");
        // …and auditors find them on the trail's page by that action.
        let auditor_password = create_user(&t.db, "aud", &[Role::Auditor]).await;
        let auditor = app.signed_in("aud", &auditor_password).await;
        let page = app.call(&auditor, "list_audit", &[("action", "user.privileged_role_granted")]).await;
        assert_eq!(page.status(), 200);
        let page: serde_json::Value = page.json().await.unwrap();
        assert_eq!(page["total"], 3, "the auditor's own grant too: {page}");
    }
}

on_both_backends! {
    /// Resetting someone's password or second factor ends that account's
    /// sessions, is audited, and is shown to the owner at the next sign-in
    /// until they set a new one.
    async fn a_reset_ends_the_sessions_and_is_shown_to_the_owner(t: TestDb) {
        let admin_password = create_user(&t.db, "root", &[Role::Admin]).await;
        let password = create_user(&t.db, "sup", &[Role::Supervisor]).await;
        let app = spawn_app(&t).await;
        let admin = app.signed_in("root", &admin_password).await;
        let open = app.signed_in("sup", &password).await;
        assert_eq!(app.call(&open, "get_status", &[]).await.status(), 200);

        let reset = app.call(&admin, "reset_account_totp", &[("username", "sup")]).await;
        assert_eq!(reset.status(), 200);
        assert_eq!(app.call(&open, "get_status", &[]).await.status(), 401, "the reset ended the open session");
        let again = app.signed_in("sup", &password).await;
        let notices = me(&app, &again).await.unwrap().notices;
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert_eq!((notices[0].what, notices[0].by.as_str()), (ResetKind::SecondFactor, "root"));

        let reset = app.call(&admin, "reset_account_password", &[("username", "sup")]).await;
        assert_eq!(reset.status(), 200);
        let issued: serde_json::Value = reset.json().await.unwrap();
        let issued = issued["password"].as_str().unwrap().to_string();
        assert_eq!(app.call(&again, "who_am_i", &[]).await.json::<Option<CurrentUser>>().await.unwrap(), None, "ended too");
        let owner = app.browser();
        let res = app.call(&owner, "sign_in", &[("username", "sup"), ("password", &issued)]).await;
        assert_eq!(res.status(), 200, "no second factor any more: {}", res.text().await.unwrap());
        let owner_now = me(&app, &owner).await.unwrap();
        assert!(owner_now.must_change_password);
        let kinds: Vec<ResetKind> = owner_now.notices.iter().map(|n| n.what).collect();
        assert_eq!(kinds, vec![ResetKind::Password, ResetKind::SecondFactor]);

        // A new password of the owner's own clears that notice.
        let changed = app.call(&owner, "change_password", &[("current_password", &issued), ("new_password", "una frase nueva y larga")]).await;
        assert_eq!(changed.status(), 200, "{}", changed.text().await.unwrap());
        let kinds: Vec<ResetKind> = me(&app, &owner).await.unwrap().notices.iter().map(|n| n.what).collect();
        assert_eq!(kinds, vec![ResetKind::SecondFactor]);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action IN ('user.password_reset', 'user.totp_reset') AND details LIKE '%\"sessions_ended\":true%'").await, 2);
    }
}

on_both_backends! {
    /// Changing one's own password ends one's other sessions, not this one;
    /// what a session held before a sign-in does not carry over.
    async fn a_new_password_ends_the_other_sessions(t: TestDb) {
        let clock = app::time::TestClock::now();
        let password = create_user(&t.db, "ana", &[Role::Investigator]).await;
        let app = spawn_app(&t).await;
        let laptop = app.signed_in("ana", &password).await;
        let phone = app.signed_in("ana", &password).await;
        clock.advance(1_000);
        let changed = app.call(&laptop, "change_password", &[("current_password", &password), ("new_password", "otra frase bastante larga")]).await;
        assert_eq!(changed.status(), 200, "{}", changed.text().await.unwrap());
        assert_eq!(app.call(&laptop, "get_status", &[]).await.status(), 200, "this session goes on");
        assert_eq!(app.call(&phone, "get_status", &[]).await.status(), 401, "the other one ended");

        // A second factor being set up in a session is not there after
        // someone else signs in on it.
        let begun = app.call(&laptop, "begin_totp", &[]).await;
        assert_eq!(begun.status(), 200);
        let other_password = create_user(&t.db, "beto", &[Role::Investigator]).await;
        let res = app.call(&laptop, "sign_in", &[("username", "beto"), ("password", &other_password)]).await;
        assert_eq!(res.status(), 200);
        let confirm = app.call(&laptop, "confirm_totp", &[("code", "123456")]).await;
        let error: AppError = confirm.json().await.unwrap();
        assert_eq!(error, AppError::validation(app::error::Field::Code, app::error::Problem::TotpNotStarted));
    }
}

on_both_backends! {
    /// By default every role signs in with a second factor; replacing it
    /// asks for the password and a code of the current one; one code opens
    /// one session, even when two sign-ins race with it.
    async fn a_second_factor_for_every_role_used_once(t: TestDb) {
        let clock = app::time::TestClock::now();
        let strict = spawn_app_with(&t, |s| s.totp_required_roles = Role::ALL.to_vec()).await;
        // (That every role is the default is `server::config`'s test.)
        let mon = common::create_user_without_totp(&t.db, "mon", &[Role::Monitor]).await;
        let client = strict.signed_in("mon", &mon).await;
        assert_eq!(strict.call(&client, "get_status", &[]).await.status(), 403, "a monitor too sets one up first");

        let password = create_user(&t.db, "sup", &[Role::Supervisor]).await;
        let app = spawn_app(&t).await;
        let sup = app.signed_in("sup", &password).await;
        clock.advance(30_000);
        let bare = app.call(&sup, "begin_totp", &[]).await;
        assert_eq!(bare.status(), 422, "an open session alone cannot replace the factor");
        let code = next_totp_code(&t.db, "sup").await;
        let wrong = app.call(&sup, "begin_totp", &[("password", "not it at all"), ("current_code", &code)]).await;
        assert_eq!(wrong.json::<AppError>().await.unwrap(), AppError::validation(app::error::Field::Password, app::error::Problem::NotCurrentPassword));
        let proven = app.call(&sup, "begin_totp", &[("password", &password), ("current_code", &code)]).await;
        assert_eq!(proven.status(), 200, "{}", proven.text().await.unwrap());
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'user.totp_replacement_started' AND object_id = 'sup'").await, 1, "the proof is recorded");

        // Two sign-ins with the same fresh code, at once: one session.
        clock.advance(30_000);
        let code = next_totp_code(&t.db, "sup").await;
        let (a, b) = (app.browser(), app.browser());
        let form = [("username", "sup"), ("password", password.as_str()), ("code", code.as_str())];
        let (ra, rb) = tokio::join!(app.call(&a, "sign_in", &form), app.call(&b, "sign_in", &form));
        let mut statuses = [ra.status().as_u16(), rb.status().as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 401], "one code, one session");
    }
}

on_both_backends! {
    /// Behind a trusted proxy the trail records the client's address from
    /// X-Forwarded-For; from anyone else the header is ignored. A form sent
    /// to a host name that is not Vigía's (a DNS-rebinding page) is refused.
    async fn the_client_behind_a_trusted_proxy_is_recorded_and_other_hosts_refused(t: TestDb) {
        let password = create_user(&t.db, "ana", &[Role::Investigator]).await;
        let form = [("username", "ana"), ("password", password.as_str())];
        let sign_in = |app: &common::TestApp| {
            let client = app.browser();
            let url = app.url("/rpc/sign_in");
            async move {
                client.post(url).header("accept", "application/json").header("x-forwarded-for", "198.51.100.66, 203.0.113.7").form(&form).send().await.unwrap().status()
            }
        };
        let direct = spawn_app(&t).await;
        assert_eq!(sign_in(&direct).await, 200);
        let proxied = spawn_app_with(&t, |s| s.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()]).await;
        assert_eq!(sign_in(&proxied).await, 200);
        let ips: Vec<String> = sqlx::query_scalar("SELECT ip FROM audit_log WHERE action = 'sign_in' ORDER BY seq")
            .fetch_all(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(ips, vec!["127.0.0.1".to_string(), "203.0.113.7".to_string()], "the header counts only from a trusted proxy");

        let port = direct.address.rsplit(':').next().unwrap().to_string();
        let rebound = format!("rebound.example:{port}");
        let res = direct.browser().post(direct.url("/rpc/sign_in"))
            .header("accept", "application/json").header("host", &rebound).header("origin", format!("http://{rebound}"))
            .form(&form).send().await.unwrap();
        assert_eq!(res.status(), 403);
        assert!(res.text().await.unwrap().contains("VIGIA_ALLOWED_HOSTS"));
        let allowed = spawn_app_with(&t, |s| s.allowed_hosts.push("rebound.example".into())).await;
        let port = allowed.address.rsplit(':').next().unwrap().to_string();
        let named = format!("rebound.example:{port}");
        let res = allowed.browser().post(allowed.url("/rpc/sign_in"))
            .header("accept", "application/json").header("host", &named).header("origin", format!("http://{named}"))
            .form(&form).send().await.unwrap();
        assert_eq!(res.status(), 200, "a name the administrator allowed");
    }
}
