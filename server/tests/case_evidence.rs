//! What a case rests on, on both backends: evidence links to footage (a
//! range inside the segment) and confidence tests, with who, when and why;
//! documents stored once by their SHA-256, within their size limit and
//! type, downloaded as attachments and audited, refused when the stored
//! bytes no longer match; and the same documents in an S3 bucket (moto's
//! server, which `scripts/test` starts).

mod common;
use common::count;

use app::cases::{CaseFile, EvidenceKind};
use app::identity::Role;
use common::{create_user, spawn_app_with, TestApp, TestDb};
use sha2::Digest;

const OFFICERS: &str = "\
hire_date,badge_number,given_names,family_names,rank,unit,status,national_id
2010-05-02,880001,José Ángel,Ixcoy Tzunún,agente,13-02,active,
2015-11-20,880002,María de los Ángeles,Pérez Xicará,subinspector,13-02,active,
";

/// The segment every test links: 16:13:20 to 16:18:20, Guatemala time.
const SEGMENT_START: i64 = 1_700_000_000_000;
const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\nActa de entrevista, Chiantla\n%%EOF\n";

struct Office {
    app: TestApp,
    inv: reqwest::Client,
    inv2: reqwest::Client,
    sup: reqwest::Client,
    aud: reqwest::Client,
    min: reqwest::Client,
    mon: reqwest::Client,
    documents: std::path::PathBuf,
}

async fn exec(t: &TestDb, sql: &str) {
    sqlx::query(sql)
        .execute(t.db.pool_for_tests())
        .await
        .unwrap();
}

/// An office over `t`, its documents in `documents_url` (or a folder of
/// its own), at most `max_bytes` each.
async fn office(t: &TestDb, documents_url: Option<String>, max_bytes: u64) -> Office {
    common::seed_chiantla(t, OFFICERS).await;
    exec(t, "INSERT INTO vehicles (plate, unit_id, created_at) SELECT 'PNC-0451', id, 0 FROM units WHERE code = '13-02'").await;
    exec(t, "INSERT INTO cameras (vehicle_id, placement, serial, created_at) SELECT id, 'cabin', 'CAM-0451-C', 0 FROM vehicles WHERE plate = 'PNC-0451'").await;
    exec(t, &format!(
        "INSERT INTO footage_segments (segment, camera_id, starts_at, ends_at, uri, sha256, bytes, received_at) \
         SELECT 'seg-0451-a', id, {SEGMENT_START}, {}, 's3://footage/0451/a.mp4', '{}', 1000, 0 FROM cameras WHERE serial = 'CAM-0451-C'",
        SEGMENT_START + 300_000,
        "ab".repeat(32)
    ))
    .await;
    for (badge, result) in [("880001", "fail"), ("880002", "pass")] {
        exec(t, &format!(
            "INSERT INTO confidence_tests (officer_id, kind, taken_on, result, examiner, recorded_by, recorded_at) \
             SELECT id, 'polygraph', '2013-01-10', '{result}', 'Examinador', 'test', 0 FROM officers WHERE badge_number = '{badge}'"
        ))
        .await;
    }
    let folder = tempfile::tempdir().unwrap().keep();
    let url = documents_url
        .clone()
        .unwrap_or_else(|| folder.display().to_string());
    let app = spawn_app_with(t, |s| {
        s.documents_url = Some(url);
        s.document_max_bytes = max_bytes;
    })
    .await;
    let mut clients = Vec::new();
    for (name, role) in [
        ("ana", Role::Investigator),
        ("beto", Role::Investigator),
        ("jefa", Role::Supervisor),
        ("audi", Role::Auditor),
        ("mini", Role::Ministry),
        ("moni", Role::Monitor),
    ] {
        let password = create_user(&t.db, name, &[role]).await;
        clients.push(app.signed_in(name, &password).await);
    }
    let mut c = clients.into_iter();
    Office {
        inv: c.next().unwrap(),
        inv2: c.next().unwrap(),
        sup: c.next().unwrap(),
        aud: c.next().unwrap(),
        min: c.next().unwrap(),
        mon: c.next().unwrap(),
        app,
        documents: folder,
    }
}

