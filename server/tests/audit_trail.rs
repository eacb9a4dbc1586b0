//! The audit trail on both backends: appends chain, the database refuses
//! changes, and `verify` names the first record that was tampered with.

mod common;

use app::audit::{self, AuditAction, AuditEntry, Verification};
use app::identity::Role;
use common::TestDb;

/// The console operator's permit: the records name the operator.
fn operator() -> app::policy::Permit<app::policy::act::ManageUsers> {
    app::policy::authorize(
        &app::identity::console_operator(),
        app::policy::act::ManageUsers,
        app::policy::Object::Any,
    )
    .unwrap()
}

fn entry(n: i64) -> AuditEntry {
    AuditEntry {
        action: AuditAction::SignIn,
        object_type: "user",
        object_id: format!("user{n}"),
        outcome: "ok",
        ip: "10.0.0.1".into(),
        details: serde_json::json!({ "n": n, "nombre": "Peña" }),
    }
}

async fn five_records(t: &TestDb) {
    for n in 1..=5 {
        assert_eq!(
            audit::record(&t.db, &operator(), &entry(n)).await.unwrap(),
            n
        );
    }
    assert_eq!(
        audit::verify(&t.db).await.unwrap(),
        Verification::Intact { records: 5 }
    );
}

async fn exec(t: &TestDb, sql: &str) {
    sqlx::query(sql)
        .execute(t.db.pool_for_tests())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn broken_at(t: &TestDb) -> i64 {
    match audit::verify(&t.db).await.unwrap() {
        Verification::Broken { seq, .. } => seq,
        Verification::Intact { records } => {
            panic!("tampering not detected ({records} records intact)")
        }
    }
}

on_both_backends! {
    /// The database itself refuses UPDATE and DELETE of audit records.
    async fn the_database_refuses_changes(t: TestDb) {
        five_records(&t).await;
        let update = sqlx::query("UPDATE audit_log SET outcome = 'denied' WHERE seq = 2")
            .execute(t.db.pool_for_tests()).await.unwrap_err();
        assert!(update.to_string().contains("append-only"), "{update}");
        let delete = sqlx::query("DELETE FROM audit_log WHERE seq = 5")
            .execute(t.db.pool_for_tests()).await.unwrap_err();
        assert!(delete.to_string().contains("append-only"), "{delete}");
        assert_eq!(audit::verify(&t.db).await.unwrap(), Verification::Intact { records: 5 });
    }
}

on_both_backends! {
    /// No statement can put a record in out of sequence, replace one, or
    /// move the chain's head back or elsewhere: only an append gets in.
    async fn records_go_in_only_in_sequence_and_the_head_only_forward(t: TestDb) {
        five_records(&t).await;
        let refused = |sql: &'static str| {
            let t = &t;
            async move {
                let e = sqlx::query(sql).execute(t.db.pool_for_tests()).await.unwrap_err().to_string();
                assert!(e.contains("in sequence") || e.contains("only moves forward") || e.contains("append-only") || e.contains("head stays"), "{sql}: {e}");
            }
        };
        let insert = |seq: i64, prev: &str| format!(
            "INSERT INTO audit_log (seq, at, actor_kind, actor_id, actor_label, action, object_type, object_id, outcome, ip, details, prev_hash, hash) \
             VALUES ({seq}, 1, 'system', NULL, 'system', 'x', 'x', 'x', 'ok', 'x', '{{}}', '{prev}', 'h')");
        let head_hash: String = sqlx::query_scalar("SELECT hash FROM audit_head WHERE id = 1")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        // Ahead of the head, in the middle, or as a replacement.
        for sql in [insert(9, &head_hash), insert(6, "not the hash of the head"), insert(3, &head_hash)] {
            let e = sqlx::query(&sql).execute(t.db.pool_for_tests()).await.unwrap_err().to_string();
            assert!(e.contains("in sequence") || e.contains("duplicate") || e.contains("UNIQUE"), "{sql}: {e}");
        }
        if t.backend() == app::store::Backend::Sqlite {
            let replace = insert(3, &head_hash).replacen("INSERT", "INSERT OR REPLACE", 1);
            let e = sqlx::query(&replace).execute(t.db.pool_for_tests()).await.unwrap_err().to_string();
            assert!(e.contains("in sequence"), "{e}");
        }
        refused("UPDATE audit_head SET seq = seq - 1 WHERE id = 1").await;
        refused("UPDATE audit_head SET seq = seq + 2 WHERE id = 1").await;
        refused("UPDATE audit_head SET hash = 'forged' WHERE id = 1").await;
        refused("DELETE FROM audit_head").await;
        // The trail is as it was, and appending still works.
        assert_eq!(audit::verify(&t.db).await.unwrap(), Verification::Intact { records: 5 });
        let operator = app::policy::authorize(&app::identity::console_operator(), app::policy::act::ReadAuditTrail, app::policy::Object::Any).unwrap();
        app::audit::record(&t.db, &operator, &app::audit::AuditEntry {
            action: app::audit::AuditAction::AuditExported, object_type: "audit", object_id: String::new(),
            outcome: "ok", ip: "test".into(), details: serde_json::json!({}),
        }).await.unwrap();
        assert_eq!(audit::verify(&t.db).await.unwrap(), Verification::Intact { records: 6 });
    }
}

