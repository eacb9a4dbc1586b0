//! The store on both backends: migrations and the schema's guarantees.

mod common;

use common::TestDb;
use sqlx::Row;

on_both_backends! {
    /// A fresh database gets every table; migrating again applies nothing.
    async fn migrations_apply_once(t: TestDb) {
        assert!(t.db.pending_migrations().await.unwrap().is_empty());
        let again = t.db.migrate().await.unwrap();
        assert!(again.is_empty(), "re-running applied {again:?}");
        for table in ["units", "officers", "vehicles", "cameras", "badges", "badge_assignments"] {
            let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(t.db.pool_for_tests())
                .await
                .unwrap_or_else(|e| panic!("table {table} missing on {:?}: {e}", t.backend()));
            assert_eq!(n, 0);
        }
    }
}

on_both_backends! {
    /// The migration steps are the same on both backends, with the same
    /// numbers and descriptions.
    async fn both_backends_have_the_same_migration_steps(t: TestDb) {
        let rows = sqlx::query("SELECT version, description FROM _sqlx_migrations ORDER BY version")
            .fetch_all(t.db.pool_for_tests())
            .await
            .unwrap();
        let steps: Vec<(i64, String)> = rows
            .iter()
            .map(|r| (r.get::<i64, _>(0), r.get::<String, _>(1)))
            .collect();
        let sqlite_dir = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/sqlite"))
            .unwrap()
            .count();
        let postgres_dir = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/postgres"))
            .unwrap()
            .count();
        assert_eq!(sqlite_dir, postgres_dir, "the two migration folders differ in length");
        assert_eq!(steps.len(), sqlite_dir);
        assert_eq!(steps[0], (1, "core records".to_string()));
    }
}

async fn insert_unit(t: &TestDb, code: &str) -> i64 {
    sqlx::query("INSERT INTO units (code, name, kind, parent_id, created_at) VALUES ($1, $2, 'national', NULL, 0)")
        .bind(code)
        .bind("Dirección General")
        .execute(t.db.pool_for_tests())
        .await
        .unwrap();
    sqlx::query_scalar("SELECT id FROM units WHERE code = $1")
        .bind(code)
        .fetch_one(t.db.pool_for_tests())
        .await
        .unwrap()
}

async fn insert_officer(
    t: &TestDb,
    badge: &str,
    unit_id: i64,
    rank: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO officers (badge_number, given_names, family_names, rank, unit_id, status, \
         hire_date, created_at, updated_at) VALUES ($1, 'Ana Lucía', 'Xicará Pérez', $2, $3, 'active', \
         '2010-05-01', 0, 0)",
    )
    .bind(badge)
    .bind(rank)
    .bind(unit_id)
    .execute(t.db.pool_for_tests())
    .await
    .map(|_| ())
}

on_both_backends! {
    /// Badge numbers are unique, ranks come from the PNC ladder, and a unit
    /// must exist (foreign keys are enforced on SQLite too).
    async fn officers_are_constrained(t: TestDb) {
        let unit = insert_unit(&t, "00").await;
        insert_officer(&t, "10001", unit, "agente").await.unwrap();

        let dup = insert_officer(&t, "10001", unit, "agente").await.unwrap_err();
        assert!(dup.as_database_error().unwrap().is_unique_violation(), "{dup}");

        let bad_rank = insert_officer(&t, "10002", unit, "general").await.unwrap_err();
        assert!(bad_rank.as_database_error().unwrap().is_check_violation(), "{bad_rank}");

        let no_unit = insert_officer(&t, "10003", unit + 999, "agente").await.unwrap_err();
        assert!(no_unit.as_database_error().unwrap().is_foreign_key_violation(), "{no_unit}");

        let names: String = sqlx::query_scalar("SELECT family_names FROM officers WHERE badge_number = '10001'")
            .fetch_one(t.db.pool_for_tests())
            .await
            .unwrap();
        assert_eq!(names, "Xicará Pérez", "accents survive the round trip");
    }
}

