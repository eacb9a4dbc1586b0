//! Camera health on the fleet board, fed through the machine API, on both
//! backends.

mod common;

use app::fleet::board::{BoardView, CameraState};
use app::identity::Role;
use app::policy::authorize;
use common::{create_user, spawn_app_with, TestDb};
use serde_json::json;

/// Region 01 (station 01-01) with PNC-0451 (two cameras) and PNC-0452
/// (a forward camera only); region 02 with PNC-0900.
async fn fleet(t: &TestDb) {
    let db = t.db.pool_for_tests();
    for (code, kind, parent) in [
        ("00", "national", None),
        ("01", "region", Some("00")),
        ("01-01", "station", Some("01")),
        ("02", "region", Some("00")),
    ] {
        sqlx::query(
            "INSERT INTO units (code, name, kind, parent_id, created_at) \
                     VALUES ($1, $2, $3, (SELECT id FROM units WHERE code = $4), 0)",
        )
        .bind(code)
        .bind(format!("Unidad {code}"))
        .bind(kind)
        .bind(parent)
        .execute(db)
        .await
        .unwrap();
    }
    for (plate, unit, cams) in [
        ("PNC-0451", "01-01", &["cabin", "forward"][..]),
        ("PNC-0452", "01-01", &["forward"][..]),
        ("PNC-0900", "02", &["cabin", "forward"][..]),
    ] {
        sqlx::query("INSERT INTO vehicles (plate, unit_id, created_at) VALUES ($1, (SELECT id FROM units WHERE code = $2), 0)")
            .bind(plate).bind(unit).execute(db).await.unwrap();
        for cam in cams {
            sqlx::query(
                "INSERT INTO cameras (vehicle_id, placement, serial, created_at) \
                         VALUES ((SELECT id FROM vehicles WHERE plate = $1), $2, $3, 0)",
            )
            .bind(plate)
            .bind(*cam)
            .bind(format!("{plate}-{cam}"))
            .execute(db)
            .await
            .unwrap();
        }
    }
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .to_rfc3339()
}

