//! The machine API as its clients meet it (../shared/API.md): tokens and
//! scopes, footage and heartbeat batches, every status and rejection, the
//! integrity rule and its audit record, a store failure, the OpenAPI
//! document. Each test runs on SQLite and on PostgreSQL.

mod common;
use common::count;

use app::policy::authorize;
use common::{
    api_client_token as token, api_post as post, create_user, spawn_app, TestApp, TestDb,
};
use serde_json::{json, Value};

/// A fleet of two cars: PNC-0451 with both cameras, PNC-0452 with only a
/// forward camera.
async fn fleet(t: &TestDb) {
    let db = t.db.pool_for_tests();
    sqlx::query("INSERT INTO units (code, name, kind, parent_id, created_at) VALUES ('00', 'DG', 'national', NULL, 0)")
        .execute(db).await.unwrap();
    for (plate, cams) in [
        ("PNC-0451", &["cabin", "forward"][..]),
        ("PNC-0452", &["forward"][..]),
    ] {
        sqlx::query("INSERT INTO vehicles (plate, unit_id, created_at) VALUES ($1, (SELECT id FROM units WHERE code = '00'), 0)")
            .bind(plate).execute(db).await.unwrap();
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

fn segment(id: &str, camera: &str, minute: u32) -> Value {
    json!({
        "segment": id, "vehicle": "PNC-0451", "camera": camera,
        "start": format!("2013-04-16T14:{minute:02}:00Z"),
        "end": format!("2013-04-16T14:{:02}:00Z", minute + 5),
        "uri": format!("s3://pnc-footage/2013/04/16/{id}.mp4"),
        "sha256": format!("{:064x}", id.len() as u64 * 7919 + minute as u64),
        "bytes": 187654321u64,
    })
}

fn array(records: &[Value]) -> String {
    Value::Array(records.to_vec()).to_string()
}

on_both_backends! {
    /// A segment that arrives long after it was recorded is stored but
    /// flagged late (the setting says how long), counted in its batch's
    /// audit record and marked in the footage listing: old coverage is not
    /// filled in silently.
    async fn late_footage_is_flagged_not_hidden(t: TestDb) {
        fleet(&t).await;
        let centro = token(&t, "centro", "footage:write").await;
        let app = common::spawn_app_with(&t, |s| s.late_footage = std::time::Duration::from_secs(3_600)).await;
        let now = app::time::now_ms() / 300_000 * 300_000;
        let at = |ms: i64| chrono::DateTime::from_timestamp_millis(ms).unwrap().to_rfc3339();
        let fresh = json!({ "segment": "FRESH", "vehicle": "PNC-0451", "camera": "cabin", "start": at(now - 600_000),
            "end": at(now - 300_000), "uri": "s3://x/fresh.mp4", "sha256": format!("{:064x}", 1), "bytes": 1 });
        let (status, answer) = post(&app, "/api/v1/ingest/footage", Some(&centro), "application/json",
            array(&[fresh, segment("OLD", "cabin", 0)])).await;
        assert_eq!((status, answer["accepted"].as_i64()), (200, Some(2)), "{answer}");
        assert_eq!(count(&t, "SELECT COUNT(*) FROM footage_segments WHERE late = 1").await, 1);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM footage_segments WHERE late = 1 AND segment = 'OLD'").await, 1);
        let details: String = sqlx::query_scalar("SELECT details FROM audit_log WHERE action = 'footage.ingested'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert!(details.contains("\"late\":1"), "{details}");
        assert_eq!(server::config::RawSettings::default().check().unwrap().late_footage, std::time::Duration::from_secs(24 * 3600), "a day by default");
    }
}

on_both_backends! {
    /// A camera's footage comes through the API client it is registered to:
    /// the first that sends for it; another client's records for it are
    /// refused (and audited) until an administrator moves it (audited).
    async fn a_cameras_footage_comes_through_its_own_client_only(t: TestDb) {
        fleet(&t).await;
        let centro = token(&t, "centro", "footage:write").await;
        let otro = token(&t, "otro", "footage:write").await;
        let app = spawn_app(&t).await;
        let path = "/api/v1/ingest/footage";
        let (status, _) = post(&app, path, Some(&centro), "application/json", array(&[segment("S-1", "cabin", 0)])).await;
        assert_eq!(status, 200);
        let (status, answer) = post(&app, path, Some(&otro), "application/json",
            array(&[segment("S-2", "cabin", 5), segment("S-3", "forward", 5)])).await;
        assert_eq!(status, 200);
        assert_eq!(answer["accepted"], 1, "the forward camera had no client yet: {answer}");
        assert_eq!(answer["rejected"][0]["index"], 0);
        assert_eq!(answer["rejected"][0]["error"], "camera: PNC-0451 cabin sends its footage through another API client");
        assert_eq!(count(&t, "SELECT COUNT(*) FROM footage_segments WHERE segment = 'S-2'").await, 0);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'ingest.foreign_client' AND object_id = 'PNC-0451 cabin' AND actor_label = 'otro'").await, 1);

        let operator = authorize(&app::identity::console_operator(), app::policy::act::ManageApiClients, app::policy::Object::Any).unwrap();
        let refused = app::admin::clients::store::set_camera_client(&t.db, &operator, "test", "PNC-0451", "roof", Some("otro")).await.unwrap_err();
        assert!(matches!(refused, app::error::AppError::Validation { field: app::error::Field::Camera, .. }), "{refused:?}");
        app::admin::clients::store::set_camera_client(&t.db, &operator, "test", "pnc-0451", "cabin", Some("otro")).await.unwrap();
        let (_, answer) = post(&app, path, Some(&otro), "application/json", array(&[segment("S-2", "cabin", 5)])).await;
        assert_eq!(answer["accepted"], 1, "{answer}");
        let (_, answer) = post(&app, path, Some(&centro), "application/json", array(&[segment("S-4", "cabin", 10)])).await;
        assert_eq!(answer["accepted"], 0, "{answer}");
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'camera.client_changed' AND object_id = 'PNC-0451 cabin'").await, 1);
    }
}

on_both_backends! {
    /// Valid records are stored; each invalid one is reported by position
    /// with the field and the reason, and nothing of it is stored.
    async fn footage_batches_are_judged_record_by_record(t: TestDb) {
        fleet(&t).await;
        let token = token(&t, "centro", "footage:write").await;
        let app = spawn_app(&t).await;
        let mut bad_sha = segment("S-BADSHA", "cabin", 0);
        bad_sha["sha256"] = json!("xyz");
        let mut backwards = segment("S-BACK", "cabin", 10);
        backwards["end"] = json!("2013-04-16T13:00:00Z");
        let mut unknown = segment("S-UNKNOWN", "cabin", 0);
        unknown["vehicle"] = json!("PNC-9999");
        let mut no_cabin = segment("S-NOCABIN", "cabin", 0);
        no_cabin["vehicle"] = json!("PNC-0452");
        let mut missing = segment("S-MISSING", "cabin", 0);
        missing.as_object_mut().unwrap().remove("uri");
        let mut offset = segment("S-OFFSET", "forward", 20);
        offset["start"] = json!("2013-04-16T08:20:00-06:00");
        let records = [
            segment("S-1", "cabin", 0), bad_sha, segment("S-2", "forward", 0), backwards,
            unknown, no_cabin, missing, offset,
        ];
        let (status, answer) = post(&app, "/api/v1/ingest/footage", Some(&token), "application/json", array(&records)).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["accepted"], 3);
        assert_eq!(answer["duplicates"], 0);
        assert_eq!(answer["rejected"], json!([
            { "index": 1, "error": "sha256: must be 64 hexadecimal characters" },
            { "index": 3, "error": "end: must be after start" },
            { "index": 4, "error": "vehicle: unknown vehicle PNC-9999" },
            { "index": 5, "error": "camera: vehicle PNC-0452 has no cabin camera" },
            { "index": 6, "error": "uri: missing" },
        ]));
        assert_eq!(count(&t, "SELECT COUNT(*) FROM footage_segments").await, 3);
        // Stored in UTC, whatever offset was sent.
        let start: i64 = sqlx::query_scalar("SELECT starts_at FROM footage_segments WHERE segment = 'S-OFFSET'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(start, 1_366_122_000_000);
        // The batch is audited, as the client.
        let actor: String = sqlx::query_scalar(
            "SELECT actor_kind || ':' || actor_label FROM audit_log WHERE action = 'footage.ingested'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(actor, "api_client:centro");
        // The camera's last footage moved to the newest segment's end.
        let last: i64 = sqlx::query_scalar(
            "SELECT c.last_footage_at FROM cameras c JOIN vehicles v ON v.id = c.vehicle_id \
             WHERE v.plate = 'PNC-0451' AND c.placement = 'forward'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(last, 1_366_122_000_000 + 5 * 60_000);
    }
}

on_both_backends! {
    /// Sending a batch again changes nothing: its records are duplicates.
    /// A segment id that comes back with another SHA-256 is an integrity
    /// conflict: rejected, written to the audit trail, the stored one kept.
    async fn resending_is_safe_and_a_changed_hash_is_an_integrity_conflict(t: TestDb) {
        fleet(&t).await;
        let token = token(&t, "centro", "footage:write").await;
        let app = spawn_app(&t).await;
        let records = [segment("S-1", "cabin", 0), segment("S-2", "forward", 0)];
        let (_, first) = post(&app, "/api/v1/ingest/footage", Some(&token), "application/json", array(&records)).await;
        assert_eq!(first["accepted"], 2);
        let audit_before = count(&t, "SELECT COUNT(*) FROM audit_log").await;
        let (status, again) = post(&app, "/api/v1/ingest/footage", Some(&token), "application/json", array(&records)).await;
        assert_eq!(status, 200);
        assert_eq!(again, json!({ "accepted": 0, "duplicates": 2, "rejected": [] }));
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log").await, audit_before, "a no-op batch writes nothing");

        let mut changed = segment("S-2", "forward", 0);
        changed["sha256"] = json!("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
        // The same identity twice in one batch, the same way, is one record.
        let batch = [segment("S-3", "cabin", 5), changed, segment("S-3", "cabin", 5)];
        let (_, answer) = post(&app, "/api/v1/ingest/footage", Some(&token), "application/json", array(&batch)).await;
        assert_eq!(answer["accepted"], 1);
        assert_eq!(answer["duplicates"], 1);
        let error = answer["rejected"][0]["error"].as_str().unwrap();
        assert_eq!(answer["rejected"][0]["index"], 1);
        assert!(error.starts_with("integrity: segment S-2 is stored with sha256 "), "{error}");
        let stored: String = sqlx::query_scalar("SELECT sha256 FROM footage_segments WHERE segment = 'S-2'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(stored, segment("S-2", "forward", 0)["sha256"].as_str().unwrap());
        // The batch's first, all-new attempt was undone: S-3 is stored once.
        assert_eq!(count(&t, "SELECT COUNT(*) FROM footage_segments").await, 3);
        let row = sqlx::query_as::<_, (String, String, String, String)>(
            "SELECT actor_label, object_type, outcome, details FROM audit_log WHERE action = 'ingest.integrity_conflict'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!((row.0.as_str(), row.1.as_str(), row.2.as_str()), ("centro", "footage_segment", "denied"));
        let details: Value = serde_json::from_str(&row.3).unwrap();
        assert_eq!(details["offered_sha256"], "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
        assert_eq!(details["index"], 1);
        assert!(matches!(app::audit::verify(&t.db).await.unwrap(), app::audit::Verification::Intact { .. }));
    }
}

on_both_backends! {
    /// NDJSON: one record per line, positions are line numbers minus one,
    /// blank lines are skipped, a line that is not JSON is a rejected
    /// record. A body in which nothing is JSON is a 400.
    async fn ndjson_batches_and_bodies_that_are_neither(t: TestDb) {
        fleet(&t).await;
        let token = token(&t, "centro", "footage:write").await;
        let app = spawn_app(&t).await;
        let body = format!("{}\n\n{{\"segment\": NaN}}\n{}\n", segment("S-1", "cabin", 0), segment("S-2", "cabin", 5));
        let (status, answer) = post(&app, "/api/v1/ingest/footage", Some(&token), "application/x-ndjson", body).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["accepted"], 2);
        assert_eq!(answer["rejected"][0]["index"], 2);
        assert!(answer["rejected"][0]["error"].as_str().unwrap().starts_with("not valid JSON"));

        for (content_type, body) in [
            ("application/x-ndjson", "these are not\nrecords at all"),
            ("application/json", "[{\"segment\": \"S-9\","),
            ("application/json", ""),
        ] {
            let (status, answer) = post(&app, "/api/v1/ingest/footage", Some(&token), content_type, body.into()).await;
            assert_eq!(status, 400, "{body:?}: {answer}");
            assert!(!answer["error"].as_str().unwrap().is_empty());
        }
        assert_eq!(count(&t, "SELECT COUNT(*) FROM footage_segments").await, 2);
    }
}

on_both_backends! {
    /// The token is checked before the body is read: a sender without one
    /// is answered at once, even while its (announced) megabyte of body has
    /// not arrived, so no one can make the server hold bodies it will refuse.
    async fn the_token_is_checked_before_the_body_is_read(t: TestDb) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let app = spawn_app(&t).await;
        let address = app.address.trim_start_matches("http://").to_string();
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        let head = format!(
            "POST /api/v1/ingest/footage HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer vgt_nobody\r\n\
             Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n[{{\"segment\":"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut answer = vec![0u8; 512];
        let read = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut answer))
            .await
            .expect("answered before the body came")
            .unwrap();
        let answer = String::from_utf8_lossy(&answer[..read]);
        assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    }
}

on_both_backends! {
    /// Missing or unknown token: 401. Known token without the scope, or a
    /// disabled client: 403. A signed-in browser session is no token.
    /// Every refusal is counted.
    async fn tokens_and_scopes_are_enforced(t: TestDb) {
        fleet(&t).await;
        let pings = token(&t, "badges", "pings:write").await;
        let health = token(&t, "salud", "health:write").await;
        let app = spawn_app(&t).await;
        let body = || array(&[segment("S-1", "cabin", 0)]);
        let path = "/api/v1/ingest/footage";
        assert_eq!(post(&app, path, None, "application/json", body()).await.0, 401);
        assert_eq!(post(&app, path, Some("vgt_0000"), "application/json", body()).await.0, 401);
        assert_eq!(post(&app, path, Some(&pings), "application/json", body()).await.0, 403);
        assert_eq!(post(&app, path, Some(&health), "application/json", body()).await.0, 403);
        let beat = json!([{ "vehicle": "PNC-0451", "camera": "cabin", "ts": "2013-04-16T14:03:00Z", "status": "online" }]).to_string();
        assert_eq!(post(&app, "/api/v1/ingest/heartbeats", Some(&health), "application/json", beat.clone()).await.0, 200);

        // A browser session, even an administrator's, does not open the API.
        let password = create_user(&t.db, "ana", &[app::identity::Role::Admin, app::identity::Role::Monitor]).await;
        let browser = app.signed_in("ana", &password).await;
        let res = browser.post(app.url(path)).header("content-type", "application/json").body(body()).send().await.unwrap();
        assert_eq!(res.status(), 401);

        let operator = authorize(&app::identity::console_operator(), app::policy::act::ManageApiClients, app::policy::Object::Any).unwrap();
        app::admin::clients::store::set_disabled(&t.db, &operator, "test", "salud", true).await.unwrap();
        let (status, answer) = post(&app, "/api/v1/ingest/heartbeats", Some(&health), "application/json", beat).await;
        assert_eq!(status, 403);
        assert_eq!(answer["error"], "this API client is disabled");

        assert_eq!(count(&t, "SELECT COUNT(*) FROM footage_segments").await, 0);
        assert_eq!(count(&t, "SELECT refused FROM api_refusals WHERE reason = 'missing'").await, 2, "no token: the anonymous call and the browser's");
        assert_eq!(count(&t, "SELECT refused FROM api_refusals WHERE reason = 'unknown'").await, 1);
        assert_eq!(count(&t, "SELECT refused FROM api_refusals WHERE reason = 'scope'").await, 2);
        assert_eq!(count(&t, "SELECT refused FROM api_refusals WHERE reason = 'disabled'").await, 1);
        assert_eq!(count(&t, "SELECT refused FROM api_clients WHERE name = 'salud'").await, 2);
        // And a token opens no page or server function.
        let res = app.client.post(app.url("/rpc/list_officers")).header("origin", &app.address)
            .bearer_auth(&pings).send().await.unwrap();
        assert_eq!(res.status(), 401);
        // Disabling was audited.
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'api_client.disabled' AND object_id = 'salud'").await, 1);
    }
}

on_both_backends! {
    /// If the store fails in the middle of a batch, the answer is 503 and
    /// nothing of the batch is stored; sent again, it goes in whole.
    async fn a_store_failure_leaves_nothing_of_the_batch(t: TestDb) {
        fleet(&t).await;
        let token = token(&t, "centro", "footage:write").await;
        let app = spawn_app(&t).await;
        // A disk that fails on the 300th row.
        let trigger = match t.backend() {
            app::store::Backend::Sqlite => vec![
                "CREATE TRIGGER disk_full BEFORE INSERT ON footage_segments WHEN NEW.segment = 'S-0299' \
                 BEGIN SELECT RAISE(ABORT, 'simulated disk failure'); END",
            ],
            app::store::Backend::Postgres => vec![
                "CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 IF NEW.segment = 'S-0299' THEN RAISE EXCEPTION 'simulated disk failure'; END IF; RETURN NEW; END; $$",
                "CREATE TRIGGER disk_full BEFORE INSERT ON footage_segments FOR EACH ROW EXECUTE FUNCTION disk_full()",
            ],
        };
        for sql in &trigger {
            sqlx::query(sql).execute(t.db.pool_for_tests()).await.unwrap();
        }
        let records: Vec<Value> = (0..600).map(|i| {
            let mut s = segment(&format!("S-{i:04}"), if i % 2 == 0 { "cabin" } else { "forward" }, 0);
            s["start"] = json!(format!("2013-04-16T{:02}:{:02}:00Z", 8 + i / 120, i / 2 % 60));
            s["end"] = json!(format!("2013-04-16T{:02}:{:02}:30Z", 8 + i / 120, i / 2 % 60));
            s
        }).collect();
        let audit_before = count(&t, "SELECT COUNT(*) FROM audit_log").await;
        let (status, answer) = post(&app, "/api/v1/ingest/footage", Some(&token), "application/json", array(&records)).await;
        assert_eq!(status, 503, "{answer}");
        assert!(answer["error"].as_str().unwrap().contains("nothing of this batch was stored"));
        assert_eq!(count(&t, "SELECT COUNT(*) FROM footage_segments").await, 0);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log").await, audit_before);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM cameras WHERE last_footage_at IS NOT NULL").await, 0);

        let drop = match t.backend() {
            app::store::Backend::Sqlite => "DROP TRIGGER disk_full",
            app::store::Backend::Postgres => "DROP TRIGGER disk_full ON footage_segments",
        };
        sqlx::query(drop).execute(t.db.pool_for_tests()).await.unwrap();
        let (status, answer) = post(&app, "/api/v1/ingest/footage", Some(&token), "application/json", array(&records)).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["accepted"], 600);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM footage_segments").await, 600);
    }
}

on_both_backends! {
    /// Heartbeats: statuses checked, identity (vehicle, camera, ts), the
    /// camera's state follows its newest heartbeat.
    async fn heartbeats_keep_each_cameras_latest_state(t: TestDb) {
        fleet(&t).await;
        let token = token(&t, "centro", "health:write").await;
        let app = spawn_app(&t).await;
        let beat = |ts: &str, status: &str| json!({ "vehicle": "PNC-0451", "camera": "cabin", "ts": ts, "status": status });
        let batch = [
            beat("2013-04-16T14:00:00Z", "online"),
            beat("2013-04-16T14:10:00Z", "tamper"),
            beat("2013-04-16T14:05:00Z", "offline"),
            beat("2013-04-16T14:15:00Z", "asleep"),
            beat("2999-01-01T00:00:00Z", "online"),
            json!({ "vehicle": "PNC-0451", "camera": "cabin", "ts": "yesterday", "status": "online" }),
        ];
        let (status, answer) = post(&app, "/api/v1/ingest/heartbeats", Some(&token), "application/json", array(&batch)).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["accepted"], 3);
        assert_eq!(answer["rejected"], json!([
            { "index": 3, "error": "status: \"asleep\" is not one of online, offline, tamper, storage_fault" },
            { "index": 4, "error": "ts: is more than 5 minutes ahead of the server clock" },
            { "index": 5, "error": "ts: \"yesterday\" is not an RFC 3339 time with an offset (like 2013-04-16T14:03:12Z)" },
        ]));
        let state = sqlx::query_as::<_, (String, i64)>(
            "SELECT c.last_status, c.last_status_at FROM cameras c JOIN vehicles v ON v.id = c.vehicle_id \
             WHERE v.plate = 'PNC-0451' AND c.placement = 'cabin'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(state, ("tamper".to_string(), 1_366_121_400_000));
        // Again: duplicates. Same moment, another status: integrity.
        let again = [beat("2013-04-16T14:00:00Z", "online"), beat("2013-04-16T14:10:00Z", "online")];
        let (_, answer) = post(&app, "/api/v1/ingest/heartbeats", Some(&token), "application/x-ndjson",
            again.iter().map(|v| v.to_string()).collect::<Vec<_>>().join("\n")).await;
        assert_eq!(answer["accepted"], 0);
        assert_eq!(answer["duplicates"], 1);
        assert!(answer["rejected"][0]["error"].as_str().unwrap().starts_with("integrity:"), "{answer}");
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'ingest.integrity_conflict'").await, 1);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM camera_heartbeats").await, 3);
    }
}

