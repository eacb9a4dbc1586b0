//! PostgreSQL only: `vigia serve` can run as a role that may change rows
//! and append to the audit trail but not change the schema, nor drop,
//! disable or go around the trail's triggers (`scripts/postgres-app-role.sql`,
//! the grants the README shows). Migrations run as the owner.

mod common;

use app::identity::Role;
use app::store::{Backend, Db};
use common::TestDb;

/// `url` with its user replaced by `user`.
fn as_user(url: &str, user: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let host = rest.split_once('@').map(|(_, h)| h).unwrap_or(rest);
    format!("{scheme}://{user}@{host}")
}

#[tokio::test]
async fn vigia_serves_as_a_role_that_may_only_append_to_the_trail() {
    let Some(t) = TestDb::postgres().await else {
        return; // the notice was printed: no PostgreSQL here
    };
    let owner = t.db.pool_for_tests();
    // What `vigia migrate` does as the owner: the records and the sessions.
    server::sessions::Sessions::open(&t.url, Backend::Postgres)
        .await
        .unwrap();
    let role = format!("vigia_app_{}", std::process::id());
    sqlx::query(&format!("DROP ROLE IF EXISTS {role}"))
        .execute(owner)
        .await
        .ok();
    sqlx::query(&format!("CREATE ROLE {role} LOGIN"))
        .execute(owner)
        .await
        .unwrap();
    let grants = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scripts/postgres-app-role.sql"
    ))
    .unwrap()
    .replace("vigia_app", &role);
    sqlx::raw_sql(&grants).execute(owner).await.unwrap();

    // As the role: nothing to migrate, the session store opens, and the
    // work of a request (an account, its audit record, a sign-in) is done.
    let url = as_user(&t.url, &role);
    let db = Db::connect(&url).await.unwrap();
    assert!(db.pending_migrations().await.unwrap().is_empty());
    server::sessions::Sessions::open(&url, Backend::Postgres)
        .await
        .unwrap();
    let operator = app::policy::authorize(
        &app::identity::console_operator(),
        app::policy::act::ManageUsers,
        app::policy::Object::Any,
    )
    .unwrap();
    app::identity::store::create_user(
        &db,
        &operator,
        "test",
        app::identity::store::NewUser {
            username: "ana".into(),
            display_name: "Ana".into(),
            roles: vec![Role::Investigator],
            password: "una frase larga y única".into(),
            must_change_password: false,
        },
    )
    .await
    .unwrap();
    let anonymous = app::policy::authorize(
        &app::policy::Principal::ANONYMOUS,
        app::policy::act::SignIn,
        app::policy::Object::Any,
    )
    .unwrap();
    let key = app::sealed::SecretKey::from_bytes([3; 32]);
    app::identity::store::sign_in(
        &db,
        &anonymous,
        &key,
        app::identity::store::Credentials {
            username: "ana",
            password: "una frase larga y única",
            code: None,
        },
        "192.0.2.1",
        &[],
    )
    .await
    .unwrap();

    // …but the trail's protection is out of its reach.
    let conn = db.pool_for_tests();
    for sql in [
        "DROP TRIGGER audit_log_in_sequence ON audit_log",
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "UPDATE audit_log SET outcome = 'denied'",
        "CREATE TABLE elsewhere (a INTEGER)",
        "DELETE FROM _sqlx_migrations",
    ] {
        let e = sqlx::query(sql)
            .execute(conn)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("must be owner") || e.contains("permission denied"),
            "{sql}: {e}"
        );
    }
    let records = match app::audit::verify(&db).await.unwrap() {
        app::audit::Verification::Intact { records } => records,
        broken => panic!("{broken:?}"),
    };
    assert!(records >= 2, "the account and the sign-in: {records}");
    db.close().await;
    sqlx::query(&format!("DROP OWNED BY {role}"))
        .execute(owner)
        .await
        .ok();
    drop(t);
    let admin =
        std::env::var("VIGIA_TEST_POSTGRES_URL").unwrap_or(common::DEFAULT_ADMIN_URL.into());
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
        .await
        .unwrap();
    sqlx::query(&format!("DROP ROLE IF EXISTS {role}"))
        .execute(&mut conn)
        .await
        .ok();
}