on_both_backends! {
    /// Altering any field of a record breaks the chain at that record.
    async fn an_altered_record_is_named(t: TestDb) {
        five_records(&t).await;
        drop_trigger_update_only(&t).await;
        exec(&t, "UPDATE audit_log SET details = '{\"n\":3,\"nombre\":\"Pena\"}' WHERE seq = 3").await;
        assert_eq!(broken_at(&t).await, 3);
    }
}

/// Drops a trigger that keeps the trail append-only, as someone with direct
/// database access could, to tamper with the records.
async fn drop_trigger_update_only(t: &TestDb) {
    match t.backend() {
        app::store::Backend::Sqlite => exec(t, "DROP TRIGGER audit_log_no_update").await,
        app::store::Backend::Postgres => {
            exec(t, "DROP TRIGGER audit_log_no_update ON audit_log").await
        }
    }
}

async fn drop_trigger_delete_only(t: &TestDb) {
    match t.backend() {
        app::store::Backend::Sqlite => exec(t, "DROP TRIGGER audit_log_no_delete").await,
        app::store::Backend::Postgres => {
            exec(t, "DROP TRIGGER audit_log_no_delete ON audit_log").await
        }
    }
}

on_both_backends! {
    /// A record recomputed with a valid hash of its own still breaks the
    /// link of the next one.
    async fn a_rehashed_record_breaks_the_next_link(t: TestDb) {
        five_records(&t).await;
        drop_trigger_update_only(&t).await;
        // Change record 2's outcome and give it the hash it would then have.
        exec(&t, "UPDATE audit_log SET outcome = 'failed' WHERE seq = 2").await;
        let rows = sqlx::query(&format!("SELECT {} FROM audit_log WHERE seq = 2", audit::RECORD_COLUMNS))
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        use sqlx::Row;
        let mut r = app::audit::AuditRecord {
            seq: rows.get("seq"), at: rows.get("at"), actor_kind: rows.get("actor_kind"),
            actor_id: rows.get("actor_id"), actor_label: rows.get("actor_label"), action: rows.get("action"),
            object_type: rows.get("object_type"), object_id: rows.get("object_id"), outcome: rows.get("outcome"),
            ip: rows.get("ip"), details: rows.get("details"), prev_hash: rows.get("prev_hash"), hash: String::new(),
        };
        r.hash = r.expected_hash();
        sqlx::query("UPDATE audit_log SET hash = $1 WHERE seq = 2").bind(&r.hash).execute(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(broken_at(&t).await, 3);
    }
}

on_both_backends! {
    /// A deleted record leaves a gap that is named.
    async fn a_deleted_record_is_named(t: TestDb) {
        five_records(&t).await;
        drop_trigger_delete_only(&t).await;
        exec(&t, "DELETE FROM audit_log WHERE seq = 2").await;
        assert_eq!(broken_at(&t).await, 2);
    }
}

on_both_backends! {
    /// Removing the last records is caught by the chain's head.
    async fn a_cut_tail_is_named(t: TestDb) {
        five_records(&t).await;
        drop_trigger_delete_only(&t).await;
        exec(&t, "DELETE FROM audit_log WHERE seq = 5").await;
        assert_eq!(broken_at(&t).await, 5);
    }
}

on_both_backends! {
    /// Two records swapped in order are caught.
    async fn reordered_records_are_named(t: TestDb) {
        five_records(&t).await;
        drop_trigger_update_only(&t).await;
        exec(&t, "UPDATE audit_log SET seq = 100 WHERE seq = 3").await;
        exec(&t, "UPDATE audit_log SET seq = 3 WHERE seq = 4").await;
        exec(&t, "UPDATE audit_log SET seq = 4 WHERE seq = 100").await;
        assert_eq!(broken_at(&t).await, 3);
    }
}

on_both_backends! {
    /// A change whose audit record cannot be written is not made at all.
    async fn a_write_without_its_audit_record_leaves_nothing(t: TestDb) {
        // Make the audit insert fail: the trail's table is gone.
        exec(&t, "ALTER TABLE audit_log RENAME TO audit_log_elsewhere").await;
        let actor = app::policy::authorize(&app::identity::console_operator(), app::policy::act::ManageUsers, app::policy::Object::Any).unwrap();
        let result = app::identity::store::create_user(&t.db, &actor, "test", app::identity::store::NewUser {
            username: "ghost".into(), display_name: "Ghost".into(), roles: vec![Role::Auditor],
            password: "una frase larga y única".into(), must_change_password: true,
        }).await;
        assert!(result.is_err(), "the write must fail with its audit record");
        let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(users, 0, "the user was written without its audit record");
        let roles: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM user_roles").fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(roles, 0);
    }
}

on_both_backends! {
    /// Concurrent appenders each get their own place in one unbroken chain.
    async fn concurrent_appends_keep_one_chain(t: TestDb) {
        let mut tasks = Vec::new();
        for n in 0..20 {
            let db = t.db.clone();
            tasks.push(tokio::spawn(async move { audit::record(&db, &operator(), &entry(n)).await }));
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(audit::verify(&t.db).await.unwrap(), Verification::Intact { records: 20 });
    }
}

on_both_backends! {
    /// A transaction of several records keeps them together and moves the
    /// head once, to its last record; concurrent ones each get a run of
    /// consecutive places in one unbroken chain.
    async fn transactions_of_several_records_keep_one_chain(t: TestDb) {
        let mut tasks = Vec::new();
        for n in 0..10 {
            let db = t.db.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = audit::AuditedTx::begin(&db, &operator()).await.unwrap();
                let mut seqs = Vec::new();
                for k in 0..3 {
                    seqs.push(tx.audit(&entry(n * 10 + k)).await.unwrap());
                }
                tx.commit().await.unwrap();
                seqs
            }));
        }
        let mut firsts = Vec::new();
        for task in tasks {
            let seqs = task.await.unwrap();
            assert_eq!(seqs, vec![seqs[0], seqs[0] + 1, seqs[0] + 2], "a transaction's records are consecutive");
            firsts.push(seqs[0]);
        }
        firsts.sort();
        assert_eq!(firsts, (0..10).map(|i| 1 + 3 * i).collect::<Vec<i64>>());
        assert_eq!(audit::verify(&t.db).await.unwrap(), Verification::Intact { records: 30 });
        let head: i64 = sqlx::query_scalar("SELECT seq FROM audit_head WHERE id = 1")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(head, 30);
    }
}