on_both_backends! {
    /// Bodies over 16 MiB are refused with 413 before they are read; a
    /// batch just under the limit is taken.
    async fn batches_are_bounded_at_16_mib(t: TestDb) {
        fleet(&t).await;
        let token = token(&t, "centro", "footage:write").await;
        let app = spawn_app(&t).await;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let host = app.address.trim_start_matches("http://");
        let mut conn = tokio::net::TcpStream::connect(host).await.unwrap();
        conn.write_all(format!(
            "POST /api/v1/ingest/footage HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/x-ndjson\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            16 * 1024 * 1024 + 1).as_bytes()).await.unwrap();
        let mut answer = String::new();
        conn.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        // 2 MiB (above the pages' 1 MiB limit) is fine here.
        let line = segment("S-1", "cabin", 0).to_string();
        let padding = "\n".repeat(2 * 1024 * 1024);
        let (status, answer) = post(&app, "/api/v1/ingest/footage", Some(&token), "application/x-ndjson", format!("{line}{padding}")).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["accepted"], 1);
    }
}

on_both_backends! {
    /// The OpenAPI document names exactly the endpoints that exist, with
    /// the record fields of API.md.
    async fn the_openapi_document_matches_the_routes(t: TestDb) {
        let app = spawn_app(&t).await;
        let res = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let doc: Value = res.json().await.unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        let mut paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
        paths.sort();
        assert_eq!(paths, [
            "/api/v1/ingest/footage", "/api/v1/ingest/heartbeats", "/api/v1/ingest/pings",
            "/api/v1/osmand", "/api/v1/osmand/{token}",
        ]);
        for path in ["/api/v1/osmand", "/api/v1/osmand/{token}"] {
            let op = &doc["paths"][path]["post"];
            for status in ["200", "400", "401", "403", "503"] {
                assert!(op["responses"][status].is_object(), "{path} lacks {status}");
            }
            let params: Vec<&str> = op["parameters"].as_array().unwrap().iter()
                .map(|p| p["name"].as_str().unwrap()).collect();
            for name in ["id", "lat", "lon", "timestamp", "accuracy", "speed", "bearing", "altitude", "batt"] {
                assert!(params.contains(&name), "{path} lacks the parameter {name}");
            }
            // It exists: with a token nobody has, it is refused, not missing.
            let url = app.url(&path.replace("{token}", "vgt_nobody"));
            let res = app.client.post(url).bearer_auth("vgt_nobody").body("").send().await.unwrap();
            assert_eq!(res.status(), 401, "{path}");
        }
        for path in paths.into_iter().filter(|p| p.starts_with("/api/v1/ingest/")) {
            // It exists: without a token it is refused, not missing.
            let res = app.client.post(app.url(path)).body("[]").send().await.unwrap();
            assert_eq!(res.status(), 401, "{path}");
            let op = &doc["paths"][path]["post"];
            for status in ["200", "400", "401", "403", "413", "503"] {
                assert!(op["responses"][status].is_object(), "{path} lacks {status}");
            }
            let content = op["requestBody"]["content"].as_object().unwrap();
            assert!(content.contains_key("application/json") && content.contains_key("application/x-ndjson"), "{path}");
        }
        let required = |schema: &str| -> Vec<String> {
            let mut r: Vec<String> = doc["components"]["schemas"][schema]["required"].as_array().unwrap()
                .iter().map(|v| v.as_str().unwrap().to_string()).collect();
            r.sort();
            r
        };
        assert_eq!(required("FootageSegmentIn"), ["bytes", "camera", "end", "segment", "sha256", "start", "uri", "vehicle"]);
        assert_eq!(required("HeartbeatIn"), ["camera", "status", "ts", "vehicle"]);
        assert_eq!(required("PingIn"), ["badge", "lat", "lon", "ts"]);
        assert_eq!(required("BatchAnswer"), ["accepted", "duplicates", "rejected"]);
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    }
}

/// A heartbeat of PNC-0451's cabin camera, `i` seconds into 16 April 2013.
fn heartbeat(i: usize, status: &str) -> String {
    let ts = chrono::DateTime::from_timestamp(1_366_070_400 + i as i64, 0).unwrap();
    json!({ "vehicle": "PNC-0451", "camera": "cabin", "ts": ts.to_rfc3339(), "status": status })
        .to_string()
}

on_both_backends! {
    /// A batch holds at most 50,000 records: one more is refused whole
    /// (413, nothing stored). The answer lists the first 1,000 rejections
    /// and counts the rest; the audit record counts them all; a batch with
    /// few rejections is answered in the contract's shape exactly.
    async fn batches_hold_at_most_50000_records_and_list_1000_rejections(t: TestDb) {
        fleet(&t).await;
        let token = token(&t, "centro", "health:write").await;
        let app = spawn_app(&t).await;
        let too_many: String = (0..50_001).map(|i| heartbeat(i, "online") + "\n").collect();
        assert!(too_many.len() < 16 * 1024 * 1024, "under the byte limit: the record cap refuses it");
        let (status, answer) = post(&app, "/api/v1/ingest/heartbeats", Some(&token), "application/x-ndjson", too_many).await;
        assert_eq!(status, 413, "{answer}");
        assert!(answer["error"].as_str().unwrap().contains("more than 50000 records"), "{answer}");
        assert_eq!(count(&t, "SELECT COUNT(*) FROM camera_heartbeats").await, 0);
        let as_array: Vec<Value> = (0..50_001).map(|i| serde_json::from_str(&heartbeat(i, "online")).unwrap()).collect();
        let (status, _) = post(&app, "/api/v1/ingest/heartbeats", Some(&token), "application/json", array(&as_array)).await;
        assert_eq!(status, 413);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM camera_heartbeats").await, 0);

        // 1,000 good records, then 1,500 with a status that does not exist.
        let body: String = (0..2_500)
            .map(|i| heartbeat(i, if i < 1_000 { "online" } else { "asleep" }) + "\n")
            .collect();
        let (status, answer) = post(&app, "/api/v1/ingest/heartbeats", Some(&token), "application/x-ndjson", body).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["accepted"], 1_000);
        let listed = answer["rejected"].as_array().unwrap();
        assert_eq!(listed.len(), 1_000);
        assert_eq!(listed[0]["index"], 1_000, "the first rejections, in order");
        assert_eq!(listed[999]["index"], 1_999);
        assert!(listed[0]["error"].as_str().unwrap().starts_with("status:"), "{}", listed[0]);
        assert_eq!(answer["rejected_not_listed"], 500);
        let details: String = sqlx::query_scalar("SELECT details FROM audit_log WHERE action = 'heartbeats.ingested'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        let details: Value = serde_json::from_str(&details).unwrap();
        assert_eq!(details["rejected"], 1_500, "{details}");

        let (status, answer) = post(&app, "/api/v1/ingest/heartbeats", Some(&token), "application/x-ndjson", heartbeat(5_000, "online")).await;
        assert_eq!(status, 200);
        let keys: Vec<&String> = answer.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["accepted", "duplicates", "rejected"], "API.md's shape: {answer}");
    }
}

