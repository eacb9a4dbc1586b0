//! Badge pings through the machine API as the badge network and OsmAnd
//! trackers send them (../shared/API.md): every rule of the contract, the
//! wearer each ping is kept under (a track follows the officer, not the
//! chip), duplicates and integrity conflicts, a store failure, and
//! PostgreSQL's monthly partitions. Each test runs on SQLite and on
//! PostgreSQL.

mod common;
use common::count;

use common::{api_client_token as token, create_user, spawn_app, spawn_app_with, TestApp, TestDb};
use serde_json::{json, Value};

/// Officers 1001 (Ana), 1002 (Berta) and 1003 (Carla). CHIP-1 is Ana's
/// until 18:00 UTC on 16 April 2013, then Berta's; CHIP-2 is nobody's.
async fn wearers(t: &TestDb) {
    let db = t.db.pool_for_tests();
    sqlx::query("INSERT INTO units (code, name, kind, parent_id, created_at) VALUES ('00', 'DG', 'national', NULL, 0)")
        .execute(db).await.unwrap();
    for (badge, name) in [("1001", "Ana"), ("1002", "Berta"), ("1003", "Carla")] {
        sqlx::query("INSERT INTO officers (badge_number, given_names, family_names, rank, unit_id, status, hire_date, created_at, updated_at) \
                     VALUES ($1, $2, 'Xicará', 'agente', (SELECT id FROM units WHERE code = '00'), 'active', '2010-05-01', 0, 0)")
            .bind(badge).bind(name).execute(db).await.unwrap();
    }
    for chip in ["CHIP-1", "CHIP-2"] {
        sqlx::query("INSERT INTO badges (chip_id, created_at) VALUES ($1, 0)")
            .bind(chip)
            .execute(db)
            .await
            .unwrap();
    }
    let handover = at("2013-04-16T18:00:00Z");
    for (officer, from, to) in [("1001", 0, Some(handover)), ("1002", handover, None)] {
        sqlx::query("INSERT INTO badge_assignments (badge_id, officer_id, valid_from, valid_to) \
                     VALUES ((SELECT id FROM badges WHERE chip_id = 'CHIP-1'), (SELECT id FROM officers WHERE badge_number = $1), $2, $3)")
            .bind(officer).bind(from).bind(to).execute(db).await.unwrap();
    }
}

fn at(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .timestamp_millis()
}

fn ping(badge: &str, ts: &str, lat: f64, lon: f64) -> Value {
    json!({ "badge": badge, "ts": ts, "lat": lat, "lon": lon, "accuracy_m": 12.5, "source": "gps" })
}

async fn post(app: &TestApp, token: &str, content_type: &str, body: String) -> (u16, Value) {
    common::api_post(app, "/api/v1/ingest/pings", Some(token), content_type, body).await
}

/// Who each stored ping of a chip is kept under, by time.
async fn kept_under(t: &TestDb, chip: &str) -> Vec<(i64, Option<String>)> {
    sqlx::query_as(
        "SELECT p.ts, o.badge_number FROM pings p JOIN badges b ON b.id = p.badge_id \
                    LEFT JOIN officers o ON o.id = p.officer_id WHERE b.chip_id = $1 ORDER BY p.ts",
    )
    .bind(chip)
    .fetch_all(t.db.pool_for_tests())
    .await
    .unwrap()
}