mod browsing {
    use super::*;
    use common::{create_user, spawn_app};

    on_both_backends! {
        /// Auditors search the whole trail and export it as CSV (the export
        /// is itself audited); administrators see sign-in and account events
        /// only; a bad date names the field.
        async fn search_and_export(t: TestDb) {
            let auditor_pw = create_user(&t.db, "aud", &[Role::Auditor]).await;
            let admin_pw = create_user(&t.db, "root", &[Role::Admin]).await;
            let app = spawn_app(&t).await;
            let auditor = app.signed_in("aud", &auditor_pw).await;
            let admin = app.signed_in("root", &admin_pw).await;
            // A refusal: recorded, but not an account event.
            assert_eq!(app.call(&admin, "get_status", &[]).await.status(), 200);
            assert_eq!(app.call(&auditor, "create_account", &[("username", "x"), ("display_name", "X"), ("roles", "admin")]).await.status(), 403);

            let page: app::trail::AuditPage = app.call(&auditor, "list_audit", &[]).await.json().await.unwrap();
            let actions: Vec<&str> = page.rows.iter().map(|r| r.action.as_str()).collect();
            assert!(actions.contains(&"access.denied"), "{actions:?}");
            assert_eq!(page.rows[0].seq, page.total, "newest first");

            let admin_page: app::trail::AuditPage = app.call(&admin, "list_audit", &[]).await.json().await.unwrap();
            assert!(admin_page.rows.iter().all(|r| r.action != "access.denied"), "admins see account events only");
            assert!(admin_page.total < page.total);

            let failed: app::trail::AuditPage = app.call(&auditor, "list_audit", &[("action", "user.created"), ("object", "root")]).await.json().await.unwrap();
            assert_eq!(failed.total, 1);
            assert_eq!(failed.rows[0].object, "user:root");

            let bad = app.call(&auditor, "list_audit", &[("from", "28/11/2026")]).await;
            assert_eq!(bad.status(), 422);
            let error: app::error::AppError = bad.json().await.unwrap();
            assert!(matches!(error, app::error::AppError::Validation { ref field, .. } if field == "from"), "{error:?}");

            let csv = auditor.get(app.url("/audit/export.csv?action=user.created")).send().await.unwrap();
            assert_eq!(csv.status(), 200);
            assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
            let body = csv.text().await.unwrap();
            let lines: Vec<&str> = body.lines().collect();
            assert_eq!(lines[0], "seq,time,actor,action,object,outcome,ip,details");
            assert_eq!(lines.len(), 3, "header and two user.created records: {body}");
            let exported: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'audit.exported'")
                .fetch_one(t.db.pool_for_tests()).await.unwrap();
            assert_eq!(exported, 1, "the export is audited");
            assert_eq!(audit::verify(&t.db).await.unwrap(), Verification::Intact { records: page.total + 1 });
        }
    }
}