/// A request to `path` whose headers and the start of whose body are sent,
/// and the rest never (until the returned sender is dropped).
async fn stalled(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    headers: &[(&str, String)],
    start: String,
) -> (
    futures::channel::mpsc::Sender<Result<Vec<u8>, std::io::Error>>,
    tokio::task::JoinHandle<Result<reqwest::Response, reqwest::Error>>,
) {
    use futures::SinkExt;
    let (mut tx, rx) = futures::channel::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    tx.send(Ok(start.into_bytes())).await.unwrap();
    let mut req = client
        .post(app.url(path))
        .body(reqwest::Body::wrap_stream(rx));
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    (tx, tokio::spawn(req.send()))
}

on_both_backends! {
    /// Each ingest route takes 4 batches at once: a fifth waits, then is
    /// answered 503 with Retry-After and nothing stored, while the other
    /// route is not held up.
    async fn each_ingest_route_takes_a_bounded_number_of_batches_at_once(t: TestDb) {
        fleet(&t).await;
        let token = token(&t, "centro", "footage:write,health:write").await;
        let app = spawn_app(&t).await;
        let headers = [
            ("authorization", format!("Bearer {token}")),
            ("content-type", "application/x-ndjson".to_string()),
        ];
        let mut held = Vec::new();
        for i in 0..4 {
            let start = format!("{}\n", segment(&format!("S-{i}"), "cabin", 0));
            held.push(stalled(&app, &app.client, "/api/v1/ingest/footage", &headers, start).await);
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let (_, answer) = post(&app, "/api/v1/ingest/heartbeats", Some(&token), "application/x-ndjson", heartbeat(1, "online")).await;
        assert_eq!(answer["accepted"], 1, "the other route is free: {answer}");
        let res = app.client.post(app.url("/api/v1/ingest/footage"))
            .bearer_auth(&token).header("content-type", "application/x-ndjson")
            .body(segment("S-9", "cabin", 0).to_string()).send().await.unwrap();
        assert_eq!(res.status(), 503);
        assert_eq!(res.headers()["retry-after"], "5");
        assert!(res.text().await.unwrap().contains("too many batches"));
        assert_eq!(count(&t, "SELECT COUNT(*) FROM footage_segments").await, 0);
        drop(held);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let (status, answer) = post(&app, "/api/v1/ingest/footage", Some(&token), "application/x-ndjson", segment("S-9", "cabin", 0).to_string()).await;
        assert_eq!((status, answer["accepted"].as_u64()), (200, Some(1)), "{answer}");
    }
}