on_both_backends! {
    /// A batch is judged record by record: valid pings stored (each under
    /// the officer who wore the chip then, with its H3 cell), an unknown
    /// chip and bad fields rejected with the field and the reason, the
    /// same ping twice in one batch counted once. The batch is audited.
    async fn a_batch_is_judged_record_by_record_and_follows_the_wearer(t: TestDb) {
        wearers(&t).await;
        let token = token(&t, "placas", "pings:write").await;
        let app = spawn_app(&t).await;
        let batch = json!([
            ping("CHIP-1", "2013-04-16T14:00:00Z", 14.6349, -90.5069),
            ping("chip-1", "2013-04-16T13:00:00-06:00", 14.6401, -90.5133),
            ping("CHIP-2", "2013-04-16T14:00:00Z", 14.60, -90.50),
            ping("CHIP-9", "2013-04-16T14:00:00Z", 14.60, -90.50),
            ping("CHIP-1", "2013-04-16T14:01:00Z", 123.4, -90.50),
            ping("CHIP-1", "2999-01-01T00:00:00Z", 14.60, -90.50),
            ping("CHIP-1", "2013-04-16T14:00:00Z", 14.6349, -90.5069),
            // The last minute of March: another month (another partition on PostgreSQL).
            ping("CHIP-1", "2013-03-31T23:59:59Z", 14.6349, -90.5069),
            json!({ "badge": "CHIP-1", "ts": "2013-04-16T14:02:00Z", "lat": 14.6, "lon": -90.5, "accuracy_m": -2 }),
        ]);
        let (status, answer) = post(&app, &token, "application/json", batch.to_string()).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer, json!({
            "accepted": 4, "duplicates": 1,
            "rejected": [
                { "index": 3, "error": "badge: unknown badge CHIP-9" },
                { "index": 4, "error": "lat: 123.4 is outside -90..90" },
                { "index": 5, "error": "ts: is more than 5 minutes ahead of the server clock" },
                { "index": 8, "error": "accuracy_m: -2 must be 0 or more" },
            ],
        }));
        assert_eq!(kept_under(&t, "CHIP-1").await, [
            (at("2013-03-31T23:59:59Z"), Some("1001".to_string())),
            (at("2013-04-16T14:00:00Z"), Some("1001".to_string())),
            (at("2013-04-16T19:00:00Z"), Some("1002".to_string())),
        ], "the chip changed hands at 18:00: so did its pings");
        assert_eq!(kept_under(&t, "CHIP-2").await, [(at("2013-04-16T14:00:00Z"), None)]);
        let (lat, lon, cell, accuracy, source, channel): (i64, i64, i64, f64, String, String) = sqlx::query_as(
            "SELECT lat_e7, lon_e7, cell, accuracy_m, source, channel FROM pings WHERE ts = $1 AND officer_id = (SELECT id FROM officers WHERE badge_number = '1002')")
            .bind(at("2013-04-16T19:00:00Z")).fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!((lat, lon), (146_401_000, -905_133_000));
        assert_eq!(cell, app::tracking::cell_of(lat, lon));
        assert_eq!((accuracy, source.as_str(), channel.as_str()), (12.5, "gps", "batch"));
        // The chip's latest ping, for badge health.
        assert_eq!(count(&t, "SELECT last_ping_at FROM badges WHERE chip_id = 'CHIP-1'").await, at("2013-04-16T19:00:00Z"));
        let details: String = sqlx::query_scalar("SELECT details FROM audit_log WHERE action = 'pings.ingested'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        let details: Value = serde_json::from_str(&details).unwrap();
        assert_eq!((details["accepted"].as_i64(), details["duplicates"].as_i64(), details["rejected"].as_i64()), (Some(4), Some(1), Some(4)));
        if t.backend() == app::store::Backend::Postgres {
            let partitions: Vec<String> = sqlx::query_scalar(
                "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
                 WHERE i.inhparent = 'pings'::regclass ORDER BY 1")
                .fetch_all(t.db.pool_for_tests()).await.unwrap();
            assert!(partitions.contains(&"pings_y2013m03".to_string()) && partitions.contains(&"pings_y2013m04".to_string()), "{partitions:?}");
            assert_eq!(count(&t, "SELECT COUNT(*) FROM pings_y2013m03").await, 1);
        }
    }
}

on_both_backends! {
    /// Sent again (here as NDJSON), a batch changes nothing: its pings are
    /// duplicates. The same chip and time with other coordinates is an
    /// integrity conflict: rejected, audited, the stored position kept.
    async fn resending_is_safe_and_other_coordinates_are_an_integrity_conflict(t: TestDb) {
        wearers(&t).await;
        let token = token(&t, "placas", "pings:write").await;
        let app = spawn_app(&t).await;
        let records = [
            ping("CHIP-1", "2013-04-16T14:00:00Z", 14.6349, -90.5069),
            ping("CHIP-1", "2013-04-16T14:00:30Z", 14.6350, -90.5070),
        ];
        let ndjson = |records: &[Value]| records.iter().map(|r| r.to_string()).collect::<Vec<_>>().join("\n");
        let (_, first) = post(&app, &token, "application/x-ndjson", ndjson(&records)).await;
        assert_eq!(first["accepted"], 2);
        let audit_before = count(&t, "SELECT COUNT(*) FROM audit_log").await;
        let (status, again) = post(&app, &token, "application/x-ndjson", format!("{}\n\n", ndjson(&records))).await;
        assert_eq!(status, 200);
        assert_eq!(again, json!({ "accepted": 0, "duplicates": 2, "rejected": [] }));
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log").await, audit_before, "a no-op batch writes nothing");

        let moved = [
            ping("CHIP-1", "2013-04-16T14:01:00Z", 14.6351, -90.5071),
            ping("CHIP-1", "2013-04-16T14:00:30Z", 14.7000, -90.5070),
            json!("not a ping"),
        ];
        let (_, answer) = post(&app, &token, "application/x-ndjson", ndjson(&moved)).await;
        assert_eq!(answer["accepted"], 1, "{answer}");
        assert_eq!(answer["rejected"][0], json!({ "index": 1,
            "error": "integrity: badge CHIP-1 has a ping at 2013-04-16T14:00:30Z stored at 14.6350000, -90.5070000; this record says 14.7000000, -90.5070000" }));
        assert_eq!(answer["rejected"][1], json!({ "index": 2, "error": "the record must be a JSON object" }));
        assert_eq!(count(&t, "SELECT lat_e7 FROM pings WHERE ts = 1366120830000").await, 146_350_000, "the stored one stands");
        let (actor, object_type, object_id, outcome): (String, String, String, String) = sqlx::query_as(
            "SELECT actor_label, object_type, object_id, outcome FROM audit_log WHERE action = 'ingest.integrity_conflict'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!((actor.as_str(), object_type.as_str(), object_id.as_str(), outcome.as_str()),
                   ("placas", "ping", "CHIP-1/2013-04-16T14:00:30Z", "denied"));
        assert!(matches!(app::audit::verify(&t.db).await.unwrap(), app::audit::Verification::Intact { .. }));
    }
}

on_both_backends! {
    /// A chip handed out, or returned, with a time before pings it sent
    /// had arrived: those pings move to the officer who wore it then.
    async fn a_handover_recorded_late_moves_the_chips_pings(t: TestDb) {
        wearers(&t).await;
        let token = token(&t, "placas", "pings:write").await;
        let app = spawn_app(&t).await;
        let batch = json!([
            ping("CHIP-2", "2013-04-16T14:00:00Z", 14.60, -90.50),
            ping("CHIP-2", "2013-04-16T14:40:00Z", 14.61, -90.50),
            ping("CHIP-2", "2013-04-16T15:00:00Z", 14.62, -90.50),
        ]);
        assert_eq!(post(&app, &token, "application/json", batch.to_string()).await.1["accepted"], 3);
        let password = create_user(&t.db, "jefa", &[app::identity::Role::Supervisor]).await;
        let supervisor = app.signed_in("jefa", &password).await;
        // Local time (UTC-6): 08:30 is 14:30 UTC.
        let res = app.call(&supervisor, "assign_chip", &[("badge_number", "1003"), ("chip_id", "CHIP-2"), ("from", "2013-04-16T08:30")]).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        let carla = Some("1003".to_string());
        assert_eq!(kept_under(&t, "CHIP-2").await, [
            (at("2013-04-16T14:00:00Z"), None),
            (at("2013-04-16T14:40:00Z"), carla.clone()),
            (at("2013-04-16T15:00:00Z"), carla.clone()),
        ]);
        let res = app.call(&supervisor, "return_chip", &[("badge_number", "1003"), ("at", "2013-04-16T08:50")]).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        assert_eq!(kept_under(&t, "CHIP-2").await, [
            (at("2013-04-16T14:00:00Z"), None),
            (at("2013-04-16T14:40:00Z"), carla),
            (at("2013-04-16T15:00:00Z"), None),
        ]);
    }
}

async fn osmand(
    app: &TestApp,
    method: reqwest::Method,
    path_and_query: &str,
    bearer: Option<&str>,
    content_type: Option<&str>,
    body: &str,
) -> (u16, String) {
    let mut req = app
        .client
        .request(method, app.url(path_and_query))
        .body(body.to_string());
    if let Some(token) = bearer {
        req = req.bearer_auth(token);
    }
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

on_both_backends! {
    /// OsmAnd trackers in every form they send: GET with the query string,
    /// POST with the query string and no body, a form body, Traccar
    /// Client's JSON; the token in the header or the path; the timestamp in
    /// seconds, milliseconds or RFC 3339. Stored or duplicate: 200 with an
    /// empty body; otherwise 400 with the reason.
    async fn osmand_trackers_in_every_form(t: TestDb) {
        use reqwest::Method;
        wearers(&t).await;
        let token = token(&t, "traccar", "pings:write").await;
        let footage_only = token_for_footage(&t).await;
        let app = spawn_app(&t).await;
        let q = |chip: &str, ts: &str| format!("id={chip}&lat=14.6349&lon=-90.5069&timestamp={ts}&accuracy=8&hdop=0.9&valid=true");

        let (status, body) = osmand(&app, Method::GET, &format!("/api/v1/osmand?{}", q("CHIP-1", "1366120800")), Some(&token), None, "").await;
        assert_eq!((status, body.as_str()), (200, ""));
        let (status, _) = osmand(&app, Method::POST, &format!("/api/v1/osmand/{token}?{}", q("CHIP-1", "2013-04-16T14:00:10Z")), None, None, "").await;
        assert_eq!(status, 200);
        let form = "deviceid=CHIP-1&lat=14.6350&lon=-90.5070&timestamp=1366120820000&speed=10&bearing=270&altitude=1500&batt=55";
        let (status, _) = osmand(&app, Method::POST, &format!("/api/v1/osmand/{token}"), None, Some("application/x-www-form-urlencoded"), form).await;
        assert_eq!(status, 200);
        let traccar = json!({ "device_id": "CHIP-1", "location": {
            "timestamp": "2013-04-16T14:00:30.000Z", "mock": true, "is_moving": true, "odometer": 0,
            "coords": { "latitude": 14.6351, "longitude": -90.5071, "accuracy": 12.5, "speed": 9.4, "heading": 54.1, "altitude": 1540.3 },
            "battery": { "level": 0.87, "is_charging": false } } }).to_string();
        let (status, body) = osmand(&app, Method::POST, "/api/v1/osmand", Some(&token), Some("application/json"), &traccar).await;
        assert_eq!((status, body.as_str()), (200, ""));
        // The same again: a duplicate, as welcome.
        let (status, _) = osmand(&app, Method::POST, "/api/v1/osmand", Some(&token), Some("application/json"), &traccar).await;
        assert_eq!(status, 200);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM pings WHERE channel = 'osmand'").await, 4);
        let (speed, bearing, battery, mock): (f64, f64, f64, i64) = sqlx::query_as(
            "SELECT speed_mps, bearing_deg, battery_pct, mock FROM pings WHERE ts = 1366120820000")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert!((speed - 5.144).abs() < 0.001, "10 knots: {speed}");
        assert_eq!((bearing, battery, mock), (270.0, 55.0, 0));
        let (speed, battery, mock): (f64, f64, i64) = sqlx::query_as(
            "SELECT speed_mps, battery_pct, mock FROM pings WHERE ts = 1366120830000")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!((speed, mock), (9.4, 1), "m/s in the JSON form; the mock flag kept");
        assert!((battery - 87.0).abs() < 1e-9);
        assert_eq!(count(&t, "SELECT CAST(last_battery_pct AS BIGINT) FROM badges WHERE chip_id = 'CHIP-1'").await, 87);
        // Badge health on the file of the officer who wears the chip now.
        let password = create_user(&t.db, "inv", &[app::identity::Role::Investigator]).await;
        let inv = app.signed_in("inv", &password).await;
        let file: app::officers::OfficerProfile = app.call(&inv, "get_officer", &[("badge_number", "1002")]).await.json().await.unwrap();
        assert_eq!(file.chips[0].chip_id, "CHIP-1");
        assert_eq!((file.chips[0].last_ping.as_deref(), file.chips[0].battery_pct), (Some("2013-04-16 08:00:30"), Some(87)));
        assert!(file.track_href.as_deref().unwrap().starts_with("/officers/1002/track?from="));

        // Refusals: the reason, naming the field.
        let moved = traccar.replace("14.6351", "14.7351");
        let cases = [
            (format!("/api/v1/osmand?{}", q("CHIP-9", "1366120800")), None, "id: unknown badge CHIP-9".to_string()),
            ("/api/v1/osmand?id=CHIP-1&lat=91&lon=0&timestamp=1366120800".to_string(), None, "lat: 91 is outside -90..90".to_string()),
            ("/api/v1/osmand?id=CHIP-1&lat=1&lon=0".to_string(), None, "timestamp: missing".to_string()),
            ("/api/v1/osmand".to_string(), Some(moved), "integrity: badge CHIP-1 has a ping at 2013-04-16T14:00:30Z stored at 14.6351000, -90.5071000; this record says 14.7351000, -90.5071000".to_string()),
        ];
        for (path, json_body, reason) in cases {
            let (status, body) = match &json_body {
                Some(b) => osmand(&app, Method::POST, &path, Some(&token), Some("application/json"), b).await,
                None => osmand(&app, Method::GET, &path, Some(&token), None, "").await,
            };
            assert_eq!(status, 400, "{path}: {body}");
            let error: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(error["error"], reason.as_str());
        }
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'ingest.integrity_conflict' AND object_type = 'ping'").await, 1);
        // Tokens: none, unknown (header or path), without the scope.
        assert_eq!(osmand(&app, Method::GET, &format!("/api/v1/osmand?{}", q("CHIP-1", "1366120900")), None, None, "").await.0, 401);
        assert_eq!(osmand(&app, Method::GET, &format!("/api/v1/osmand/vgt_nobody?{}", q("CHIP-1", "1366120900")), None, None, "").await.0, 401);
        assert_eq!(osmand(&app, Method::GET, &format!("/api/v1/osmand/{footage_only}?{}", q("CHIP-1", "1366120900")), None, None, "").await.0, 403);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM pings").await, 4);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'pings.ingested'").await, 4, "one record a stored ping");
    }
}