on_both_backends! {
    /// A vehicle has at most one camera in each place, and only cabin or
    /// forward.
    async fn cameras_are_cabin_or_forward_once_each(t: TestDb) {
        let unit = insert_unit(&t, "00").await;
        sqlx::query("INSERT INTO vehicles (plate, unit_id, created_at) VALUES ('PNC-0451', $1, 0)")
            .bind(unit)
            .execute(t.db.pool_for_tests())
            .await
            .unwrap();
        let vehicle: i64 = sqlx::query_scalar("SELECT id FROM vehicles WHERE plate = 'PNC-0451'")
            .fetch_one(t.db.pool_for_tests())
            .await
            .unwrap();
        let camera = |placement: &'static str, serial: &'static str| {
            sqlx::query("INSERT INTO cameras (vehicle_id, placement, serial, created_at) VALUES ($1, $2, $3, 0)")
                .bind(vehicle)
                .bind(placement)
                .bind(serial)
                .execute(t.db.pool_for_tests())
        };
        camera("cabin", "S1").await.unwrap();
        camera("forward", "S2").await.unwrap();
        let twice = camera("cabin", "S3").await.unwrap_err();
        assert!(twice.as_database_error().unwrap().is_unique_violation());
        let roof = camera("roof", "S4").await.unwrap_err();
        assert!(roof.as_database_error().unwrap().is_check_violation());
    }
}

on_both_backends! {
    /// The status page's counts and backend come from the store.
    async fn readiness_and_version(t: TestDb) {
        assert!(t.db.is_ready().await);
        let version = t.db.server_version().await.unwrap();
        assert!(version.chars().next().unwrap().is_ascii_digit(), "{version}");
        t.db.close().await;
        assert!(!t.db.is_ready().await, "a closed pool is not ready");
    }
}

on_both_backends! {
    /// Officers that predate the search key (rows written before migration
    /// 4, or by hand) get it filled at the next migrate, so search finds them.
    async fn migrate_fills_missing_search_keys(t: TestDb) {
        let unit = insert_unit(&t, "00").await;
        insert_officer(&t, "10001", unit, "agente").await.unwrap();
        let before: String = sqlx::query_scalar("SELECT search_key FROM officers WHERE badge_number = '10001'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(before, "", "written without a key");
        t.db.migrate().await.unwrap();
        let after: String = sqlx::query_scalar("SELECT search_key FROM officers WHERE badge_number = '10001'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(after, "10001 ana lucia xicara perez");
    }
}

on_both_backends! {
    /// Fresh statistics after a load keep the per-index summaries but, on
    /// SQLite, no samples of values: with samples, SQLite plans a statement
    /// again whenever a bound value changes (every officer file's queries).
    async fn statistics_keep_no_value_samples(t: TestDb) {
        let unit = insert_unit(&t, "00").await;
        for badge in ["10001", "10002", "10003"] {
            insert_officer(&t, badge, unit, "agente").await.unwrap();
        }
        t.db.analyze(None).await.unwrap();
        t.db.analyze(Some("officers")).await.unwrap();
        if t.db.backend() == app::store::Backend::Sqlite {
            let summaries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'officers'")
                .fetch_one(t.db.pool_for_tests()).await.unwrap();
            assert!(summaries > 0, "per-index summaries kept");
            let samples: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_stat4")
                .fetch_one(t.db.pool_for_tests()).await.unwrap();
            assert_eq!(samples, 0, "no value samples");
        } else {
            // reltuples is -1 until the table has been analysed.
            let counted: i64 = sqlx::query_scalar("SELECT reltuples::bigint FROM pg_class WHERE relname = 'officers'")
                .fetch_one(t.db.pool_for_tests()).await.unwrap();
            assert_eq!(counted, 3);
        }
    }
}