impl Office {
    async fn call(
        &self,
        c: &reqwest::Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> (u16, String) {
        let res = self.app.call(c, endpoint, form).await;
        (res.status().as_u16(), res.text().await.unwrap())
    }

    async fn ok(&self, c: &reqwest::Client, endpoint: &str, form: &[(&str, &str)]) -> String {
        let (status, body) = self.call(c, endpoint, form).await;
        assert!(
            (200..300).contains(&status),
            "{endpoint} {form:?}: {status} {body}"
        );
        body
    }

    async fn open(&self, title: &str) -> String {
        let body = self
            .ok(
                &self.inv,
                "create_case",
                &[
                    ("title", title),
                    ("summary", "Cobros en el puesto de control."),
                    ("origin", "camera_review"),
                    ("unit", "13-02"),
                    ("accused", "880001"),
                ],
            )
            .await;
        serde_json::from_str(&body).unwrap()
    }

    async fn file(&self, c: &reqwest::Client, number: &str) -> CaseFile {
        serde_json::from_str(&self.ok(c, "get_case", &[("number", number)]).await).unwrap()
    }

    async fn upload(
        &self,
        c: &reqwest::Client,
        number: &str,
        name: &str,
        bytes: &[u8],
    ) -> (u16, String) {
        let form = reqwest::multipart::Form::new()
            .text("number", number.to_string())
            .text("reason", "El acta de la entrevista al denunciante.")
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()),
            );
        let res = c
            .post(self.app.url("/rpc/upload_case_document"))
            .header("accept", "application/json")
            .multipart(form)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }
}

