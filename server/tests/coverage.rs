//! Footage coverage of shifts, from a hand-made timeline sent through the
//! machine API, as the vehicle page, the officer's file and the worst-of
//! list show it; on both backends.

mod common;

use app::fleet::sla::SlaView;
use app::fleet::vehicle::{CoverageLine, CoverageReportView, VehicleView};
use app::footage::{FootageView, Verification};
use app::identity::Role;
use common::{api_client_token, assert_coverage_kept, create_user, spawn_app, TestDb};
use serde_json::json;

const MIN: i64 = 60_000;

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .to_rfc3339()
}

async fn exec(t: &TestDb, sql: &str, binds: &[&str]) {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(*b);
    }
    q.execute(t.db.pool_for_tests()).await.unwrap();
}

/// A whole minute three hours ago: the shift's start in these timelines.
fn three_hours_ago() -> i64 {
    (app::time::now_ms() - 3 * 60 * MIN) / MIN * MIN
}

/// PNC-0451 (both cameras) with officers 10001 (driver) and 10002 (crew);
/// PNC-0452 (a forward camera that never reports) with 10003; each for
/// one hour from `t0`.
async fn timeline(t: &TestDb, t0: i64) {
    exec(t, "INSERT INTO units (code, name, kind, parent_id, created_at) VALUES ('00', 'DG', 'national', NULL, 0)", &[]).await;
    for (plate, cams) in [
        ("PNC-0451", &["cabin", "forward"][..]),
        ("PNC-0452", &["forward"][..]),
    ] {
        exec(t, "INSERT INTO vehicles (plate, unit_id, created_at) VALUES ($1, (SELECT id FROM units WHERE code = '00'), 0)", &[plate]).await;
        for cam in cams {
            let serial = format!("{plate}-{cam}");
            exec(
                t,
                "INSERT INTO cameras (vehicle_id, placement, serial, created_at) \
                     VALUES ((SELECT id FROM vehicles WHERE plate = $1), $2, $3, 0)",
                &[plate, cam, &serial],
            )
            .await;
        }
    }
    for (badge, name, plate, role) in [
        ("10001", "Ana", "PNC-0451", "driver"),
        ("10002", "Luis", "PNC-0451", "crew"),
        ("10003", "Rosa", "PNC-0452", "driver"),
    ] {
        exec(t, "INSERT INTO officers (badge_number, given_names, family_names, rank, unit_id, status, hire_date, created_at, updated_at) \
                 VALUES ($1, $2, 'Xicará', 'agente', (SELECT id FROM units WHERE code = '00'), 'active', '2010-05-01', 0, 0)", &[badge, name]).await;
        sqlx::query("INSERT INTO vehicle_assignments (officer_id, vehicle_id, starts_at, ends_at, role, recorded_by, recorded_at) \
                     VALUES ((SELECT id FROM officers WHERE badge_number = $1), (SELECT id FROM vehicles WHERE plate = $2), $3, $4, $5, 'test', 0)")
            .bind(badge).bind(plate).bind(t0).bind(t0 + 60 * MIN).bind(role)
            .execute(t.db.pool_for_tests()).await.unwrap();
    }
}

