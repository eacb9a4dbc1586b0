//! `vigia demo-feed` on both backends: it sends the live demo's heartbeats,
//! footage and pings through the machine API as the demo's clients, only
//! what came due, and resumes after a restart where the stored records end,
//! without sending anything twice or making a badge jump.

mod common;
use common::count;

use common::{api_client_token, spawn_app, TestDb};
use server::demo::feed::{stopped_talking, Feed, Tokens};

/// Station 01-01 with PNC-0451 (on shift since an hour ago, crew 1001 and
/// 1002 wearing CHIP-1 and CHIP-2) and PNC-0452 (parked).
async fn fleet(t: &TestDb, now: i64) {
    let db = t.db.pool_for_tests();
    for (code, kind, parent) in [
        ("00", "national", None),
        ("01", "region", Some("00")),
        ("01-01", "station", Some("01")),
    ] {
        sqlx::query("INSERT INTO units (code, name, kind, parent_id, created_at) VALUES ($1, $1, $2, (SELECT id FROM units WHERE code = $3), 0)")
            .bind(code).bind(kind).bind(parent).execute(db).await.unwrap();
    }
    for plate in ["PNC-0451", "PNC-0452"] {
        sqlx::query("INSERT INTO vehicles (plate, unit_id, created_at) VALUES ($1, (SELECT id FROM units WHERE code = '01-01'), 0)")
            .bind(plate).execute(db).await.unwrap();
        for cam in ["cabin", "forward"] {
            sqlx::query("INSERT INTO cameras (vehicle_id, placement, serial, created_at) VALUES ((SELECT id FROM vehicles WHERE plate = $1), $2, $3, 0)")
                .bind(plate).bind(cam).bind(format!("{plate}-{cam}")).execute(db).await.unwrap();
        }
    }
    for (badge, chip, role) in [("1001", "CHIP-1", "driver"), ("1002", "CHIP-2", "crew")] {
        sqlx::query("INSERT INTO officers (badge_number, given_names, family_names, rank, unit_id, status, hire_date, created_at, updated_at) \
                     VALUES ($1, 'Ana', 'Xicará', 'agente', (SELECT id FROM units WHERE code = '01-01'), 'active', '2010-05-01', 0, 0)")
            .bind(badge).execute(db).await.unwrap();
        sqlx::query("INSERT INTO badges (chip_id, created_at) VALUES ($1, 0)")
            .bind(chip)
            .execute(db)
            .await
            .unwrap();
        sqlx::query("INSERT INTO badge_assignments (badge_id, officer_id, valid_from, valid_to) \
                     VALUES ((SELECT id FROM badges WHERE chip_id = $1), (SELECT id FROM officers WHERE badge_number = $2), 0, NULL)")
            .bind(chip).bind(badge).execute(db).await.unwrap();
        sqlx::query("INSERT INTO vehicle_assignments (officer_id, vehicle_id, starts_at, ends_at, role, recorded_by, recorded_at) \
                     VALUES ((SELECT id FROM officers WHERE badge_number = $1), (SELECT id FROM vehicles WHERE plate = 'PNC-0451'), $2, $3, $4, 'test', 0)")
            .bind(badge).bind(now - 3_600_000).bind(now + 7 * 3_600_000).bind(role).execute(db).await.unwrap();
    }
}

on_both_backends! {
    async fn the_feed_sends_what_came_due_and_resumes_without_duplicates(t: TestDb) {
        let now = app::time::now_ms();
        fleet(&t, now).await;
        let tokens = Tokens {
            control: api_client_token(&t, "centro-de-control", "footage:write,health:write").await,
            badges: api_client_token(&t, "red-de-placas", "pings:write").await,
        };
        let app = spawn_app(&t).await;
        let talking: Vec<(&str, &str)> = ["PNC-0451", "PNC-0452"].iter()
            .flat_map(|p| ["cabin", "forward"].map(|c| (*p, c)))
            .filter(|(p, c)| !stopped_talking(p, c))
            .collect();

        let mut feed = Feed::new(t.db.clone(), &app.url(""), tokens.clone()).unwrap();
        let first = feed.tick(now).await.unwrap();
        // A heartbeat from every camera still talking; footage from the car
        // on shift only, the last half hour of it; a ping every 30 s from
        // each badge for that half hour.
        assert_eq!(first.heartbeats as usize, talking.len());
        assert_eq!(first.duplicates, 0);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM footage_segments f JOIN cameras c ON c.id = f.camera_id \
                              JOIN vehicles v ON v.id = c.vehicle_id WHERE v.plate <> 'PNC-0451'").await, 0);
        let on_shift = talking.iter().filter(|(p, _)| *p == "PNC-0451").count() as u64;
        assert!(first.segments >= 5 * on_shift && first.segments <= 6 * on_shift, "{first:?}");
        assert_eq!(first.pings, 2 * 60, "{first:?}");
        assert_eq!(count(&t, "SELECT COUNT(*) FROM pings").await, 120);
        // Sent as the demo's clients, through the API.
        assert!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'pings.ingested' AND actor_label = 'red-de-placas'").await >= 1);

        // Nothing more is due at the same moment.
        assert_eq!(feed.tick(now).await.unwrap(), Default::default());

        // Restarted a minute later: two pings a badge, nothing sent twice.
        let mut restarted = Feed::new(t.db.clone(), &app.url(""), tokens).unwrap();
        let later = restarted.tick(now + 60_000).await.unwrap();
        assert_eq!((later.pings, later.duplicates, later.heartbeats), (4, 0, 0), "{later:?}");
        // The car goes on from where it was: no badge jumps.
        let track: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT p.ts, p.lat_e7, p.lon_e7 FROM pings p JOIN badges b ON b.id = p.badge_id WHERE b.chip_id = 'CHIP-1' ORDER BY p.ts")
            .fetch_all(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(track.len(), 62);
        for w in track.windows(2) {
            let d = app::tracking::track::distance_m(
                (w[0].1 as f64 / 1e7, w[0].2 as f64 / 1e7),
                (w[1].1 as f64 / 1e7, w[1].2 as f64 / 1e7),
            );
            let kmh = d / ((w[1].0 - w[0].0) as f64 / 1000.0) * 3.6;
            assert!(kmh < 80.0, "{kmh} km/h at {}", w[1].0);
        }
        assert!(matches!(app::audit::verify(&t.db).await.unwrap(), app::audit::Verification::Intact { .. }));
    }
}