fn stored_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.file_type().unwrap().is_dir() {
            out.extend(stored_files(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

on_both_backends! {
    /// A footage segment (a range inside it) and a test link to the case
    /// with who, when and why; what is outside the segment, already linked
    /// or not the case's is refused with the field named; links are
    /// append-only and on the timeline.
    async fn footage_and_tests_link_to_the_case_with_who_and_why(t: TestDb) {
        let o = office(&t, None, app::documents::DEFAULT_MAX_BYTES).await;
        let n = o.open("Cobros en el puesto de control").await;
        let link = |from: &'static str, to: &'static str| {
            [("number", n.as_str()), ("segment", "seg-0451-a"), ("from", from), ("to", to),
             ("reason", "Se ve al agente recibir dinero del conductor.")]
        };
        o.ok(&o.inv, "link_case_footage", &link("2023-11-14T16:14:00", "2023-11-14T16:15:30")).await;
        // The same range again, a range outside the segment, no such segment.
        let (s, body) = o.call(&o.inv, "link_case_footage", &link("2023-11-14T16:14:00", "2023-11-14T16:15:30")).await;
        assert_eq!(s, 422, "{body}");
        assert!(body.contains("evidence_linked"), "{body}");
        let (s, body) = o.call(&o.inv, "link_case_footage", &link("2023-11-14T16:10:00", "2023-11-14T16:15:30")).await;
        assert_eq!(s, 422, "{body}");
        assert!(body.contains("clip_outside_segment") && body.contains("\"from\""), "{body}");
        let (s, body) = o.call(&o.inv, "link_case_footage", &[("number", n.as_str()), ("segment", "seg-nope"), ("reason", "x")]).await;
        assert_eq!(s, 422, "{body}");
        assert!(body.contains("segment"), "{body}");
        // Why is required.
        let (s, body) = o.call(&o.inv, "link_case_footage", &[("number", n.as_str()), ("segment", "seg-0451-a"), ("reason", " ")]).await;
        assert_eq!(s, 422, "{body}");
        assert!(body.contains("reason"), "{body}");

        let file = o.file(&o.inv, &n).await;
        assert_eq!(file.linkable_tests.len(), 1, "the accused's test only: {:?}", file.linkable_tests);
        let test = file.linkable_tests[0].id.to_string();
        o.ok(&o.inv, "link_case_test", &[("number", &n), ("test", &test), ("reason", "Polígrafo no superado.")]).await;
        let other: i64 = count(&t, "SELECT t.id FROM confidence_tests t JOIN officers o ON o.id = t.officer_id WHERE o.badge_number = '880002'").await;
        let (s, body) = o.call(&o.inv, "link_case_test", &[("number", &n), ("test", &other.to_string()), ("reason", "x")]).await;
        assert_eq!(s, 422, "{body}");
        assert!(body.contains("no_test_of_subject"), "{body}");
        // Neither the monitor nor the ministry (before it is sent) may link.
        let (s, _) = o.call(&o.mon, "link_case_footage", &link("", "")).await;
        assert_eq!(s, 403);

        let file = o.file(&o.aud, &n).await;
        assert_eq!(file.evidence.len(), 2);
        let footage = &file.evidence[0];
        assert_eq!(footage.kind, EvidenceKind::Footage);
        assert_eq!(footage.label, "seg-0451-a");
        assert!(footage.detail.contains("PNC-0451") && footage.detail.contains("2023-11-14 16:14:00"), "{}", footage.detail);
        assert_eq!(footage.linked_by, "ana");
        assert_eq!(footage.reason, "Se ve al agente recibir dinero del conductor.");
        assert!(file.evidence[1].test.is_some(), "the auditor reads tests");
        assert!(!file.actions.link_evidence, "the auditor changes nothing");
        // The link points at the record: no copy of the segment is made.
        assert_eq!(count(&t, "SELECT COUNT(*) FROM footage_segments").await, 1);
        // The timeline, which every reader of the case sees, names the test
        // but not its result.
        assert!(
            !file.timeline.iter().flat_map(|e| &e.details).any(|d| d.value.contains("fail") || d.value.contains("polygraph")),
            "{:?}",
            file.timeline
        );
        let actions: Vec<_> = file.timeline.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions.iter().filter(|a| **a == "case.evidence_linked").count(), 2, "{actions:?}");
        // Append-only.
        assert!(sqlx::query("DELETE FROM case_evidence").execute(t.db.pool_for_tests()).await.is_err());
        assert!(sqlx::query("UPDATE case_evidence SET reason = 'otra'").execute(t.db.pool_for_tests()).await.is_err());
    }
}

on_both_backends! {
    /// Intake from a failed test links it in the same transaction; a bad
    /// link leaves no case behind.
    async fn intake_from_a_test_links_it_or_opens_nothing(t: TestDb) {
        let o = office(&t, None, app::documents::DEFAULT_MAX_BYTES).await;
        let test: i64 = count(&t, "SELECT t.id FROM confidence_tests t JOIN officers o ON o.id = t.officer_id WHERE o.badge_number = '880001'").await;
        let test = test.to_string();
        let form = |test: &str, reason: &str| {
            vec![("title".to_string(), "Polígrafo no superado".to_string()), ("summary".into(), "Resultado".into()),
                 ("origin".into(), "confidence_test".into()), ("accused".into(), "880001".into()),
                 ("test".into(), test.to_string()), ("evidence_reason".into(), reason.to_string())]
        };
        let send = |f: Vec<(String, String)>| {
            let o = &o;
            async move {
                let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                o.call(&o.inv, "create_case", &f).await
            }
        };
        let (s, body) = send(form(&test, "")).await;
        assert_eq!(s, 422, "{body}");
        assert!(body.contains("reason"), "{body}");
        let (s, body) = send(form("999999", "El resultado que abrió el caso.")).await;
        assert_eq!(s, 422, "{body}");
        assert_eq!(count(&t, "SELECT COUNT(*) FROM cases").await, 0, "nothing half written");
        let (s, body) = send(form(&test, "El resultado que abrió el caso.")).await;
        assert_eq!(s, 200, "{body}");
        let n: String = serde_json::from_str(&body).unwrap();
        let file = o.file(&o.inv, &n).await;
        assert_eq!(file.evidence.len(), 1);
        assert_eq!(file.evidence[0].kind, EvidenceKind::ConfidenceTest);
        assert_eq!(file.evidence[0].reason, "El resultado que abrió el caso.");
    }
}

on_both_backends! {
    /// Documents: stored once by SHA-256, typed by their bytes, limited in
    /// size, downloaded as attachments and audited, refused (and audited)
    /// when the stored bytes no longer match; a sealed case's documents do
    /// not exist for another investigator.
    async fn documents_are_stored_once_checked_and_audited(t: TestDb) {
        let o = office(&t, None, 4 * 1024).await;
        let a = o.open("Caso A").await;
        let b = o.open("Caso B").await;
        let (s, body) = o.upload(&o.inv, &a, "Acta nº 3.pdf", PDF).await;
        assert_eq!(s, 200, "{body}");
        let id: i64 = serde_json::from_str(&body).unwrap();
        let (s, body) = o.upload(&o.inv, &b, "acta-copia.pdf", PDF).await;
        assert_eq!(s, 200, "{body}");
        // Once more in the same case: refused by name.
        let (s, body) = o.upload(&o.inv, &a, "otra.pdf", PDF).await;
        assert_eq!(s, 422, "{body}");
        assert!(body.contains("document_in_case") && body.contains("Acta nº 3.pdf"), "{body}");
        assert_eq!(stored_files(&o.documents).len(), 1, "the same bytes stored once");
        assert_eq!(count(&t, "SELECT COUNT(*) FROM documents").await, 1);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM case_documents").await, 2);
        // HTML (even named .pdf), too large, empty: refused, nothing written.
        let (s, body) = o.upload(&o.inv, &a, "informe.pdf", b"<html><script>alert(1)</script></html>").await;
        assert_eq!(s, 422, "{body}");
        assert!(body.contains("document_type") && body.contains("\"file\""), "{body}");
        // A PDF named as a page would be saved, and opened, as one.
        let (s, body) = o.upload(&o.inv, &a, "informe.html", PDF).await;
        assert_eq!(s, 422, "{body}");
        assert!(body.contains("document_name") && body.contains(".pdf"), "{body}");
        let mut big = PDF.to_vec();
        big.resize(5 * 1024, b' ');
        let (s, body) = o.upload(&o.inv, &a, "grande.pdf", &big).await;
        assert_eq!(s, 422, "{body}");
        assert!(body.contains("file_too_large") && body.contains("4 KiB"), "{body}");
        assert_eq!(count(&t, "SELECT COUNT(*) FROM case_documents").await, 2);
        assert_eq!(stored_files(&o.documents).len(), 1);
        // The monitor may not upload.
        let (s, _) = o.upload(&o.mon, &a, "x.pdf", PDF).await;
        assert_eq!(s, 403);

        let file = o.file(&o.inv, &a).await;
        assert_eq!(file.documents.len(), 1);
        let doc = &file.documents[0];
        assert_eq!(doc.sha256, hex::encode(sha2::Sha256::digest(PDF)));
        assert_eq!(doc.content_type, "application/pdf");
        assert_eq!(doc.href, format!("/cases/{a}/documents/{id}"));

        // The auditor downloads it: an attachment of its type, audited.
        let res = o.aud.get(o.app.url(&doc.href)).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let h = res.headers().clone();
        assert_eq!(h["content-type"], "application/pdf");
        assert!(h["content-disposition"].to_str().unwrap().starts_with("attachment;"));
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'case.document_read' AND actor_label = 'audi'").await, 1);
        // Sealed: another investigator finds neither the case nor its document.
        o.ok(&o.sup, "seal_case", &[("number", &a)]).await;
        let res = o.inv2.get(o.app.url(&doc.href)).send().await.unwrap();
        assert_eq!(res.status(), 404);
        let res = o.min.get(o.app.url(&doc.href)).send().await.unwrap();
        assert_eq!(res.status(), 404, "the ministry sees a case once it is sent");

        // Changed in the store behind Vigía's back: refused, and audited.
        std::fs::write(&stored_files(&o.documents)[0], b"%PDF-1.4 otro contenido").unwrap();
        let res = o.aud.get(o.app.url(&doc.href)).send().await.unwrap();
        assert_eq!(res.status(), 409);
        let text = res.text().await.unwrap();
        assert!(text.contains("SHA-256") && text.contains(&doc.sha256), "{text}");
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'case.document_integrity_failed'").await, 1);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'case.document_read'").await, 1);
        // The right bytes uploaded again (here to a third case) mend the
        // stored copy for every case that holds it.
        let c = o.open("Caso C").await;
        let (s, body) = o.upload(&o.inv, &c, "acta.pdf", PDF).await;
        assert_eq!(s, 200, "{body}");
        let res = o.aud.get(o.app.url(&doc.href)).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
    }
}