async fn token_for_footage(t: &TestDb) -> String {
    token(t, "centro", "footage:write").await
}

on_both_backends! {
    /// If the store fails in the middle of a batch, the answer is 503 and
    /// nothing of the batch is stored; sent again, it goes in whole.
    async fn a_store_failure_leaves_nothing_of_the_ping_batch(t: TestDb) {
        wearers(&t).await;
        let token = token(&t, "placas", "pings:write").await;
        let app = spawn_app(&t).await;
        let failing = at("2013-04-16T14:00:00Z") + 299_000;
        let trigger = match t.backend() {
            app::store::Backend::Sqlite => vec![format!(
                "CREATE TRIGGER disk_full BEFORE INSERT ON pings WHEN NEW.ts = {failing} \
                 BEGIN SELECT RAISE(ABORT, 'simulated disk failure'); END")],
            app::store::Backend::Postgres => vec![
                format!("CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 IF NEW.ts = {failing} THEN RAISE EXCEPTION 'simulated disk failure'; END IF; RETURN NEW; END; $$"),
                "CREATE TRIGGER disk_full BEFORE INSERT ON pings FOR EACH ROW EXECUTE FUNCTION disk_full()".to_string(),
            ],
        };
        for sql in &trigger {
            sqlx::query(sql).execute(t.db.pool_for_tests()).await.unwrap();
        }
        let records: Vec<Value> = (0..600).map(|i| {
            let ts = chrono::DateTime::from_timestamp_millis(at("2013-04-16T14:00:00Z") + i * 1000).unwrap().to_rfc3339();
            ping("CHIP-1", &ts, 14.6 + i as f64 * 1e-5, -90.5)
        }).collect();
        let audit_before = count(&t, "SELECT COUNT(*) FROM audit_log").await;
        let (status, answer) = post(&app, &token, "application/json", json!(records).to_string()).await;
        assert_eq!(status, 503, "{answer}");
        assert!(answer["error"].as_str().unwrap().contains("nothing of this batch was stored"));
        assert_eq!(count(&t, "SELECT COUNT(*) FROM pings").await, 0);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log").await, audit_before);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM badges WHERE last_ping_at IS NOT NULL").await, 0);
        let drop = match t.backend() {
            app::store::Backend::Sqlite => "DROP TRIGGER disk_full",
            app::store::Backend::Postgres => "DROP TRIGGER disk_full ON pings",
        };
        sqlx::query(drop).execute(t.db.pool_for_tests()).await.unwrap();
        let (status, answer) = post(&app, &token, "application/json", json!(records).to_string()).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["accepted"], 600);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM pings").await, 600);
    }
}

