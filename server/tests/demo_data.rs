//! `vigia demo-data` on both backends: the counts, determinism, refusal.

mod common;
use common::count;

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
        for row in sqlx::query(sql)
            .fetch_all(t.db.pool_for_tests())
            .await
            .unwrap()
        {
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
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(chiantla, "Chiantla");
        let chip: String = sqlx::query_scalar("SELECT chip_id FROM badges WHERE chip_id = 'CHIP-0004000'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
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
    /// The seed's figures: 194 officers dismissed for criminal activity in
    /// 2012 and 22 in the first 50 days of 2013, each by a decided case with
    /// a sustained allegation and a `dismissed` decision dated as the
    /// officer's status history says; and open cases in every state, some
    /// sealed, some overdue, some from failed confidence tests.
    async fn every_dismissal_comes_from_a_decided_case(t: TestDb) {
        common::create_user(&t.db, "ana", &[app::identity::Role::Investigator]).await;
        let summary = demo::load(&t.db, Scale::Small, 2013).await.unwrap();
        let dismissed = |from: &str, to: &str| {
            format!(
                "SELECT COUNT(DISTINCT o.id) FROM officers o \
                 JOIN officer_status_history h ON h.officer_id = o.id AND h.status = 'dismissed' \
                 JOIN cases c ON c.id = h.case_id AND c.status IN ('decided', 'closed') \
                 JOIN case_subjects s ON s.case_id = c.id AND s.officer_id = o.id AND s.role = 'accused' \
                 JOIN case_allegations a ON a.subject_id = s.id AND a.finding = 'sustained' \
                 JOIN case_decisions d ON d.subject_id = s.id AND d.outcome = 'dismissed' \
                      AND d.superseded_at IS NULL AND d.decided_on = h.effective_on \
                 WHERE o.status = 'dismissed' AND o.status_changed_on = h.effective_on \
                   AND h.effective_on BETWEEN '{from}' AND '{to}'"
            )
        };
        assert_eq!(count(&t, &dismissed("2012-01-01", "2012-12-31")).await, 194);
        assert_eq!(count(&t, &dismissed("2013-01-01", "2013-02-19")).await, 22);
        // No dismissal or suspension without its decision.
        assert_eq!(
            count(&t, "SELECT COUNT(*) FROM officers o WHERE o.status IN ('dismissed', 'suspended') AND NOT EXISTS \
                       (SELECT 1 FROM officer_status_history h WHERE h.officer_id = o.id AND h.case_id IS NOT NULL)").await,
            0
        );
        assert_eq!(count(&t, "SELECT COUNT(*) FROM cases").await, summary.cases as i64);
        for status in ["intake", "investigation", "supervisor_review", "ministry_review", "decided", "closed"] {
            let n = count(&t, &format!("SELECT COUNT(*) FROM cases WHERE status = '{status}'")).await;
            assert!(n > 0, "no case at {status}");
        }
        assert!(count(&t, "SELECT COUNT(*) FROM cases WHERE sealed = 1 AND status NOT IN ('decided', 'closed')").await > 0);
        let today = app::time::today().format("%Y-%m-%d").to_string();
        assert!(count(&t, &format!("SELECT COUNT(*) FROM cases WHERE due_on < '{today}' AND status NOT IN ('decided', 'closed')")).await > 0, "some overdue");
        assert!(count(&t, "SELECT COUNT(*) FROM cases WHERE origin = 'confidence_test' AND status NOT IN ('decided', 'closed')").await > 0);
        assert!(count(&t, "SELECT COUNT(*) FROM cases WHERE origin = 'camera_review'").await > 0);
        assert!(count(&t, "SELECT COUNT(*) FROM case_notes").await > 0);
        // Cases from tests and camera reviews rest on linked evidence: the
        // accused's failed test, a segment of a car the accused drove.
        assert!(count(&t, "SELECT COUNT(*) FROM case_evidence e JOIN cases c ON c.id = e.case_id \
                           JOIN confidence_tests t ON t.id = e.test_id \
                           JOIN case_subjects s ON s.case_id = c.id AND s.officer_id = t.officer_id \
                           WHERE c.origin = 'confidence_test' AND t.result = 'fail' AND c.status NOT IN ('decided', 'closed')").await > 0);
        assert!(count(&t, "SELECT COUNT(*) FROM case_evidence e JOIN cases c ON c.id = e.case_id \
                           JOIN footage_segments f ON f.id = e.segment_id \
                           WHERE c.origin = 'camera_review' AND e.clip_from >= f.starts_at AND e.clip_to <= f.ends_at").await > 0,
                "some camera reviews link footage");
        // Open cases go to the investigators there are.
        assert_eq!(
            count(&t, "SELECT COUNT(*) FROM cases c JOIN users u ON u.id = c.assigned_to WHERE u.username = 'ana'").await,
            count(&t, "SELECT COUNT(*) FROM cases WHERE status NOT IN ('decided', 'closed')").await
        );
        // Numbers follow intake, year by year, without gaps.
        assert_eq!(
            count(&t, "SELECT COUNT(*) FROM cases c JOIN case_numbers n ON n.year = c.year WHERE c.seq > n.last").await,
            0
        );
        assert_eq!(
            count(&t, "SELECT CAST(SUM(last) AS BIGINT) FROM case_numbers").await,
            summary.cases as i64
        );
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

on_both_backends! {
    /// The cameras' last week as the control center sent it: heartbeats and
    /// footage for 7 days for the first 30 cars and the last hours for the
    /// others, only on shift; offline gaps, storage faults and tamper
    /// alarms; a few cars silent during their shifts; every camera's current
    /// state; the refused re-sends in an intact audit trail; the control
    /// center's client with a token that matches its hash.
    async fn cameras_sent_a_week_of_heartbeats_and_footage(t: TestDb) {
        use sha2::{Digest, Sha256};
        const MIN: i64 = 60_000;
        const HOUR: i64 = 60 * MIN;
        const DAY: i64 = 24 * HOUR;
        let before = demo::dates::now_ms();
        let summary = demo::load(&t.db, Scale::Small, 2013).await.unwrap();
        let now = demo::dates::now_ms();
        let n = |sql: String| {
            let t = &t;
            async move { count(t, &sql).await }
        };

        // Volume, and the 7-day window.
        assert_eq!(n("SELECT COUNT(*) FROM footage_segments".into()).await, summary.segments as i64);
        assert_eq!(n("SELECT COUNT(*) FROM camera_heartbeats".into()).await, summary.heartbeats as i64);
        assert!(summary.segments > 100_000 && summary.heartbeats > 50_000, "{summary:?}");
        assert!(n("SELECT MIN(ts) FROM camera_heartbeats".into()).await < now - 7 * DAY + HOUR);
        assert!(n("SELECT MIN(ts) FROM camera_heartbeats".into()).await >= before - 7 * DAY);
        assert!(n("SELECT MAX(ends_at) FROM footage_segments".into()).await <= now);
        assert!(n("SELECT MAX(ts) FROM camera_heartbeats".into()).await <= now);
        assert_eq!(
            n("SELECT COUNT(*) FROM footage_segments WHERE starts_at % 300000 <> 0 \
               OR ends_at - starts_at <> 300000".into()).await,
            0,
            "5-minute segments on 5-minute boundaries"
        );
        // Footage only on shift.
        assert_eq!(
            n("SELECT COUNT(*) FROM footage_segments f JOIN cameras c ON c.id = f.camera_id \
               WHERE NOT EXISTS (SELECT 1 FROM vehicle_assignments a WHERE a.vehicle_id = c.vehicle_id \
               AND a.starts_at <= f.starts_at AND f.ends_at <= a.ends_at)".into()).await,
            0
        );
        // The first 30 cars have footage back to their first shift, more
        // than five days and a half ago; PNC-1300 has nothing older than 3 hours.
        let first_shift = n("SELECT MIN(a.starts_at) FROM vehicle_assignments a \
                             JOIN vehicles v ON v.id = a.vehicle_id WHERE v.plate <= 'PNC-0030'".into()).await;
        assert!(first_shift < now - 5 * DAY - 12 * HOUR);
        assert_eq!(
            n("SELECT MIN(f.starts_at) FROM footage_segments f JOIN cameras c ON c.id = f.camera_id \
               JOIN vehicles v ON v.id = c.vehicle_id WHERE v.plate <= 'PNC-0030'".into()).await,
            first_shift
        );
        for table in ["footage_segments x", "camera_heartbeats x"] {
            let time = if table.starts_with("footage") { "x.starts_at" } else { "x.ts" };
            assert_eq!(
                n(format!("SELECT COUNT(*) FROM {table} JOIN cameras c ON c.id = x.camera_id \
                           JOIN vehicles v ON v.id = c.vehicle_id \
                           WHERE v.plate = 'PNC-1300' AND {time} < {}", now - 3 * HOUR)).await,
                0
            );
        }
        assert!(n(format!("SELECT COUNT(*) FROM footage_segments WHERE starts_at > {}", now - HOUR)).await > 1_000);

        // The coverage the ingest kept is what the stored records say.
        common::assert_coverage_kept(&t.db).await;

        // Every camera has a current state, and it is its latest record.
        assert_eq!(n("SELECT COUNT(*) FROM cameras WHERE last_status IS NULL".into()).await, 0);
        assert_eq!(
            n("SELECT COUNT(*) FROM cameras c WHERE \
               COALESCE(c.last_status_at, -1) <> COALESCE((SELECT MAX(ts) FROM camera_heartbeats h WHERE h.camera_id = c.id), -1) \
               OR COALESCE(c.last_footage_at, -1) <> COALESCE((SELECT MAX(ends_at) FROM footage_segments f WHERE f.camera_id = c.id), -1) \
               OR c.last_status <> (SELECT status FROM camera_heartbeats h WHERE h.camera_id = c.id AND h.ts = c.last_status_at)".into()).await,
            0
        );

        // Offline gaps (many cameras), storage faults and tamper alarms (a
        // few), and never footage while a camera says it is offline or faulty.
        let cameras_with = |status: &str| {
            format!("SELECT COUNT(DISTINCT camera_id) FROM camera_heartbeats WHERE status = '{status}'")
        };
        assert!(n(cameras_with("offline")).await > 40);
        assert!((1..=60).contains(&n(cameras_with("storage_fault")).await));
        assert!((1..=40).contains(&n(cameras_with("tamper")).await));
        assert_eq!(
            n("SELECT COUNT(*) FROM camera_heartbeats h JOIN footage_segments f ON f.camera_id = h.camera_id \
               AND f.starts_at <= h.ts AND h.ts < f.ends_at WHERE h.status IN ('offline', 'storage_fault')".into()).await,
            0
        );

        // Silent during a shift: two hours or more without a heartbeat from
        // a car on duty, or silent for the last hour while on duty now. A few
        // cars only, so they stand out.
        let silent_in_shift = n("SELECT COUNT(DISTINCT c.vehicle_id) FROM (SELECT camera_id, ts, \
                LAG(ts) OVER (PARTITION BY camera_id ORDER BY ts) AS prev FROM camera_heartbeats) g \
                JOIN cameras c ON c.id = g.camera_id WHERE g.ts - g.prev >= 7200000 AND EXISTS \
                (SELECT 1 FROM vehicle_assignments a WHERE a.vehicle_id = c.vehicle_id \
                 AND a.starts_at <= g.prev AND g.prev < a.ends_at)".into()).await;
        let silent_now = n(format!("SELECT COUNT(DISTINCT c.vehicle_id) FROM cameras c \
                WHERE c.last_status_at < {} AND EXISTS (SELECT 1 FROM vehicle_assignments a \
                WHERE a.vehicle_id = c.vehicle_id AND a.starts_at <= {now} AND {now} < a.ends_at)", now - HOUR)).await;
        assert!(silent_in_shift + silent_now > 0, "no camera went silent");
        assert!(silent_in_shift <= 5 && silent_now <= 5, "{silent_in_shift} {silent_now}");

        // The control center's client and the badge network's (for the
        // live feed): real tokens, kept as their hashes.
        let clients = sqlx::query("SELECT id, name, token_hash, token_hint, scopes, created_by, disabled FROM api_clients ORDER BY name")
            .fetch_all(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(clients.len(), 2);
        let badges = &clients[1];
        assert_eq!(badges.get::<String, _>(1), "red-de-placas");
        assert_eq!(badges.get::<String, _>(2), hex::encode(Sha256::digest(summary.badge_token.as_bytes())));
        assert_eq!(badges.get::<String, _>(4), "pings:write");
        let client = &clients[0];
        let client_id: i64 = client.get(0);
        let token = &summary.api_token;
        assert!(token.starts_with("vgt_") && token.len() == 68, "{token}");
        assert_eq!(client.get::<String, _>(1), "centro-de-control");
        assert_eq!(client.get::<String, _>(2), hex::encode(Sha256::digest(token.as_bytes())));
        assert_eq!(client.get::<String, _>(3), token[..12]);
        assert_eq!(client.get::<String, _>(4), "footage:write,health:write");
        assert_eq!(client.get::<String, _>(5), "demo-data");
        assert_eq!(client.get::<i64, _>(6), 0);
        // The demo loader sent the cameras' records, not the client: the
        // rows name no client, and the client has never been used.
        for table in ["footage_segments", "camera_heartbeats"] {
            assert_eq!(
                n(format!("SELECT COUNT(*) FROM {table} WHERE client_id IS NOT NULL")).await,
                0
            );
        }
        assert_eq!(n(format!("SELECT COUNT(*) FROM api_clients WHERE id = {client_id} AND last_used_at IS NULL")).await, 1);

        // A stored segment: its id, file and checksum.
        let row = sqlx::query("SELECT f.segment, f.uri, f.sha256, f.bytes, f.starts_at, v.plate, c.placement \
                               FROM footage_segments f JOIN cameras c ON c.id = f.camera_id \
                               JOIN vehicles v ON v.id = c.vehicle_id ORDER BY f.segment LIMIT 1")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        let (segment, uri, sha): (String, String, String) = (row.get(0), row.get(1), row.get(2));
        let plate: String = row.get(5);
        let code = if row.get::<String, _>(6) == "cabin" { "CAB" } else { "FWD" };
        assert!(segment.starts_with(&format!("GC-{}-{code}-", plate.replace('-', ""))), "{segment}");
        assert!(uri.starts_with("s3://pnc-footage/") && uri.contains(&format!("/{plate}/{code}/")), "{uri}");
        assert!(uri.ends_with(&format!("{}.mp4", &segment[segment.len() - 16..])), "{uri} {segment}");
        assert_eq!(sha, hex::encode(Sha256::digest(segment.as_bytes())));
        assert!((150_000_000..=220_000_000).contains(&row.get::<i64, _>(3)));

        // The re-sent segments: refused, audited against the stored one.
        let audited = n("SELECT COUNT(*) FROM audit_log a JOIN footage_segments f ON f.segment = a.object_id \
                 WHERE a.action = 'ingest.integrity_conflict' AND a.outcome = 'denied' \
                 AND a.object_type = 'footage_segment' AND a.actor_kind = 'demo' \
                 AND a.actor_id IS NULL AND a.actor_label = 'demo-data' AND a.ip = 'demo' \
                 AND a.details LIKE '%\"stored_sha256\":\"' || f.sha256 || '\"%' \
                 AND a.details LIKE '%\"offered_sha256\":%' AND a.details LIKE '%\"index\":%'".into()).await;
        assert!(audited >= 3, "{audited} integrity conflicts audited");
        assert_eq!(audited, 6, "every re-send refused, and audited once");
        // The load went through the services, each leaving its own record,
        // and every record names the demo loader, who did all of it.
        let actions = |action: &str| n(format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}'"));
        assert_eq!(actions("records.imported").await, 3, "officers, shifts, tests");
        assert_eq!(actions("api_client.created").await, 2, "the control center, the badge network");
        let batches = actions("footage.ingested").await
            + actions("heartbeats.ingested").await
            + actions("pings.ingested").await;
        assert!(batches >= 3, "{batches} ingest batches");
        assert_eq!(actions("demo_data.loaded").await, 1);
        // Dismissals and suspensions are the ministry's decisions on cases,
        // each with its history row naming the case, not lines of the import.
        let decided = n("SELECT COUNT(*) FROM officers WHERE status IN ('dismissed', 'suspended')".into()).await;
        assert!(decided > 200, "{decided}");
        assert_eq!(actions("officer.status_changed").await, decided);
        assert_eq!(n("SELECT COUNT(*) FROM officer_status_history WHERE case_id IS NOT NULL".into()).await, decided);
        let casework = n("SELECT COUNT(*) FROM audit_log WHERE object_type = 'case'".into()).await;
        assert!(casework > 5 * n("SELECT COUNT(*) FROM cases".into()).await, "{casework}");
        let total = n("SELECT COUNT(*) FROM audit_log".into()).await;
        assert_eq!(total, audited + 3 + 2 + batches + decided + casework + 1);
        assert_eq!(
            n("SELECT COUNT(*) FROM audit_log WHERE actor_kind = 'demo' AND actor_id IS NULL AND actor_label = 'demo-data'".into()).await,
            total
        );
        assert_eq!(
            app::audit::verify(&t.db).await.unwrap(),
            app::audit::Verification::Intact { records: total }
        );
    }
}

on_both_backends! {
    /// Badge pings every 30 s while officers are on a shift: each under the
    /// officer who wears the chip, never off duty; a week for the officers
    /// followed (the first cars' latest crews) and the last 2 hours for the
    /// others; some badges silent
    /// during a shift, a few impossible jumps and mock pings; each chip's
    /// latest ping and battery kept.
    async fn badges_sent_pings_while_their_wearers_were_on_shift(t: TestDb) {
        const HOUR: i64 = 3_600_000;
        let summary = demo::load(&t.db, Scale::Small, 2013).await.unwrap();
        let now = demo::dates::now_ms();
        assert_eq!(count(&t, "SELECT COUNT(*) FROM pings").await, summary.pings as i64);
        assert!(summary.pings > 100_000, "{summary:?}");
        assert_eq!(count(&t, "SELECT COUNT(*) FROM pings WHERE ts % 30000 <> 0").await, 0, "every 30 s");
        assert_eq!(count(&t, "SELECT COUNT(*) FROM pings WHERE officer_id IS NULL").await, 0);
        // Never off duty: every ping falls in one of its officer's shifts.
        assert_eq!(count(&t, "SELECT COUNT(*) FROM pings p WHERE NOT EXISTS (SELECT 1 FROM vehicle_assignments a \
                               WHERE a.officer_id = p.officer_id AND a.starts_at <= p.ts AND p.ts < a.ends_at)").await, 0);
        // A week for the first cars' crews, 2 hours for the others.
        let oldest = count(&t, "SELECT MIN(ts) FROM pings").await;
        assert!(oldest < now - 5 * 24 * HOUR, "{oldest}");
        let old_officers = count(&t, &format!("SELECT COUNT(DISTINCT officer_id) FROM pings WHERE ts < {}", now - 3 * HOUR)).await;
        let recent_officers = count(&t, &format!("SELECT COUNT(DISTINCT officer_id) FROM pings WHERE ts > {}", now - HOUR)).await;
        assert!(old_officers >= 10 && recent_officers > 5 * old_officers, "{old_officers} {recent_officers}");
        assert!(count(&t, "SELECT MAX(ts) FROM pings").await <= now);
        // Anomalies, few: mock pings, and badges whose chip kept quiet.
        let mock = count(&t, "SELECT COUNT(DISTINCT officer_id) FROM pings WHERE mock = 1").await;
        assert!(mock >= 1 && mock * 20 < old_officers.max(recent_officers), "{mock}");
        let gaps = count(&t, "SELECT COUNT(*) FROM (SELECT ts - LAG(ts) OVER (PARTITION BY badge_id ORDER BY ts) AS d FROM pings) g \
                              WHERE g.d > 600000 AND g.d < 3600000").await;
        assert!(gaps >= 1, "some badges fell silent during a shift");
        // Badge health kept: the chip's latest ping.
        assert_eq!(count(&t, "SELECT COUNT(*) FROM badges b WHERE b.last_ping_at IS NOT NULL AND \
                               b.last_ping_at <> (SELECT MAX(ts) FROM pings p WHERE p.badge_id = b.id)").await, 0);
        assert!(count(&t, "SELECT COUNT(*) FROM badges WHERE last_battery_pct IS NOT NULL").await > 50);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'pings.ingested'").await, 1);
    }
}
