//! `vigia demo-data` on both backends: the counts, determinism, refusal.

mod common;

use common::TestDb;
use server::demo::{self, DemoError, Scale};
use sqlx::Row;

/// Everything the dataset says, as text, without load-time fields.
async fn content(t: &TestDb) -> String {
    let mut out = String::new();
    let queries = [
        "SELECT u.code, u.name, u.kind, COALESCE(p.code, '') FROM units u \
         LEFT JOIN units p ON p.id = u.parent_id ORDER BY u.code",
        "SELECT o.badge_number, o.given_names, o.family_names, o.rank, u.code, o.status, \
         COALESCE(o.status_changed_on, ''), o.hire_date, COALESCE(o.national_id, '') \
         FROM officers o JOIN units u ON u.id = o.unit_id ORDER BY o.badge_number",
        "SELECT v.plate, u.code, c.placement, c.serial FROM vehicles v JOIN units u ON u.id = v.unit_id \
         JOIN cameras c ON c.vehicle_id = v.id ORDER BY v.plate, c.placement",
        "SELECT b.chip_id, o.badge_number, a.valid_from, COALESCE(a.valid_to, -1) FROM badge_assignments a \
         JOIN badges b ON b.id = a.badge_id JOIN officers o ON o.id = a.officer_id ORDER BY b.chip_id",
    ];
    for sql in queries {
        for row in sqlx::query(sql).fetch_all(t.db.pool()).await.unwrap() {
            for i in 0..row.len() {
                let cell = row
                    .try_get::<String, _>(i)
                    .or_else(|_| row.try_get::<i64, _>(i).map(|n| n.to_string()))
                    .unwrap();
                out.push_str(&cell);
                out.push('|');
            }
            out.push('\n');
        }
    }
    out
}

async fn count(t: &TestDb, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(t.db.pool())
        .await
        .unwrap()
}

on_both_backends! {
    /// The small dataset: 22 regions, every station, the whole fleet with
    /// two cameras a car, and exactly one chip per officer.
    async fn small_dataset_has_the_documented_shape(t: TestDb) {
        let summary = demo::load(&t.db, Scale::Small, 2013).await.unwrap();
        assert_eq!(count(&t, "SELECT COUNT(*) FROM units WHERE kind = 'region'").await, 22);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM units WHERE kind = 'station'").await, summary.stations as i64);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM officers").await, 4_000);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM vehicles").await, 1_300);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM cameras WHERE placement = 'cabin'").await, 1_300);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM cameras WHERE placement = 'forward'").await, 1_300);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM badges").await, 4_000);
        assert_eq!(
            count(&t, "SELECT COUNT(DISTINCT officer_id) FROM badge_assignments").await,
            4_000,
            "every officer wore a chip"
        );
        assert_eq!(
            count(&t, "SELECT CASE WHEN MIN(plate) = 'PNC-0001' AND MAX(plate) = 'PNC-1300' THEN 1 ELSE 0 END \
                       FROM vehicles").await,
            1
        );
        // Codes: region RR under the national unit, station RR-SS under its region.
        assert_eq!(
            count(&t, "SELECT COUNT(*) FROM units s JOIN units r ON r.id = s.parent_id \
                       WHERE s.kind = 'station' AND r.code = substr(s.code, 1, 2)").await,
            summary.stations as i64
        );
        let chiantla: String = sqlx::query_scalar("SELECT name FROM units WHERE code = '13-02'")
            .fetch_one(t.db.pool()).await.unwrap();
        assert_eq!(chiantla, "Chiantla");
        let chip: String = sqlx::query_scalar("SELECT chip_id FROM badges WHERE chip_id = 'CHIP-0004000'")
            .fetch_one(t.db.pool()).await.unwrap();
        assert_eq!(chip, "CHIP-0004000");
        // Every police station has a patrol car; ranks include the leadership.
        assert_eq!(
            count(&t, "SELECT COUNT(*) FROM units u WHERE kind = 'station' AND NOT EXISTS \
                       (SELECT 1 FROM vehicles v WHERE v.unit_id = u.id)").await,
            0
        );
        assert_eq!(count(&t, "SELECT COUNT(*) FROM officers WHERE rank = 'director_general'").await, 1);
        assert!(count(&t, "SELECT COUNT(*) FROM officers WHERE status = 'dismissed'").await > 0);
    }
}

on_both_backends! {
    /// A database that holds records is refused, and nothing is added.
    async fn a_non_empty_database_is_refused(t: TestDb) {
        demo::load(&t.db, Scale::Small, 1).await.unwrap();
        let before = content(&t).await;
        let err = demo::load(&t.db, Scale::Small, 2).await.unwrap_err();
        assert!(matches!(err, DemoError::NotEmpty(_)), "{err}");
        assert!(err.to_string().contains("4000 officers"), "{err}");
        assert_eq!(content(&t).await, before, "nothing changed");
    }
}

on_both_backends! {
    /// The same seed gives the same data, on this backend and on SQLite;
    /// another seed gives other data.
    async fn the_same_seed_gives_the_same_data(t: TestDb) {
        demo::load(&t.db, Scale::Small, 42).await.unwrap();
        let reference = TestDb::sqlite().await;
        demo::load(&reference.db, Scale::Small, 42).await.unwrap();
        assert!(content(&t).await == content(&reference).await, "seed 42 differs between loads");

        let other = TestDb::sqlite().await;
        demo::load(&other.db, Scale::Small, 43).await.unwrap();
        assert!(content(&t).await != content(&other).await, "seeds 42 and 43 gave the same data");
    }
}