on_both_backends! {
    /// A monitor sees each camera's state from heartbeats and footage,
    /// trouble first, with counts; filters by state and region; a camera
    /// not heard from for longer than the setting is silent.
    async fn the_board_shows_what_the_cameras_said(t: TestDb) {
        fleet(&t).await;
        let operator = authorize(&app::identity::console_operator(), app::policy::act::ManageApiClients, app::policy::Object::Any).unwrap();
        let (_, token) = app::admin::clients::store::create_client(&t.db, &operator, "test", "centro", "health:write,footage:write").await.unwrap();
        let app = spawn_app_with(&t, |s| s.camera_silent = std::time::Duration::from_secs(5 * 60)).await;
        let now = app::time::now_ms();
        let beats = json!([
            { "vehicle": "PNC-0451", "camera": "cabin", "ts": rfc3339(now - 60_000), "status": "tamper" },
            { "vehicle": "PNC-0451", "camera": "forward", "ts": rfc3339(now - 120_000), "status": "online" },
            // Heard, but longer ago than the 5 minutes set: silent.
            { "vehicle": "PNC-0900", "camera": "cabin", "ts": rfc3339(now - 6 * 60_000), "status": "online" },
            { "vehicle": "PNC-0900", "camera": "forward", "ts": rfc3339(now - 30 * 60_000), "status": "offline" },
        ]);
        let res = app.client.post(app.url("/api/v1/ingest/heartbeats")).bearer_auth(token.reveal())
            .json(&beats).send().await.unwrap();
        assert_eq!(res.status(), 200);
        // PNC-0900's forward camera: offline at -30 min, but footage since.
        let segment = json!([{ "segment": "S-1", "vehicle": "PNC-0900", "camera": "forward",
            "start": rfc3339(now - 4 * 60_000), "end": rfc3339(now - 60_000), "uri": "s3://x",
            "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "bytes": 1 }]);
        let res = app.client.post(app.url("/api/v1/ingest/footage")).bearer_auth(token.reveal())
            .json(&segment).send().await.unwrap();
        assert_eq!(res.status(), 200);

        let password = create_user(&t.db, "mon", &[Role::Monitor]).await;
        let monitor = app.signed_in("mon", &password).await;
        let board: BoardView = app.call(&monitor, "fleet_board", &[]).await.json().await.unwrap();
        let count = |s: CameraState| board.counts.iter().find(|(c, _)| *c == s).unwrap().1;
        assert_eq!((count(CameraState::Online), count(CameraState::Tamper), count(CameraState::Silent)), (2, 1, 2));
        assert_eq!(board.silent_after_minutes, 5);
        let plates: Vec<&str> = board.vehicles.iter().map(|v| v.plate.as_str()).collect();
        assert_eq!(plates, ["PNC-0452", "PNC-0900", "PNC-0451"], "silent first, then tamper");
        let v451 = board.vehicles.iter().find(|v| v.plate == "PNC-0451").unwrap();
        assert_eq!(v451.cabin.as_ref().unwrap().state, CameraState::Tamper);
        assert_eq!(v451.forward.as_ref().unwrap().state, CameraState::Online);
        let v900 = board.vehicles.iter().find(|v| v.plate == "PNC-0900").unwrap();
        assert_eq!(v900.forward.as_ref().unwrap().state, CameraState::Online);
        assert!(board.vehicles.iter().find(|v| v.plate == "PNC-0452").unwrap().cabin.is_none());

        let tamper: BoardView = app.call(&monitor, "fleet_board", &[("state", "tamper")]).await.json().await.unwrap();
        assert_eq!(tamper.vehicles.iter().map(|v| v.plate.as_str()).collect::<Vec<_>>(), ["PNC-0451"]);
        let region: BoardView = app.call(&monitor, "fleet_board", &[("region", "02")]).await.json().await.unwrap();
        assert_eq!(region.vehicles.iter().map(|v| v.plate.as_str()).collect::<Vec<_>>(), ["PNC-0900"]);
        assert_eq!(region.counts.iter().map(|(_, n)| n).sum::<i64>(), 2, "counts follow the region");
        let bad = app.call(&monitor, "fleet_board", &[("state", "asleep")]).await;
        assert_eq!(bad.status(), 422);
        assert!(board.vehicles.iter().all(|v| !v.on_shift) && board.on_shift == 0);

        // An officer takes PNC-0451 out now: its tampered camera is losing
        // footage of a shift, so it heads the board, marked on shift; the
        // silent cameras of parked cars follow. A shift that ended does
        // not count.
        sqlx::query("INSERT INTO officers (badge_number, given_names, family_names, rank, unit_id, status, hire_date, created_at, updated_at) \
                     VALUES ('10001', 'Ana', 'Xicará', 'agente', (SELECT id FROM units WHERE code = '01-01'), 'active', '2010-05-01', 0, 0)")
            .execute(t.db.pool_for_tests()).await.unwrap();
        for (plate, from, to) in [("PNC-0451", now - 3_600_000, now + 7 * 3_600_000), ("PNC-0900", now - 9 * 3_600_000, now - 3_600_000)] {
            sqlx::query("INSERT INTO vehicle_assignments (officer_id, vehicle_id, starts_at, ends_at, role, recorded_by, recorded_at) \
                         VALUES ((SELECT id FROM officers WHERE badge_number = '10001'), (SELECT id FROM vehicles WHERE plate = $1), $2, $3, 'driver', 'test', 0)")
                .bind(plate).bind(from).bind(to).execute(t.db.pool_for_tests()).await.unwrap();
        }
        let board: BoardView = app.call(&monitor, "fleet_board", &[]).await.json().await.unwrap();
        let plates: Vec<(&str, bool)> = board.vehicles.iter().map(|v| (v.plate.as_str(), v.on_shift)).collect();
        assert_eq!(plates, [("PNC-0451", true), ("PNC-0452", false), ("PNC-0900", false)], "trouble on shift first");
        assert_eq!(board.on_shift, 1);
        let on: BoardView = app.call(&monitor, "fleet_board", &[("duty", "on")]).await.json().await.unwrap();
        assert_eq!(on.vehicles.iter().map(|v| v.plate.as_str()).collect::<Vec<_>>(), ["PNC-0451"]);
        let off: BoardView = app.call(&monitor, "fleet_board", &[("duty", "off")]).await.json().await.unwrap();
        assert_eq!(off.vehicles.iter().map(|v| v.plate.as_str()).collect::<Vec<_>>(), ["PNC-0452", "PNC-0900"]);
        assert_eq!(app.call(&monitor, "fleet_board", &[("duty", "maybe")]).await.status(), 422);

        // The page itself, rendered for the monitor.
        let page = monitor.get(app.url("/fleet?state=tamper")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("data-plate=\"PNC-0451\""), "{page}");
        assert!(!page.contains("data-plate=\"PNC-0900\""));

        // An administrator manages accounts, not the fleet.
        let password = create_user(&t.db, "adm", &[Role::Admin]).await;
        let admin = app.signed_in("adm", &password).await;
        assert_eq!(app.call(&admin, "fleet_board", &[]).await.status(), 403);
    }
}

on_both_backends! {
    /// The board is summed once for all its readers (the same "updated"
    /// time for each) and summed again as soon as anything under it is
    /// written: a batch of heartbeats, or a car moved to another region
    /// by a statement no code of Vigía's wrote.
    async fn the_board_is_shared_until_something_under_it_is_written(t: TestDb) {
        fleet(&t).await;
        let operator = authorize(&app::identity::console_operator(), app::policy::act::ManageApiClients, app::policy::Object::Any).unwrap();
        let (_, token) = app::admin::clients::store::create_client(&t.db, &operator, "test", "centro", "health:write").await.unwrap();
        let app = spawn_app_with(&t, |_| {}).await;
        let password = create_user(&t.db, "mon", &[Role::Monitor]).await;
        let monitor = app.signed_in("mon", &password).await;
        let password = create_user(&t.db, "sup", &[Role::Supervisor]).await;
        let supervisor = app.signed_in("sup", &password).await;

        let first: BoardView = app.call(&monitor, "fleet_board", &[]).await.json().await.unwrap();
        let second: BoardView = app.call(&supervisor, "fleet_board", &[]).await.json().await.unwrap();
        assert_eq!(first.at, second.at, "one board for both readers");
        assert_eq!(first.vehicles, second.vehicles);

        let now = app::time::now_ms();
        let beat = json!([{ "vehicle": "PNC-0452", "camera": "forward", "ts": rfc3339(now), "status": "tamper" }]);
        let res = app.client.post(app.url("/api/v1/ingest/heartbeats")).bearer_auth(token.reveal())
            .json(&beat).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let after: BoardView = app.call(&monitor, "fleet_board", &[("state", "tamper")]).await.json().await.unwrap();
        assert!(after.at > first.at, "summed again after the heartbeats");
        assert_eq!(after.vehicles.iter().map(|v| v.plate.as_str()).collect::<Vec<_>>(), ["PNC-0452"]);

        sqlx::query("UPDATE vehicles SET unit_id = (SELECT id FROM units WHERE code = '02') WHERE plate = 'PNC-0452'")
            .execute(t.db.pool_for_tests()).await.unwrap();
        let region: BoardView = app.call(&monitor, "fleet_board", &[("region", "02")]).await.json().await.unwrap();
        let mut plates: Vec<&str> = region.vehicles.iter().map(|v| v.plate.as_str()).collect();
        plates.sort();
        assert_eq!(plates, ["PNC-0452", "PNC-0900"], "the moved car is in its new region at once");
    }
}

on_both_backends! {
    /// The board shows the badges of each car's crew on shift now: a badge
    /// heard within the setting is fine, one silent longer (or never heard)
    /// is counted, named to a supervisor and not to a monitor (who may not
    /// read officers), and a car with a silent badge heads the board. A
    /// shift that ended, or a chip handed back, does not count.
    async fn the_board_shows_badges_silent_during_a_shift(t: TestDb) {
        fleet(&t).await;
        let app = spawn_app_with(&t, |s| s.tracking.silent_minutes = 10).await;
        let now = app::time::now_ms();
        let db = t.db.pool_for_tests();
        for badge in ["10001", "10002", "10003"] {
            sqlx::query("INSERT INTO officers (badge_number, given_names, family_names, rank, unit_id, status, hire_date, created_at, updated_at) \
                         VALUES ($1, 'Ana', 'Xicará', 'agente', (SELECT id FROM units WHERE code = '01-01'), 'active', '2010-05-01', 0, 0)")
                .bind(badge).execute(db).await.unwrap();
        }
        // 10001 heard a minute ago, 10002 twenty minutes ago, 10003's chip never:
        // 10001 and 10002 ride PNC-0452 now, 10003 rode PNC-0900 until an hour ago.
        for (chip, badge, last) in [("C-1", "10001", Some(now - 60_000)), ("C-2", "10002", Some(now - 20 * 60_000)), ("C-3", "10003", None)] {
            sqlx::query("INSERT INTO badges (chip_id, created_at, last_ping_at) VALUES ($1, 0, $2)")
                .bind(chip).bind(last).execute(db).await.unwrap();
            sqlx::query("INSERT INTO badge_assignments (badge_id, officer_id, valid_from, valid_to) \
                         VALUES ((SELECT id FROM badges WHERE chip_id = $1), (SELECT id FROM officers WHERE badge_number = $2), 0, NULL)")
                .bind(chip).bind(badge).execute(db).await.unwrap();
        }
        for (badge, plate, from, to, role) in [
            ("10001", "PNC-0452", now - 3_600_000, now + 3_600_000, "driver"),
            ("10002", "PNC-0452", now - 3_600_000, now + 3_600_000, "crew"),
            ("10003", "PNC-0900", now - 9 * 3_600_000, now - 3_600_000, "driver"),
        ] {
            sqlx::query("INSERT INTO vehicle_assignments (officer_id, vehicle_id, starts_at, ends_at, role, recorded_by, recorded_at) \
                         VALUES ((SELECT id FROM officers WHERE badge_number = $1), (SELECT id FROM vehicles WHERE plate = $2), $3, $4, $5, 'test', 0)")
                .bind(badge).bind(plate).bind(from).bind(to).bind(role).execute(db).await.unwrap();
        }
        let password = create_user(&t.db, "mon", &[Role::Monitor]).await;
        let monitor = app.signed_in("mon", &password).await;
        let password = create_user(&t.db, "sup", &[Role::Supervisor]).await;
        let supervisor = app.signed_in("sup", &password).await;

        let board: BoardView = app.call(&supervisor, "fleet_board", &[]).await.json().await.unwrap();
        assert_eq!((board.silent_badges, board.badge_silent_after_minutes), (1, 10));
        assert_eq!(board.vehicles[0].plate, "PNC-0452", "a silent badge on shift heads the board");
        let car = &board.vehicles[0];
        assert_eq!(car.badges, 2);
        let silent: Vec<(&str, Option<i64>)> = car.silent_badges.iter().map(|b| (b.badge_number.as_str(), b.last_ping_at)).collect();
        assert_eq!(silent, [("10002", Some(now - 20 * 60_000))]);
        let parked = board.vehicles.iter().find(|v| v.plate == "PNC-0900").unwrap();
        assert_eq!((parked.badges, parked.silent_badges.len()), (0, 0), "the shift ended");

        // The monitor sees how many, not whose.
        let seen: BoardView = app.call(&monitor, "fleet_board", &[("badges", "silent")]).await.json().await.unwrap();
        assert_eq!(seen.vehicles.iter().map(|v| v.plate.as_str()).collect::<Vec<_>>(), ["PNC-0452"]);
        assert_eq!(seen.vehicles[0].silent_badges.len(), 1);
        assert_eq!(seen.vehicles[0].silent_badges[0].badge_number, "");
        let page = monitor.get(app.url("/fleet?badges=silent")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("data-badges=\"silent\"") && !page.contains("10002"), "{page}");
        let page = supervisor.get(app.url("/fleet?badges=silent")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("href=\"/officers/10002\""), "{page}");
        assert_eq!(app.call(&monitor, "fleet_board", &[("badges", "loud")]).await.status(), 422);

        // 10002's chip is handed back: nothing of theirs is silent any more.
        sqlx::query("UPDATE badge_assignments SET valid_to = $1 WHERE badge_id = (SELECT id FROM badges WHERE chip_id = 'C-2')")
            .bind(now - 1).execute(db).await.unwrap();
        sqlx::query("UPDATE vehicles SET plate = plate WHERE plate = 'PNC-0452'").execute(db).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let after: BoardView = app.call(&supervisor, "fleet_board", &[("region", "01")]).await.json().await.unwrap();
        let car = after.vehicles.iter().find(|v| v.plate == "PNC-0452").unwrap();
        assert_eq!((car.badges, car.silent_badges.len(), after.silent_badges), (1, 0, 0));
    }
}