on_both_backends! {
    /// The same documents in an S3-compatible bucket (moto's server at
    /// VIGIA_TEST_S3_ENDPOINT, which scripts/test starts).
    async fn documents_live_in_an_s3_bucket_by_configuration(t: TestDb) {
        let Some(endpoint) = std::env::var("VIGIA_TEST_S3_ENDPOINT").ok().filter(|e| !e.is_empty()) else {
            assert!(std::env::var("VIGIA_REQUIRE_S3").is_err(), "VIGIA_REQUIRE_S3 is set but VIGIA_TEST_S3_ENDPOINT is not");
            eprintln!("\n*** S3 document store NOT TESTED: set VIGIA_TEST_S3_ENDPOINT (scripts/test starts moto) ***\n");
            return;
        };
        // Each test process its own bucket.
        let bucket = format!("vigia-test-{}", std::process::id());
        // SAFETY of intent: each test runs in its own process (nextest), so
        // no other thread reads the environment while it is set.
        for (k, v) in [("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test"), ("AWS_REGION", "us-east-1")] {
            std::env::set_var(k, v);
        }
        std::env::set_var("AWS_ENDPOINT_URL", &endpoint);
        let http = reqwest::Client::new();
        let res = http.put(format!("{endpoint}/{bucket}")).send().await.unwrap();
        assert!(res.status().is_success(), "create the bucket: {}", res.status());
        let o = office(&t, Some(format!("s3://{bucket}/casos")), app::documents::DEFAULT_MAX_BYTES).await;
        let a = o.open("Caso A").await;
        let b = o.open("Caso B").await;
        let (s, body) = o.upload(&o.inv, &a, "acta.pdf", PDF).await;
        assert_eq!(s, 200, "{body}");
        let (s, body) = o.upload(&o.inv, &b, "acta.pdf", PDF).await;
        assert_eq!(s, 200, "{body}");
        let sha = hex::encode(sha2::Sha256::digest(PDF));
        let listing = http.get(format!("{endpoint}/{bucket}?list-type=2&prefix=casos/")).send().await.unwrap().text().await.unwrap();
        assert_eq!(listing.matches("<Key>").count(), 1, "one object for the same bytes twice: {listing}");
        assert!(listing.contains(&format!("<Key>casos/sha256/{}/{sha}</Key>", &sha[..2])), "{listing}");
        let file = o.file(&o.inv, &a).await;
        let res = o.aud.get(o.app.url(&file.documents[0].href)).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
        // Overwritten in the bucket: refused and audited.
        let res = http.put(format!("{endpoint}/{bucket}/casos/sha256/{}/{sha}", &sha[..2])).body("%PDF-1.4 otro").send().await.unwrap();
        assert!(res.status().is_success());
        let res = o.aud.get(o.app.url(&file.documents[0].href)).send().await.unwrap();
        assert_eq!(res.status(), 409);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'case.document_integrity_failed'").await, 1);
    }
}