/// PNC-0451's cameras during the shift from `t0`: cabin segments that
/// overlap the shift's start and end, with a 5-minute tamper alarm; the
/// forward camera only the first 20 minutes.
async fn send_feed(app: &common::TestApp, token: &str, t0: i64) {
    let seg = |id: &str, cam: &str, from: i64, to: i64| {
        json!({
            "segment": id, "vehicle": "PNC-0451", "camera": cam, "start": rfc3339(t0 + from * MIN),
            "end": rfc3339(t0 + to * MIN), "uri": format!("s3://x/{id}"),
            "sha256": format!("{:064x}", from * 1000 + to), "bytes": 1
        })
    };
    let footage = json!([
        seg("C1", "cabin", -2, 30),
        seg("C2", "cabin", 30, 62),
        seg("F1", "forward", 0, 20)
    ]);
    let beats = json!([
        { "vehicle": "PNC-0451", "camera": "cabin", "ts": rfc3339(t0 + 10 * MIN), "status": "tamper" },
        { "vehicle": "PNC-0451", "camera": "cabin", "ts": rfc3339(t0 + 15 * MIN), "status": "online" },
    ]);
    for (path, body) in [("footage", footage), ("heartbeats", beats)] {
        let res = app
            .client
            .post(app.url(&format!("/api/v1/ingest/{path}")))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
}

on_both_backends! {
    /// The database hands coverage over as runs of touching segments and
    /// as changes of heartbeat status. A run that began more than a day
    /// before the shift still covers it; repeated statuses change nothing.
    async fn long_runs_and_repeated_statuses_count_as_their_segments(t: TestDb) {
        let t0 = three_hours_ago();
        timeline(&t, t0).await;
        let token = api_client_token(&t, "centro", "footage:write,health:write").await;
        let app = spawn_app(&t).await;
        let seg = |cam: &str, from: i64| {
            json!({
                "segment": format!("{cam}-{from}"), "vehicle": "PNC-0451", "camera": cam,
                "start": rfc3339(t0 + from * MIN), "end": rfc3339(t0 + (from + 5) * MIN),
                "uri": format!("s3://x/{cam}/{from}"), "sha256": format!("{:064x}", from + 100_000), "bytes": 1
            })
        };
        // Cabin: every 5 minutes from 26 hours before the shift to its end.
        let mut footage: Vec<_> = (-26 * 12..12).map(|k| seg("cabin", k * 5)).collect();
        // Forward: 0–5, 10–15, then 20–60 without a break.
        footage.extend([0, 10].into_iter().chain((4..12).map(|k| k * 5)).map(|m| seg("forward", m)));
        let beat = |m: i64, status: &str| json!({ "vehicle": "PNC-0451", "camera": "forward", "ts": rfc3339(t0 + m * MIN), "status": status });
        let beats = json!([beat(0, "online"), beat(10, "online"), beat(30, "offline"), beat(40, "tamper"), beat(45, "offline"), beat(50, "online"), beat(55, "online")]);
        for (path, body) in [("footage", json!(footage)), ("heartbeats", beats)] {
            let res = app.client.post(app.url(&format!("/api/v1/ingest/{path}"))).bearer_auth(&token).json(&body).send().await.unwrap();
            assert_eq!(res.status(), 200);
        }

        let password = create_user(&t.db, "inv", &[Role::Investigator]).await;
        let inv = app.signed_in("inv", &password).await;
        let v: VehicleView = app.call(&inv, "get_vehicle", &[("plate", "PNC-0451")]).await.json().await.unwrap();
        let cam = |p: &str| v.shifts[0].cameras.iter().find(|c| c.placement == p).unwrap().clone();
        assert_eq!(cam("cabin").percent, 100.0);
        // Recorded 0–5, 10–15, 20–60; not online 30–50: 30 of 60 minutes.
        assert_eq!(cam("forward").percent, 50.0);
        assert_eq!(cam("forward").gaps.len(), 3);
    }
}

on_both_backends! {
    /// The coverage the ingest keeps stays what every stored record says
    /// whatever order the records come in: late footage from before the
    /// rest, a segment sent again, segments that overlap, a batch that
    /// fills the hole between two runs and joins them, and heartbeats
    /// that arrive after later ones and change which of those are changes.
    /// The vehicle page reads the same figure as the raw records give.
    async fn kept_coverage_follows_late_repeated_and_overlapping_records(t: TestDb) {
        let t0 = three_hours_ago();
        timeline(&t, t0).await;
        let token = api_client_token(&t, "centro", "footage:write,health:write").await;
        let app = spawn_app(&t).await;
        let seg = |cam: &str, from: i64, to: i64| {
            json!({
                "segment": format!("{cam}-{from}-{to}"), "vehicle": "PNC-0451", "camera": cam,
                "start": rfc3339(t0 + from * MIN), "end": rfc3339(t0 + to * MIN),
                "uri": format!("s3://x/{cam}/{from}/{to}"), "sha256": format!("{:064x}", (from + 1000) * 1000 + to), "bytes": 1
            })
        };
        let beat = |m: i64, status: &str| json!({ "vehicle": "PNC-0451", "camera": "cabin", "ts": rfc3339(t0 + m * MIN), "status": status });
        let send = |path: &'static str, body: serde_json::Value| {
            let app = &app;
            let token = token.clone();
            async move {
                let res = app.client.post(app.url(&format!("/api/v1/ingest/{path}"))).bearer_auth(token).json(&body).send().await.unwrap();
                assert_eq!(res.status(), 200);
                res.json::<serde_json::Value>().await.unwrap()
            }
        };
        send("footage", json!([seg("cabin", 0, 5), seg("cabin", 5, 10), seg("cabin", 20, 25), seg("forward", 0, 5)])).await;
        send("heartbeats", json!([beat(0, "online"), beat(10, "online"), beat(20, "offline"), beat(30, "online")])).await;
        assert_coverage_kept(&t.db).await;
        // Overlapping, filling the hole (10–20 joins 0–10 and 20–25), late
        // footage from before everything, and a repeat.
        let answer = send("footage", json!([seg("cabin", 3, 8), seg("cabin", 10, 20), seg("cabin", -100, -95), seg("cabin", 0, 5)])).await;
        assert_eq!(answer["duplicates"], 1);
        // Heartbeats between stored ones: 15 becomes a change and 20 no
        // longer is; 25 becomes one and 30 no longer is.
        send("heartbeats", json!([beat(15, "offline"), beat(25, "online")])).await;
        assert_coverage_kept(&t.db).await;
        // In reverse order within a batch; a heartbeat before all others.
        send("footage", json!([seg("cabin", 30, 35), seg("cabin", 25, 30)])).await;
        send("heartbeats", json!([beat(5, "tamper"), beat(-50, "online")])).await;
        assert_coverage_kept(&t.db).await;

        let cabin: i64 = sqlx::query_scalar("SELECT id FROM cameras WHERE serial = 'PNC-0451-cabin'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        let runs: Vec<(i64, i64)> = sqlx::query_as("SELECT starts_at, ends_at FROM camera_runs WHERE camera_id = $1 ORDER BY starts_at")
            .bind(cabin).fetch_all(t.db.pool_for_tests()).await.unwrap();
        let m = |x: i64| t0 + x * MIN;
        assert_eq!(runs, [(m(-100), m(-95)), (m(0), m(35))]);
        let changes: Vec<(i64, i64)> = sqlx::query_as("SELECT ts, online FROM camera_status_changes WHERE camera_id = $1 ORDER BY ts")
            .bind(cabin).fetch_all(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(changes, [(m(-50), 1), (m(5), 0), (m(10), 1), (m(15), 0), (m(25), 1)]);

        // Recorded 0–35 of the hour, not online 5–10 and 15–25: 20 minutes.
        let password = create_user(&t.db, "inv", &[Role::Investigator]).await;
        let inv = app.signed_in("inv", &password).await;
        let v: VehicleView = app.call(&inv, "get_vehicle", &[("plate", "PNC-0451")]).await.json().await.unwrap();
        let cam = v.shifts[0].cameras.iter().find(|c| c.placement == "cabin").unwrap().clone();
        assert_eq!(cam.percent, 33.3);
        assert_eq!(cam.gaps.len(), 3);
    }
}

on_both_backends! {
    /// Cabin: segments overlap the shift's start and end, a 5-minute tamper
    /// alarm in the middle: 55 of 60 minutes. Forward: the first 20
    /// minutes only. PNC-0452's camera never reported: 0 % of the half
    /// shift since it was registered.
    async fn gaps_are_shift_time_without_footage_or_not_online(t: TestDb) {
        let t0 = three_hours_ago();
        timeline(&t, t0).await;
        let token = api_client_token(&t, "centro", "footage:write,health:write").await;
        // PNC-0452's camera was registered half-way through the shift:
        // nothing is expected of it before.
        sqlx::query("UPDATE cameras SET created_at = $1 WHERE serial = 'PNC-0452-forward'")
            .bind(t0 + 30 * MIN).execute(t.db.pool_for_tests()).await.unwrap();
        let app = spawn_app(&t).await;
        send_feed(&app, &token, t0).await;

        let password = create_user(&t.db, "inv", &[Role::Investigator]).await;
        let inv = app.signed_in("inv", &password).await;
        let v: VehicleView = app.call(&inv, "get_vehicle", &[("plate", "pnc-0451")]).await.json().await.unwrap();
        assert_eq!(v.shifts.len(), 1, "the driver's and the crew's assignments are one shift");
        let shift = &v.shifts[0];
        assert_eq!(shift.crew.iter().map(|c| c.1.as_str()).collect::<Vec<_>>(), ["10001", "10002"]);
        let cam = |p: &str| shift.cameras.iter().find(|c| c.placement == p).unwrap().clone();
        assert_eq!(cam("cabin").percent, 91.7);
        assert_eq!(cam("cabin").gaps.len(), 1);
        assert_eq!(cam("forward").percent, 33.3);
        assert_eq!(v.percent, 62.5);

        let line: CoverageLine = app.call(&inv, "officer_coverage", &[("badge_number", "10002")]).await.json().await.unwrap();
        assert_eq!((line.shifts, line.gap_ms, line.percent), (1, 45 * MIN, 62.5));
        let none: CoverageLine = app.call(&inv, "officer_coverage", &[("badge_number", "10003")]).await.json().await.unwrap();
        assert_eq!(none.percent, 0.0);

        let report: CoverageReportView = app.call(&inv, "coverage_report", &[("days", "30")]).await.json().await.unwrap();
        let vehicles: Vec<(&str, i64)> = report.vehicles.iter().map(|l| (l.key.as_str(), l.gap_ms / MIN)).collect();
        assert_eq!(vehicles, [("PNC-0451", 45), ("PNC-0452", 30)]);
        let officers: Vec<&str> = report.officers.as_ref().unwrap().iter().map(|l| l.key.as_str()).collect();
        assert_eq!(officers, ["10001", "10002", "10003"]);
        assert_eq!(app.call(&inv, "coverage_report", &[("days", "9")]).await.status(), 422);

        // The page renders the same.
        let page = inv.get(app.url("/fleet/vehicles/PNC-0451")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("62.5"), "{page}");

        // A monitor sees cars and coverage, not who rode in them.
        let password = create_user(&t.db, "mon", &[Role::Monitor]).await;
        let mon = app.signed_in("mon", &password).await;
        let v: VehicleView = app.call(&mon, "get_vehicle", &[("plate", "PNC-0451")]).await.json().await.unwrap();
        assert!(v.shifts[0].crew.is_empty());
        let report: CoverageReportView = app.call(&mon, "coverage_report", &[]).await.json().await.unwrap();
        assert!(report.officers.is_none());
        assert_eq!(app.call(&mon, "officer_coverage", &[("badge_number", "10001")]).await.status(), 403);
    }
}

on_both_backends! {
    /// An investigator lists an officer's footage (through the vehicles
    /// they were assigned to) or a vehicle's; each listing is audited; a
    /// monitor may list a vehicle's but not an officer's; the ministry none.
    async fn footage_listings_are_audited_sensitive_reads(t: TestDb) {
        let t0 = three_hours_ago();
        timeline(&t, t0).await;
        let token = api_client_token(&t, "centro", "footage:write").await;
        let app = spawn_app(&t).await;
        let seg = |id: &str, cam: &str, from: i64, to: i64| json!({
            "segment": id, "vehicle": "PNC-0451", "camera": cam, "start": rfc3339(t0 + from * MIN),
            "end": rfc3339(t0 + to * MIN), "uri": format!("s3://x/{id}"),
            "sha256": format!("{:064x}", from * 1000 + to), "bytes": 187_000_000 });
        // C0 ends before the shift: not the officer's.
        let footage = json!([seg("C0", "cabin", -40, -35), seg("C1", "cabin", -2, 30), seg("C2", "cabin", 30, 62), seg("F1", "forward", 0, 20)]);
        let res = app.client.post(app.url("/api/v1/ingest/footage")).bearer_auth(&token).json(&footage).send().await.unwrap();
        assert_eq!(res.status(), 200);

        let password = create_user(&t.db, "inv", &[Role::Investigator]).await;
        let inv = app.signed_in("inv", &password).await;
        let (from, to) = (rfc3339(t0 - 60 * MIN), rfc3339(t0 + 120 * MIN));
        let v: FootageView = app.call(&inv, "list_footage", &[("officer", "10002"), ("from", &from), ("to", &to)]).await.json().await.unwrap();
        assert_eq!(v.segments, 3);
        let lane = |p: &str| v.lanes.iter().find(|l| l.plate == "PNC-0451" && l.placement == p).unwrap();
        assert_eq!(lane("cabin").segments.iter().map(|s| s.segment.as_str()).collect::<Vec<_>>(), ["C1", "C2"]);
        assert_eq!(lane("forward").segments[0].uri, "s3://x/F1");
        assert_eq!(lane("forward").segments[0].sha256.len(), 64);
        let audited = sqlx::query_as::<_, (String, String, String)>(
            "SELECT actor_label, object_id, details FROM audit_log WHERE action = 'footage.read'")
            .fetch_all(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(audited.len(), 1);
        assert_eq!((audited[0].0.as_str(), audited[0].1.as_str()), ("inv", "10002"));
        assert!(audited[0].2.contains("\"segments\":3"), "{}", audited[0].2);

        // A vehicle, ten minutes of it: the one segment running then.
        let v: FootageView = app.call(&inv, "list_footage", &[("vehicle", "pnc-0451"), ("from", &rfc3339(t0 + 40 * MIN)), ("to", &rfc3339(t0 + 50 * MIN))]).await.json().await.unwrap();
        assert_eq!(v.segments, 1);

        // Bad windows name the field.
        let bad = app.call(&inv, "list_footage", &[("vehicle", "PNC-0451"), ("from", &to), ("to", &from)]).await;
        assert_eq!(bad.status(), 422);
        let error: app::error::AppError = bad.json().await.unwrap();
        assert_eq!(error.to_string(), "to: must be after the start");
        let long = app.call(&inv, "list_footage", &[("vehicle", "PNC-0451"), ("from", &rfc3339(t0 - 8 * 1440 * MIN)), ("to", &to)]).await;
        assert_eq!(long.status(), 422);

        let password = create_user(&t.db, "mon", &[Role::Monitor]).await;
        let mon = app.signed_in("mon", &password).await;
        assert_eq!(app.call(&mon, "list_footage", &[("officer", "10002"), ("from", &from), ("to", &to)]).await.status(), 403);
        assert_eq!(app.call(&mon, "list_footage", &[("vehicle", "PNC-0451"), ("from", &from), ("to", &to)]).await.status(), 200);
        let password = create_user(&t.db, "min", &[Role::Ministry]).await;
        let min = app.signed_in("min", &password).await;
        assert_eq!(app.call(&min, "list_footage", &[("vehicle", "PNC-0451"), ("from", &from), ("to", &to)]).await.status(), 403);
        let reads: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'footage.read'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(reads, 3, "the investigator's two listings and the monitor's");
    }
}

on_both_backends! {
    /// A segment's file under the footage folder is read and its SHA-256
    /// compared: match, mismatch, or unreadable (missing, or outside the
    /// folder); each check recorded on the segment and in the audit trail.
    async fn segments_are_checked_against_their_files(t: TestDb) {
        use sha2::{Digest, Sha256};
        let t0 = three_hours_ago();
        timeline(&t, t0).await;
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("pnc")).unwrap();
        std::fs::write(root.path().join("pnc/a.mp4"), b"cabin video, 5 minutes").unwrap();
        std::fs::write(root.path().join("pnc/b.mp4"), b"a file that was altered").unwrap();
        // A pipe where a file should be: not read (nor waited on).
        let fifo = std::process::Command::new("mkfifo").arg(root.path().join("pnc/e.mp4")).status().unwrap();
        assert!(fifo.success());
        let sha = |b: &[u8]| hex::encode(Sha256::digest(b));
        let token = api_client_token(&t, "centro", "footage:write").await;
        let dir = root.path().to_path_buf();
        let app = common::spawn_app_with(&t, move |s| s.footage_root = Some(dir)).await;
        let seg = |id: &str, uri: &str, sha256: String, from: i64| json!({
            "segment": id, "vehicle": "PNC-0451", "camera": "cabin", "start": rfc3339(t0 + from * MIN),
            "end": rfc3339(t0 + (from + 5) * MIN), "uri": uri, "sha256": sha256, "bytes": 22 });
        let footage = json!([
            seg("A", "s3://pnc/a.mp4", sha(b"cabin video, 5 minutes"), 0),
            seg("B", "s3://pnc/b.mp4", sha(b"the original file"), 5),
            seg("C", "file:///etc/passwd", sha(b"x"), 10),
            seg("D", "s3://pnc/missing.mp4", sha(b"x"), 15),
            seg("E", "s3://pnc/e.mp4", sha(b"x"), 20),
        ]);
        let res = app.client.post(app.url("/api/v1/ingest/footage")).bearer_auth(&token).json(&footage).send().await.unwrap();
        assert_eq!(res.status(), 200);

        let inv_password = create_user(&t.db, "inv", &[Role::Investigator]).await;
        let inv = app.signed_in("inv", &inv_password).await;
        for (id, expected) in [("A", "match"), ("B", "mismatch"), ("C", "unreadable"), ("D", "unreadable"), ("E", "unreadable")] {
            let v: Verification = app.call(&inv, "verify_segment", &[("segment", id)]).await.json().await.unwrap();
            assert_eq!(v.result.as_str(), expected, "{id}: {v:?}");
            let stored: Option<String> = sqlx::query_scalar("SELECT verify_result FROM footage_segments WHERE segment = $1")
                .bind(id).fetch_one(t.db.pool_for_tests()).await.unwrap();
            assert_eq!(stored.as_deref(), Some(expected));
        }
        let c: Verification = app.call(&inv, "verify_segment", &[("segment", "C")]).await.json().await.unwrap();
        assert_eq!(c.detail.map(|p| p.english()).as_deref(), Some("file:///etc/passwd is outside the footage folder"));
        let e: Verification = app.call(&inv, "verify_segment", &[("segment", "E")]).await.json().await.unwrap();
        assert!(e.detail.map(|p| p.english()).unwrap_or_default().contains("is not a regular file"));
        let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'footage.verified'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(audited, 7);
        assert_eq!(app.call(&inv, "verify_segment", &[("segment", "Z")]).await.status(), 422);

        // Auditors change nothing, checks included.
        let password = create_user(&t.db, "aud", &[Role::Auditor]).await;
        let aud = app.signed_in("aud", &password).await;
        assert_eq!(app.call(&aud, "verify_segment", &[("segment", "A")]).await.status(), 403);

        // Without a footage folder, nothing can be checked.
        let plain = spawn_app(&t).await;
        let inv = plain.signed_in("inv", &inv_password).await;
        assert_eq!(plain.call(&inv, "verify_segment", &[("segment", "A")]).await.status(), 503);
    }
}

on_both_backends! {
    /// The SLA month: each camera's uptime is its covered share of its
    /// car's shift time; vehicles, regions and the fleet add time before
    /// dividing; cameras under the target are listed worst first; the CSV
    /// export is audited.
    async fn the_sla_report_adds_up_shift_time(t: TestDb) {
        use chrono::TimeZone;
        let t0 = three_hours_ago();
        timeline(&t, t0).await;
        sqlx::query("UPDATE cameras SET created_at = $1 WHERE serial = 'PNC-0452-forward'")
            .bind(t0 + 30 * MIN).execute(t.db.pool_for_tests()).await.unwrap();
        let token = api_client_token(&t, "centro", "footage:write,health:write").await;
        let app = spawn_app(&t).await;
        send_feed(&app, &token, t0).await;
        let month = chrono_tz::America::Guatemala.timestamp_millis_opt(t0).unwrap().format("%Y-%m").to_string();

        let password = create_user(&t.db, "mon", &[Role::Monitor]).await;
        let mon = app.signed_in("mon", &password).await;
        let r: SlaView = app.call(&mon, "sla_report", &[("month", &month)]).await.json().await.unwrap();
        assert_eq!(r.target, 98.0);
        assert_eq!((r.fleet.expected_ms, r.fleet.covered_ms, r.fleet.percent), (150 * MIN, 75 * MIN, 50.0));
        let below: Vec<(&str, f64)> = r.below.iter().map(|l| (l.key.as_str(), l.percent)).collect();
        assert_eq!(below, [("PNC-0452 forward", 0.0), ("PNC-0451 forward", 33.3), ("PNC-0451 cabin", 91.7)]);
        assert_eq!(r.below_total, 3);
        let v451 = r.vehicles.iter().find(|v| v.key == "PNC-0451").unwrap();
        assert_eq!(v451.percent, 62.5);
        assert_eq!(app.call(&mon, "sla_report", &[("month", "2026-13")]).await.status(), 422);

        let csv = mon.get(app.url(&format!("/fleet/sla.csv?month={month}"))).send().await.unwrap();
        assert_eq!(csv.status(), 200);
        assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let body = csv.text().await.unwrap();
        assert!(body.starts_with("month,level,key,name,expected_hours,covered_hours,uptime_percent,target_percent,below_target\r\n"), "{body}");
        assert!(body.contains(&format!("{month},fleet,,,2.50,1.25,50.0,98.0,yes\r\n")), "{body}");
        assert!(body.contains("camera_below_target,PNC-0452 forward"), "{body}");
        let exported: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'report.exported' AND object_id = $1")
            .bind(&month).fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(exported, 1);
    }
}