/// A validation refusal of a server function: the field and the English
/// message.
async fn refused(res: reqwest::Response) -> (String, String) {
    assert_eq!(res.status(), 422);
    match res.json::<app::error::AppError>().await.unwrap() {
        app::error::AppError::Validation { field, problem } => {
            (field.as_str().to_string(), problem.english())
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}

/// `seconds` after 14:00 UTC on 16 April 2013, as RFC 3339.
fn after_two(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(1_366_120_800 + seconds, 0)
        .unwrap()
        .to_rfc3339()
}

/// A position `metres` north of (14.6349, -90.5069).
fn north(metres: f64) -> f64 {
    14.6349 + metres / (6_371_008.8 * std::f64::consts::PI / 180.0)
}

on_both_backends! {
    /// An investigator opens Ana's track for an afternoon: every ping, her
    /// shift in PNC-0451, the badge's silences longer than 5 minutes during
    /// the shift (and not after it), the impossible jumps, the mock-location
    /// ping, the map around the track; the read is audited. A ministry
    /// official and a monitor may not read tracks; an auditor may.
    async fn a_track_shows_the_shift_the_gaps_and_the_jumps(t: TestDb) {
        wearers(&t).await;
        let db = t.db.pool_for_tests();
        sqlx::query("INSERT INTO vehicles (plate, unit_id, created_at) VALUES ('PNC-0451', (SELECT id FROM units WHERE code = '00'), 0)")
            .execute(db).await.unwrap();
        sqlx::query("INSERT INTO vehicle_assignments (officer_id, vehicle_id, starts_at, ends_at, role, recorded_by, recorded_at) \
                     VALUES ((SELECT id FROM officers WHERE badge_number = '1001'), (SELECT id FROM vehicles WHERE plate = 'PNC-0451'), $1, $2, 'driver', 'test', 0)")
            .bind(at("2013-04-16T14:00:00Z")).bind(at("2013-04-16T16:00:00Z")).execute(db).await.unwrap();
        let token = token(&t, "placas", "pings:write").await;
        let app = spawn_app(&t).await;
        // 14:00-14:30 every 30 s; silent until 14:50; 14:50-15:00; at 15:00:30
        // 50 km away and back at 15:01; silent from 15:01 to the shift's end.
        let mut batch: Vec<Value> = (0..=60).map(|i| ping("CHIP-1", &after_two(i * 30), north(i as f64 * 10.0), -90.5069)).collect();
        batch.extend((0..=20).map(|i| ping("CHIP-1", &after_two(3000 + i * 30), north(600.0 + i as f64 * 10.0), -90.5069)));
        batch.push(ping("CHIP-1", &after_two(3630), north(50_000.0), -90.5069));
        batch.push(ping("CHIP-1", &after_two(3660), north(800.0), -90.5069));
        // After the shift: silence is no gap.
        batch.push(ping("CHIP-1", &after_two(3 * 3600), north(800.0), -90.5069));
        let (_, answer) = post(&app, &token, "application/json", json!(batch).to_string()).await;
        assert_eq!(answer["accepted"], 85, "{answer}");
        let mock = json!({ "device_id": "CHIP-1", "location": { "timestamp": after_two(3640), "mock": true,
            "coords": { "latitude": north(800.0), "longitude": -90.5069 } } }).to_string();
        assert_eq!(osmand(&app, reqwest::Method::POST, "/api/v1/osmand", Some(&token), Some("application/json"), &mock).await.0, 200);

        use app::identity::Role;
        let password = create_user(&t.db, "inv", &[Role::Investigator]).await;
        let inv = app.signed_in("inv", &password).await;
        let window = [("badge", "1001"), ("from", "2013-04-16T13:00:00Z"), ("to", "2013-04-16T18:00:00Z")];
        let res = app.call(&inv, "officer_track", &window).await;
        assert_eq!(res.status(), 200);
        let v: app::tracking::TrackView = res.json().await.unwrap();
        assert_eq!(v.officer, "Ana Xicará");
        assert_eq!((v.pings, v.points.len(), v.mock), (86, 86, 1));
        assert_eq!(v.points[0].ts_ms, at("2013-04-16T14:00:00Z"));
        let gaps: Vec<(i64, i64)> = v.gaps.iter().map(|g| (g.from_ms, g.to_ms)).collect();
        assert_eq!(gaps, [
            (at("2013-04-16T14:30:00Z"), at("2013-04-16T14:50:00Z")),
            (at("2013-04-16T15:01:00Z"), at("2013-04-16T16:00:00Z")),
        ]);
        let jumps: Vec<(i64, i64)> = v.jumps.iter().map(|j| (j.from_ms, j.to_ms)).collect();
        assert_eq!(jumps, [
            (at("2013-04-16T15:00:00Z"), at("2013-04-16T15:00:30Z")),
            (at("2013-04-16T15:00:30Z"), at("2013-04-16T15:00:40Z")),
        ]);
        assert!(v.jumps[0].kmh > 5_000.0, "{}", v.jumps[0].kmh);
        assert_eq!(v.shifts.len(), 1);
        assert_eq!((v.shifts[0].label.as_str(), v.shifts[0].role), ("PNC-0451", Some(app::codes::AssignmentRole::Driver)));
        assert!(v.map.departments.iter().any(|(name, _)| name == "Guatemala"));
        assert!(v.points.iter().all(|p| p.x >= 0.0 && p.x <= f64::from(v.map.frame.width)));
        let (object, details): (String, String) = sqlx::query_as(
            "SELECT object_id, details FROM audit_log WHERE action = 'track.read' AND actor_label = 'inv'")
            .fetch_one(db).await.unwrap();
        assert_eq!(object, "1001");
        let details: Value = serde_json::from_str(&details).unwrap();
        assert_eq!((details["from"].as_i64(), details["pings"].as_i64()), (Some(at("2013-04-16T13:00:00Z")), Some(86)));

        for (user, role, status) in [("min", Role::Ministry, 403), ("mon", Role::Monitor, 403), ("aud", Role::Auditor, 200)] {
            let password = create_user(&t.db, user, &[role]).await;
            let client = app.signed_in(user, &password).await;
            assert_eq!(app.call(&client, "officer_track", &window).await.status(), status, "{user}");
        }
        let (field, message) = refused(app.call(&inv, "officer_track", &[("badge", "1001"), ("from", "2013-04-01T00:00"), ("to", "2013-05-15T00:00")]).await).await;
        assert_eq!((field.as_str(), message.as_str()), ("to", "the window may cover at most 31 days"));
        assert_eq!(refused(app.call(&inv, "officer_track", &[("badge", "1001"), ("from", "2013-04-16T10:00"), ("to", "2013-04-16T09:00")]).await).await.0, "to");
        assert_eq!(app.call(&inv, "officer_track", &[("badge", "9999"), ("from", "2013-04-16T10:00"), ("to", "2013-04-16T11:00")]).await.status(), 404);
    }
}

on_both_backends! {
    /// A long window is drawn with at most 2,000 points, the first and the
    /// last among them.
    async fn a_long_track_is_thinned_to_2000_points(t: TestDb) {
        wearers(&t).await;
        let token = token(&t, "placas", "pings:write").await;
        let app = spawn_app(&t).await;
        // Every 5 s until 17:53: Ana wears the chip until 18:00.
        let batch: Vec<Value> = (0..2800).map(|i| ping("CHIP-1", &after_two(i * 5), north((i % 500) as f64 * 5.0), -90.5069)).collect();
        assert_eq!(post(&app, &token, "application/json", json!(batch).to_string()).await.1["accepted"], 2800);
        let password = create_user(&t.db, "sup", &[app::identity::Role::Supervisor, app::identity::Role::Investigator]).await;
        let client = app.signed_in("sup", &password).await;
        let v: app::tracking::TrackView = app.call(&client, "officer_track", &[("badge", "1001"), ("from", &after_two(0)), ("to", &after_two(50_000))])
            .await.json().await.unwrap();
        assert_eq!(v.pings, 2800);
        assert!(v.points.len() <= 2000 && v.points.len() > 1900, "{}", v.points.len());
        assert_eq!(v.points.first().unwrap().ts_ms, at("2013-04-16T14:00:00Z"));
        assert_eq!(v.points.last().unwrap().ts_ms, at("2013-04-16T14:00:00Z") + 2799 * 5_000);
        assert!(v.points.windows(2).all(|w| w[0].ts_ms < w[1].ts_ms));
    }
}

on_both_backends! {
    /// With the deployment's own tile server configured (VIGIA_TILE_URL),
    /// the track's map carries the tiles that cover it and the licence's
    /// attribution, the page draws them, and its Content-Security-Policy
    /// lets images come from that server and from no other; the country
    /// map of the proximity page too.
    async fn the_maps_draw_the_deployments_own_tiles(t: TestDb) {
        wearers(&t).await;
        let token = token(&t, "placas", "pings:write").await;
        let app = spawn_app_with(&t, |s| {
            s.map_tiles = Some(app::tracking::map::TileSource::parse(
                "https://mapas.pnc.local/osm/{z}/{x}/{y}.png", Some("© OpenStreetMap contributors")).unwrap());
        }).await;
        let batch: Vec<Value> = (0..20).map(|i| ping("CHIP-1", &after_two(i * 30), north(i as f64 * 40.0), -90.5069)).collect();
        assert_eq!(post(&app, &token, "application/json", json!(batch).to_string()).await.1["accepted"], 20);
        let password = create_user(&t.db, "inv", &[app::identity::Role::Investigator]).await;
        let inv = app.signed_in("inv", &password).await;
        let v: app::tracking::TrackView = app.call(&inv, "officer_track", &[("badge", "1001"), ("from", "2013-04-16T13:00:00Z"), ("to", "2013-04-16T18:00:00Z")])
            .await.json().await.unwrap();
        assert!(!v.map.tiles.is_empty() && v.map.tiles.len() <= 64, "{}", v.map.tiles.len());
        assert!(v.map.tiles.iter().all(|t| t.href.starts_with("https://mapas.pnc.local/osm/") && t.href.ends_with(".png")));
        assert_eq!(v.map.attribution.as_deref(), Some("© OpenStreetMap contributors"));
        // The tiles cover the track.
        for p in &v.points {
            assert!(v.map.tiles.iter().any(|t| (t.x..=t.x + t.width).contains(&p.x) && (t.y..=t.y + t.height).contains(&p.y)), "{p:?}");
        }
        let page = inv.get(app.url("/officers/1001/track?from=2013-04-16T13:00:00Z&to=2013-04-16T18:00:00Z")).send().await.unwrap();
        let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
        assert!(csp.contains("img-src 'self' data: https://mapas.pnc.local;"), "{csp}");
        assert_eq!(csp.matches("http").count(), 1, "no other outside source: {csp}");
        let html = page.text().await.unwrap();
        let at = html.find("<image").map(|i| &html[i..(i + 300).min(html.len())]).unwrap_or("no <image");
        assert!(at.contains("href=\"https://mapas.pnc.local/osm/"), "the page draws the tiles: {at}");
        assert!(html.contains("© OpenStreetMap contributors"));
        let country: app::tracking::MapView = app.call(&inv, "tracking_map", &[]).await.json().await.unwrap();
        assert!(!country.tiles.is_empty());

        // Without the setting (the default), nothing outside Vigía.
        let plain = spawn_app(&t).await;
        let inv = plain.signed_in("inv", &password).await;
        let v: app::tracking::TrackView = plain.call(&inv, "officer_track", &[("badge", "1001"), ("from", "2013-04-16T13:00:00Z"), ("to", "2013-04-16T18:00:00Z")])
            .await.json().await.unwrap();
        assert!(v.map.tiles.is_empty() && v.map.attribution.is_none());
        let page = inv.get(plain.url("/officers/1001/track?from=2013-04-16T13:00:00Z&to=2013-04-16T18:00:00Z")).send().await.unwrap();
        assert!(!page.headers()["content-security-policy"].to_str().unwrap().contains("http"));
        assert!(!page.text().await.unwrap().contains("<image"));
    }
}

on_both_backends! {
    /// Who came within 250 m of a place between 13:30 and 14:30: a ping
    /// exactly at the radius counts, one a metre beyond it does not, nor one
    /// a second before the window; the window's ends count; the place's
    /// H3 cell is not the only one looked at. Closest first; audited.
    async fn who_was_near_a_place_and_when(t: TestDb) {
        wearers(&t).await;
        let db = t.db.pool_for_tests();
        sqlx::query("INSERT INTO badges (chip_id, created_at) VALUES ('CHIP-3', 0)").execute(db).await.unwrap();
        sqlx::query("INSERT INTO badge_assignments (badge_id, officer_id, valid_from, valid_to) \
                     VALUES ((SELECT id FROM badges WHERE chip_id = 'CHIP-3'), (SELECT id FROM officers WHERE badge_number = '1003'), 0, NULL)")
            .execute(db).await.unwrap();
        let token = token(&t, "placas", "pings:write").await;
        let app = spawn_app(&t).await;
        let (lat, lon) = (14.6349, -90.5069);
        let batch = json!([
            // Ana: exactly 250 m north at 14:00, in another H3 cell.
            ping("CHIP-1", "2013-04-16T14:00:00Z", north(250.0), lon),
            ping("CHIP-1", "2013-04-16T14:10:00Z", north(900.0), lon),
            // Carla: 251 m at 14:00; 100 m at the window's start and end; 10 m a second too early.
            ping("CHIP-3", "2013-04-16T14:00:00Z", north(251.0), lon),
            ping("CHIP-3", "2013-04-16T13:30:00Z", north(100.0), lon),
            ping("CHIP-3", "2013-04-16T14:30:00Z", north(100.0), lon),
            ping("CHIP-3", "2013-04-16T13:29:59Z", north(10.0), lon),
            // The chip worn by nobody: not an officer.
            ping("CHIP-2", "2013-04-16T14:00:00Z", lat, lon),
        ]);
        assert_eq!(post(&app, &token, "application/json", batch.to_string()).await.1["accepted"], 7);
        let centre_cell = app::tracking::cell_of((lat * 1e7) as i64, (lon * 1e7) as i64);
        let ana_cell = app::tracking::cell_of((north(250.0) * 1e7).round() as i64, (lon * 1e7) as i64);
        assert_ne!(centre_cell, ana_cell, "the ping at the radius is in another cell");

        let password = create_user(&t.db, "inv", &[app::identity::Role::Investigator]).await;
        let inv = app.signed_in("inv", &password).await;
        let ask = |radius: &'static str, from: &'static str, to: &'static str| {
            let (app, inv) = (&app, inv.clone());
            async move {
                app.call(&inv, "tracking_near", &[("lat", "14.6349"), ("lon", "-90.5069"), ("radius", radius), ("from", from), ("to", to)]).await
            }
        };
        let res = ask("250", "2013-04-16T13:30:00Z", "2013-04-16T14:30:00Z").await;
        assert_eq!(res.status(), 200);
        let v: app::tracking::NearView = res.json().await.unwrap();
        let found: Vec<(&str, i64, i64, usize)> = v.officers.iter().map(|o| (o.badge.as_str(), o.first_ms, o.last_ms, o.pings)).collect();
        assert_eq!(found, [
            ("1003", at("2013-04-16T13:30:00Z"), at("2013-04-16T14:30:00Z"), 2),
            ("1001", at("2013-04-16T14:00:00Z"), at("2013-04-16T14:00:00Z"), 1),
        ]);
        assert!((v.officers[0].closest_m - 100.0).abs() < 0.05, "{}", v.officers[0].closest_m);
        assert!((v.officers[1].closest_m - 250.0).abs() < 0.05, "{}", v.officers[1].closest_m);
        // A wider circle takes Carla's ping at 251 m (still one officer each).
        let wide: app::tracking::NearView = ask("260", "2013-04-16T13:30:00Z", "2013-04-16T14:30:00Z").await.json().await.unwrap();
        assert_eq!(wide.officers[0].pings, 3);
        let (object, details): (String, String) = sqlx::query_as(
            "SELECT object_id, details FROM audit_log WHERE action = 'tracking.near_read' ORDER BY seq LIMIT 1")
            .fetch_one(db).await.unwrap();
        assert_eq!(object, "14.634900,-90.506900");
        let details: Value = serde_json::from_str(&details).unwrap();
        assert_eq!(details["officers"], json!(["1003", "1001"]));

        assert_eq!(refused(ask("5001", "2013-04-16T13:30:00Z", "2013-04-16T14:30:00Z").await).await,
                   ("radius".to_string(), "5001 is outside 1–5000".to_string()));
        assert_eq!(refused(ask("250", "2013-04-16T13:30:00Z", "2013-04-17T14:30:00Z").await).await,
                   ("to".to_string(), "the window may cover at most 24 hours".to_string()));
        let bad_lat = app.call(&inv, "tracking_near", &[("lat", "north"), ("lon", "-90.5"), ("radius", "250"), ("from", "2013-04-16T13:30:00Z"), ("to", "2013-04-16T14:30:00Z")]).await;
        assert_eq!(refused(bad_lat).await, ("lat".to_string(), "north is not a number".to_string()));
        let password = create_user(&t.db, "min", &[app::identity::Role::Ministry]).await;
        let ministry = app.signed_in("min", &password).await;
        assert_eq!(app.call(&ministry, "tracking_near", &[("lat", "14.6"), ("lon", "-90.5"), ("radius", "250"), ("from", "2013-04-16T13:30:00Z"), ("to", "2013-04-16T14:30:00Z")]).await.status(), 403);
    }
}

on_both_backends! {
    /// Retention: pings older than the setting are removed and the removal
    /// audited — whole months on PostgreSQL (a month goes once all of it is
    /// older than the limit), chip by chip on SQLite; newer pings stay.
    async fn retention_removes_old_pings_audited(t: TestDb) {
        wearers(&t).await;
        let token = token(&t, "placas", "pings:write").await;
        let app = spawn_app(&t).await;
        let batch = json!([
            ping("CHIP-1", "2013-03-15T12:00:00Z", 14.6, -90.5),
            ping("CHIP-1", "2013-04-05T12:00:00Z", 14.6, -90.5),
            ping("CHIP-1", "2013-04-16T12:00:00Z", 14.6, -90.5),
            ping("CHIP-2", "2013-03-20T12:00:00Z", 14.6, -90.5),
        ]);
        assert_eq!(post(&app, &token, "application/json", batch.to_string()).await.1["accepted"], 4);
        // 30 days before 10 May 2013: 10 April.
        let expired = app::tracking::retention::apply(&t.db, 30, at("2013-05-10T00:00:00Z")).await.unwrap();
        let left: Vec<i64> = sqlx::query_scalar("SELECT ts FROM pings ORDER BY ts").fetch_all(t.db.pool_for_tests()).await.unwrap();
        match t.backend() {
            app::store::Backend::Sqlite => {
                assert_eq!(left, [at("2013-04-16T12:00:00Z")]);
                assert_eq!(expired.pings, 3);
            }
            app::store::Backend::Postgres => {
                assert_eq!(left, [at("2013-04-05T12:00:00Z"), at("2013-04-16T12:00:00Z")], "April is not all older than the limit");
                assert_eq!(expired.partitions, ["pings_y2013m03"]);
                assert_eq!(expired.pings, 2);
            }
        }
        let removed: Vec<String> = sqlx::query_scalar("SELECT details FROM audit_log WHERE action = 'pings.expired'")
            .fetch_all(t.db.pool_for_tests()).await.unwrap();
        let total: i64 = removed.iter().map(|d| serde_json::from_str::<Value>(d).unwrap()["pings"].as_i64().unwrap()).sum();
        assert_eq!(total as u64, expired.pings);
        // Nothing more to remove: a second run removes nothing and writes nothing.
        let again = app::tracking::retention::apply(&t.db, 30, at("2013-05-10T00:00:00Z")).await.unwrap();
        assert_eq!(again.pings, 0);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'pings.expired'").await, removed.len() as i64);
        assert!(matches!(app::audit::verify(&t.db).await.unwrap(), app::audit::Verification::Intact { .. }));
    }
}