on_both_backends! {
    /// The window a track page shows links to a case in one action: the
    /// page offers the open cases the reader works where the officer is one
    /// of the case's officers; the link names the officer and the window
    /// (never a copy of the pings), the audit record keeps how many pings
    /// there were and their SHA-256; an officer outside the case, the same
    /// window twice, a reader who may not read tracks are refused. Retention
    /// then keeps the pings inside the linked window whatever their age, and
    /// removes the others.
    async fn a_track_window_links_to_the_case_and_outlives_retention(t: TestDb) {
        let o = office(&t, None, app::documents::DEFAULT_MAX_BYTES).await;
        exec(&t, "INSERT INTO badges (chip_id, created_at) VALUES ('CHIP-9', 0)").await;
        exec(&t, "INSERT INTO badge_assignments (badge_id, officer_id, valid_from, valid_to) \
                  SELECT b.id, o.id, 0, NULL FROM badges b, officers o WHERE b.chip_id = 'CHIP-9' AND o.badge_number = '880001'").await;
        let token = common::api_client_token(&t, "placas", "pings:write").await;
        let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis();
        let day = |d: &str| -> Vec<serde_json::Value> {
            (0..10).map(|i| serde_json::json!({
                "badge": "CHIP-9", "ts": format!("2013-03-{d}T12:{:02}:{:02}Z", i / 2, (i % 2) * 30),
                "lat": 15.3 + i as f64 * 1e-4, "lon": -91.4, "accuracy_m": 8.0,
            })).collect()
        };
        let batch: Vec<_> = day("15").into_iter().chain(day("20")).collect();
        let (status, answer) = common::api_post(&o.app, "/api/v1/ingest/pings", Some(&token), "application/json",
            serde_json::Value::Array(batch).to_string()).await;
        assert_eq!((status, answer["accepted"].as_i64()), (200, Some(20)), "{answer}");
        let n = o.open("Se apartó de su ruta").await;

        let window = [("badge", "880001"), ("from", "2013-03-15T11:00:00Z"), ("to", "2013-03-15T13:00:00Z")];
        let v: app::tracking::TrackView = serde_json::from_str(&o.ok(&o.inv, "officer_track", &window).await).unwrap();
        assert_eq!((v.pings, v.link_cases.clone()), (10, vec![n.clone()]));
        // Not a case's officer: nothing to link to. The auditor links nothing.
        let other: app::tracking::TrackView = serde_json::from_str(&o.ok(&o.inv, "officer_track",
            &[("badge", "880002"), ("from", "2013-03-15T11:00:00Z"), ("to", "2013-03-15T13:00:00Z")]).await).unwrap();
        assert!(other.link_cases.is_empty());
        let audited: app::tracking::TrackView = serde_json::from_str(&o.ok(&o.aud, "officer_track", &window).await).unwrap();
        assert!(audited.link_cases.is_empty(), "the auditor changes nothing");

        let link = |badge: &'static str, from: &'static str, to: &'static str| {
            vec![("number", n.clone()), ("badge", badge.to_string()), ("from", from.to_string()), ("to", to.to_string()),
                 ("reason", "Estuvo fuera de su sector durante el turno.".to_string())]
        };
        let form = |f: &Vec<(&'static str, String)>| f.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
        let send = |c: &reqwest::Client, f: Vec<(&'static str, String)>| {
            let (o, c) = (&o, c.clone());
            async move {
                let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
                o.call(&c, "link_case_track", &f).await
            }
        };
        let ok = link("880001", "2013-03-15T11:00:00Z", "2013-03-15T13:00:00Z");
        let (s, body) = send(&o.inv, form(&ok)).await;
        assert_eq!(s, 200, "{body}");
        assert_eq!(serde_json::from_str::<String>(&body).unwrap(), n);
        let (s, body) = send(&o.inv, form(&ok)).await;
        assert_eq!(s, 422, "{body}");
        assert!(body.contains("evidence_linked"), "{body}");
        let (s, body) = send(&o.inv, link("880002", "2013-03-15T11:00:00Z", "2013-03-15T13:00:00Z")).await;
        assert_eq!(s, 422, "{body}");
        assert!(body.contains("not_case_subject") && body.contains("badge_number"), "{body}");
        let (s, body) = send(&o.inv, link("880001", "2013-03-01T00:00:00Z", "2013-04-15T00:00:00Z")).await;
        assert_eq!(s, 422, "{body}");
        assert!(body.contains("\"to\""), "{body}");
        assert_eq!(send(&o.mon, form(&ok)).await.0, 403);
        assert_eq!(send(&o.aud, form(&ok)).await.0, 403);

        let file = o.file(&o.aud, &n).await;
        let track = file.evidence.iter().find(|e| e.kind == EvidenceKind::Track).expect("the track link");
        assert!(track.label.starts_with("880001 · José Ángel"), "{}", track.label);
        // Guatemala time: six hours behind UTC.
        assert_eq!(track.detail, "2013-03-15 05:00 → 2013-03-15 07:00");
        assert_eq!(track.href.as_deref(), Some(format!("/officers/880001/track?from=2013-03-15T11:00:00Z&to=2013-03-15T13:00:00Z&case={n}").as_str()));
        assert_eq!(track.linked_by, "ana");
        assert!(file.actions.read_tracks);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM case_evidence WHERE kind = 'track'").await, 1);
        let details: String = sqlx::query_scalar("SELECT details FROM audit_log WHERE action = 'case.evidence_linked'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        let details: serde_json::Value = serde_json::from_str(&details).unwrap();
        assert_eq!((details["kind"].as_str(), details["badge_number"].as_str(), details["pings"].as_i64()),
                   (Some("track"), Some("880001"), Some(10)));
        assert_eq!(details["sha256"].as_str().map(str::len), Some(64));

        // Two months later, with 30 days' retention: the linked window's
        // pings stay, the others go.
        let expired = app::tracking::retention::apply(&t.db, 30, at("2013-06-01T00:00:00Z")).await.unwrap();
        assert_eq!(expired.pings, 10);
        assert!(expired.partitions.is_empty(), "a month holding evidence is not dropped");
        let left: Vec<i64> = sqlx::query_scalar("SELECT ts FROM pings ORDER BY ts").fetch_all(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(left.len(), 10);
        assert!(left.iter().all(|ts| *ts >= at("2013-03-15T11:00:00Z") && *ts <= at("2013-03-15T13:00:00Z")));
        // The track still reads the same ten pings; a second run removes nothing and records nothing.
        let again: app::tracking::TrackView = serde_json::from_str(&o.ok(&o.inv, "officer_track", &window).await).unwrap();
        assert_eq!(again.pings, 10);
        let records = count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'pings.expired'").await;
        assert_eq!(app::tracking::retention::apply(&t.db, 30, at("2013-06-01T00:00:00Z")).await.unwrap().pings, 0);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'pings.expired'").await, records);
        assert!(matches!(app::audit::verify(&t.db).await.unwrap(), app::audit::Verification::Intact { .. }));
    }
}
