//! Writing officer records on both backends: officers created and edited,
//! vehicle assignments (no overlap, at most 24 hours), badge chips (one
//! officer per chip at a time), confidence tests (reads audited), and the
//! CSV import (every bad row reported, nothing half written, re-import a
//! no-op, 40,000 rows through the page's endpoint).

mod common;
use common::count;

use app::error::AppError;
use app::identity::Role;
use app::officers::import::{ImportKind, ImportReport};
use app::officers::importer;
use app::officers::{OfficerProfile, TestRow};
use app::policy::authorize;
use common::{create_user, spawn_app, TestApp};

fn field_of(e: AppError) -> (String, String) {
    match e {
        // The message as the English page shows it.
        AppError::Validation { field, problem } => (field.as_str().to_string(), problem.english()),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

async fn refused_field(res: reqwest::Response) -> (String, String) {
    assert_eq!(res.status(), 422);
    field_of(res.json().await.unwrap())
}

async fn profile(app: &TestApp, c: &reqwest::Client, badge: &str) -> OfficerProfile {
    let res = app.call(c, "get_officer", &[("badge_number", badge)]).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

const NEW_OFFICER: &[(&str, &str)] = &[
    ("badge_number", "990001"),
    ("given_names", "María José"),
    ("family_names", "Xicará Peña"),
    ("rank", "inspector"),
    ("unit", "13-02"),
    ("status", "active"),
    ("hire_date", "2015-03-01"),
    ("national_id", "2456789011301"),
];

fn with(
    base: &[(&'static str, &'static str)],
    key: &str,
    value: &'static str,
) -> Vec<(&'static str, &'static str)> {
    base.iter()
        .map(|(k, v)| if *k == key { (*k, value) } else { (*k, *v) })
        .collect()
}

on_both_backends! {
    /// Officers are created and edited through checked forms; every refusal
    /// names its field; the badge number is unique; changes are audited.
    async fn officers_are_created_and_edited_field_by_field(t: TestDb) {
        server::demo::load(&t.db, server::demo::Scale::Small, 2013).await.unwrap();
        let inv = create_user(&t.db, "ana", &[Role::Investigator]).await;
        let app = spawn_app(&t).await;
        let c = app.signed_in("ana", &inv).await;
        let before = count(&t, "SELECT COUNT(*) FROM officers").await;

        for (key, value, field) in [
            ("badge_number", "12-34", "badge_number"),
            ("given_names", "R2D2", "given_names"),
            ("family_names", " ", "family_names"),
            ("rank", "general", "rank"),
            ("unit", "99-99", "unit"),
            ("status", "fired", "status"),
            ("hire_date", "1990-01-01", "hire_date"),
            ("hire_date", "2999-01-01", "hire_date"),
            ("national_id", "1234", "national_id"),
        ] {
            let (f, reason) = refused_field(app.call(&c, "create_officer", &with(NEW_OFFICER, key, value)).await).await;
            assert_eq!(f, field, "{key}={value}: {reason}");
            assert!(!reason.is_empty());
        }
        assert_eq!(count(&t, "SELECT COUNT(*) FROM officers").await, before, "nothing half written");

        let res = app.call(&c, "create_officer", NEW_OFFICER).await;
        assert_eq!(res.status(), 200);
        let p = profile(&app, &c, "990001").await;
        assert_eq!((p.given_names.as_str(), p.family_names.as_str(), p.rank.as_str()), ("María José", "Xicará Peña", "inspector"));
        assert_eq!(p.unit_code, "13-02");
        assert_eq!(p.national_id.as_deref(), Some("•••• ••••• 1301"));
        // Found by search without accents.
        let page: app::officers::OfficerPage = app.call(&c, "list_officers", &[("q", "xicara pena maria")]).await.json().await.unwrap();
        assert!(page.rows.iter().any(|r| r.badge_number == "990001"));

        let existing: String = sqlx::query_scalar("SELECT badge_number FROM officers ORDER BY badge_number LIMIT 1")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        let dup: Vec<(&str, &str)> = NEW_OFFICER.iter().map(|(k, v)| if *k == "badge_number" { (*k, existing.as_str()) } else { (*k, *v) }).collect();
        let (f, reason) = refused_field(app.call(&c, "create_officer", &dup).await).await;
        assert_eq!(f, "badge_number");
        assert!(reason.contains("already"), "{reason}");

        // Edit: rank and unit change; an empty national ID keeps the old one.
        let edit = [
            ("badge_number", "990001"), ("given_names", "María José"), ("family_names", "Xicará Peña"),
            ("rank", "oficial_tercero"), ("unit", "01-01"), ("hire_date", "2015-03-01"), ("national_id", ""),
        ];
        assert_eq!(app.call(&c, "update_officer", &edit).await.status(), 200);
        let p = profile(&app, &c, "990001").await;
        assert_eq!((p.rank.as_str(), p.unit_code.as_str()), ("oficial_tercero", "01-01"));
        assert_eq!(p.national_id.as_deref(), Some("•••• ••••• 1301"));
        let details: String = sqlx::query_scalar("SELECT details FROM audit_log WHERE action = 'officer.updated'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert!(details.contains("\"rank\"") && details.contains("oficial_tercero") && !details.contains("national_id"), "{details}");
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'officer.created' AND object_id = '990001'").await, 1);
        // Saving again without a change writes nothing.
        assert_eq!(app.call(&c, "update_officer", &edit).await.status(), 200);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'officer.updated'").await, 1);
    }
}

on_both_backends! {
    /// No officer is in two cars at once, and no shift lasts over 24 hours.
    async fn assignments_may_not_overlap_or_exceed_a_day(t: TestDb) {
        server::demo::load(&t.db, server::demo::Scale::Small, 2013).await.unwrap();
        let inv = create_user(&t.db, "ana", &[Role::Investigator]).await;
        let aud = create_user(&t.db, "aud", &[Role::Auditor]).await;
        let app = spawn_app(&t).await;
        let c = app.signed_in("ana", &inv).await;
        let badge: String = sqlx::query_scalar("SELECT badge_number FROM officers WHERE status = 'active' ORDER BY badge_number LIMIT 1")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        let add = |vehicle: &'static str, from: &'static str, to: &'static str| {
            let (app, c, badge) = (&app, c.clone(), badge.clone());
            async move {
                app.call(&c, "add_assignment", &[
                    ("badge_number", badge.as_str()), ("vehicle", vehicle), ("from", from), ("to", to), ("role", "driver"),
                ]).await
            }
        };
        assert_eq!(add("PNC-0451", "2026-01-05T06:00", "2026-01-05T18:00").await.status(), 200);
        let (f, reason) = refused_field(add("PNC-0452", "2026-01-05T17:00", "2026-01-06T05:00").await).await;
        assert_eq!(f, "from");
        assert!(reason.contains("PNC-0451") && reason.contains("2026-01-05 06:00"), "{reason}");
        // Inside, around, and with an offset naming the same instant: all overlap.
        for (from, to) in [("2026-01-05T08:00", "2026-01-05T09:00"), ("2026-01-05T00:00", "2026-01-05T23:00")] {
            assert_eq!(refused_field(add("PNC-0452", from, to).await).await.0, "from");
        }
        assert_eq!(refused_field(add("PNC-0452", "2026-01-05T12:00:00Z", "2026-01-05T13:00:00Z").await).await.0, "from");
        let (f, reason) = refused_field(add("PNC-0452", "2026-01-06T06:00", "2026-01-07T07:00").await).await;
        assert_eq!(f, "to");
        assert!(reason.contains("24 hours"), "{reason}");
        assert_eq!(refused_field(add("PNC-0452", "2026-01-06T06:00", "2026-01-06T05:00").await).await.0, "to");
        assert_eq!(refused_field(add("PNC-9999", "2026-01-06T06:00", "2026-01-06T18:00").await).await.0, "vehicle");
        assert_eq!(refused_field(add("PNC-0452", "mañana", "2026-01-06T18:00").await).await.0, "from");
        // Back to back is not an overlap.
        assert_eq!(add("PNC-0452", "2026-01-05T18:00", "2026-01-06T06:00").await.status(), 200);

        let p = profile(&app, &c, &badge).await;
        let plates: Vec<&str> = p.assignments.iter().map(|a| a.plate.as_str()).collect();
        assert!(plates.contains(&"PNC-0451") && plates.contains(&"PNC-0452"), "{plates:?}");
        assert!(p.assignments.iter().any(|a| a.from == "2026-01-05 06:00" && a.to == "2026-01-05 18:00"));
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'assignment.added'").await, 2);

        let auditor = app.signed_in("aud", &aud).await;
        let res = app.call(&auditor, "add_assignment", &[
            ("badge_number", badge.as_str()), ("vehicle", "PNC-0453"), ("from", "2026-02-01T06:00"), ("to", "2026-02-01T18:00"), ("role", "crew"),
        ]).await;
        assert_eq!(res.status(), 403, "auditors change nothing");
    }
}

on_both_backends! {
    /// A chip is worn by one officer at a time: it must be returned before
    /// another officer gets it; a new chip returns the officer's old one.
    async fn a_chip_is_worn_by_one_officer_at_a_time(t: TestDb) {
        server::demo::load(&t.db, server::demo::Scale::Small, 2013).await.unwrap();
        let sup = create_user(&t.db, "jefa", &[Role::Supervisor]).await;
        let app = spawn_app(&t).await;
        let c = app.signed_in("jefa", &sup).await;
        let badges: Vec<String> = sqlx::query_scalar(
            "SELECT o.badge_number FROM officers o JOIN badge_assignments a ON a.officer_id = o.id \
             WHERE a.valid_to IS NULL ORDER BY o.badge_number LIMIT 2")
            .fetch_all(t.db.pool_for_tests()).await.unwrap();
        let (a, b) = (badges[0].as_str(), badges[1].as_str());
        let give = |badge: &str, chip: &'static str, from: &'static str| {
            let (app, c, badge) = (&app, c.clone(), badge.to_string());
            async move { app.call(&c, "assign_chip", &[("badge_number", badge.as_str()), ("chip_id", chip), ("from", from)]).await }
        };
        assert_eq!(give(a, "chip-new-1", "2026-03-01T08:00").await.status(), 200);
        let p = profile(&app, &c, a).await;
        assert_eq!(p.chips[0].chip_id, "CHIP-NEW-1");
        assert!(p.chips[0].to_ms.is_none());
        assert!(p.chips[1].to_ms.is_some(), "the old chip was returned");

        let (f, reason) = refused_field(give(b, "CHIP-NEW-1", "2026-03-02T08:00").await).await;
        assert_eq!(f, "chip_id");
        assert!(reason.contains(a), "{reason}");
        // An earlier start that runs into A's wearing is refused too.
        assert_eq!(refused_field(give(b, "CHIP-NEW-1", "2026-02-01T08:00").await).await.0, "chip_id");

        let back = app.call(&c, "return_chip", &[("badge_number", a), ("at", "2026-03-05T08:00")]).await;
        assert_eq!(back.status(), 200);
        assert_eq!(give(b, "CHIP-NEW-1", "2026-03-06T08:00").await.status(), 200);
        let held: i64 = count(&t, "SELECT COUNT(*) FROM badge_assignments a JOIN badges b ON b.id = a.badge_id \
                                   WHERE b.chip_id = 'CHIP-NEW-1' AND a.valid_to IS NULL").await;
        assert_eq!(held, 1);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action IN ('chip.assigned', 'chip.returned')").await, 3);
    }
}

on_both_backends! {
    /// Confidence tests: recorded by investigators, read by auditors (each
    /// reading audited), hidden from the ministry.
    async fn confidence_tests_are_recorded_and_every_reading_audited(t: TestDb) {
        server::demo::load(&t.db, server::demo::Scale::Small, 2013).await.unwrap();
        let inv = create_user(&t.db, "ana", &[Role::Investigator]).await;
        let aud = create_user(&t.db, "aud", &[Role::Auditor]).await;
        let min = create_user(&t.db, "min", &[Role::Ministry]).await;
        let app = spawn_app(&t).await;
        let c = app.signed_in("ana", &inv).await;
        let (badge, hired): (String, String) = sqlx::query_as(
            "SELECT badge_number, hire_date FROM officers WHERE hire_date > '2005-01-01' AND hire_date < '2020-01-01' ORDER BY hire_date DESC LIMIT 1")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        let test = |kind: &'static str, date: String, result: &'static str, examiner: &'static str| {
            let (app, c, badge) = (&app, c.clone(), badge.clone());
            async move {
                app.call(&c, "record_confidence_test", &[
                    ("badge_number", badge.as_str()), ("kind", kind), ("date", date.as_str()), ("result", result),
                    ("examiner", examiner), ("notes", "Reacción en preguntas sobre terceros"),
                ]).await
            }
        };
        assert_eq!(refused_field(test("graphology", "2026-01-10".into(), "pass", "Lic. Pérez").await).await.0, "kind");
        assert_eq!(refused_field(test("polygraph", "2026-01-10".into(), "maybe", "Lic. Pérez").await).await.0, "result");
        assert_eq!(refused_field(test("polygraph", "2026-01-10".into(), "fail", " ").await).await.0, "examiner");
        assert_eq!(refused_field(test("polygraph", "2999-01-10".into(), "fail", "Lic. Pérez").await).await.0, "date");
        let (f, reason) = refused_field(test("polygraph", "1998-01-01".into(), "fail", "Lic. Pérez").await).await;
        assert_eq!(f, "date");
        assert!(reason.contains(&hired), "{reason}");
        assert_eq!(test("polygraph", "2026-01-10".into(), "fail", "Lic. Pérez").await.status(), 200);
        let (f, reason) = refused_field(test("polygraph", "2026-01-10".into(), "pass", "Lic. Pérez").await).await;
        assert_eq!(f, "date");
        assert!(reason.contains("already"), "{reason}");

        let reads_before = count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'confidence_tests.read'").await;
        let auditor = app.signed_in("aud", &aud).await;
        let rows: Vec<TestRow> = app.call(&auditor, "list_confidence_tests", &[("badge_number", &badge)]).await.json().await.unwrap();
        assert!(rows.iter().any(|r| r.kind == app::codes::TestKind::Polygraph && r.date == "2026-01-10" && r.result == app::codes::TestResult::Fail && r.recorded_by == "ana"));
        let read: (String, String) = sqlx::query_as(
            "SELECT actor_label, object_id FROM audit_log WHERE action = 'confidence_tests.read' ORDER BY seq DESC LIMIT 1")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(read, ("aud".to_string(), badge.clone()));
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'confidence_tests.read'").await, reads_before + 1);

        let ministry = app.signed_in("min", &min).await;
        assert_eq!(app.call(&ministry, "list_confidence_tests", &[("badge_number", &badge)]).await.status(), 403);
        let access: app::officers::FileAccess = app.call(&ministry, "officer_permissions", &[("badge_number", &badge)])
            .await.json().await.unwrap();
        assert!(!access.read_tests && !access.write, "the ministry's page offers neither the tests nor a form");
        let access: app::officers::FileAccess = app.call(&auditor, "officer_permissions", &[("badge_number", &badge)])
            .await.json().await.unwrap();
        assert!(access.read_tests && !access.write_tests && !access.write, "auditors read the tests, change nothing");
        let res = app.call(&auditor, "record_confidence_test", &[
            ("badge_number", badge.as_str()), ("kind", "assets"), ("date", "2026-01-11"), ("result", "pass"), ("examiner", "x"),
        ]).await;
        assert_eq!(res.status(), 403);
    }
}

async fn run_import(t: &common::TestDb, kind: ImportKind, csv: &str) -> ImportReport {
    let actor = authorize(
        &app::identity::console_operator(),
        app::policy::act::ImportRecords,
        app::policy::Object::Import(kind.record_kind()),
    )
    .unwrap();
    importer::import(
        &t.db,
        &actor,
        "local",
        kind,
        csv.as_bytes().to_vec(),
        &|_| {},
    )
    .await
    .unwrap()
}

const OFFICERS_CSV: &str = "\
hire_date,badge_number,given_names,family_names,rank,unit,status,national_id
2012-05-02,880001,José Ángel,Ixcoy Tzunún,agente,13-02,active,2456 78901 1301
2019-11-20,880002,\"María de los Ángeles\",Pérez Xicará,subinspector,07-01,active,
2001-01-15,880003,Ana Lucía,Gómez Ordóñez,comisario,01,retired,1234567890123
";

on_both_backends! {
    /// A good file goes in whole, once: importing it again changes nothing,
    /// and a changed row updates its officer.
    async fn an_officers_file_imports_once_and_reimports_as_a_no_op(t: TestDb) {
        server::demo::load(&t.db, server::demo::Scale::Small, 2013).await.unwrap();
        let r = run_import(&t, ImportKind::Officers, OFFICERS_CSV).await;
        assert!(r.imported(), "{:?}", r.problems);
        assert_eq!((r.rows, r.inserted, r.updated, r.unchanged), (3, 3, 0, 0));
        assert_eq!(r.sha256.len(), 64);
        let name: String = sqlx::query_scalar("SELECT given_names FROM officers WHERE badge_number = '880002'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(name, "María de los Ángeles", "a quoted field, accents kept");

        let again = run_import(&t, ImportKind::Officers, OFFICERS_CSV).await;
        assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 3));
        assert_eq!(again.sha256, r.sha256);
        let audit: Vec<String> = sqlx::query_scalar("SELECT details FROM audit_log WHERE action = 'records.imported' AND actor_label = 'operator' ORDER BY seq")
            .fetch_all(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(audit.len(), 2);
        assert!(audit[0].contains(&r.sha256) && audit[0].contains("\"rows\":3"), "{}", audit[0]);

        let promoted = OFFICERS_CSV.replace("880001,José Ángel,Ixcoy Tzunún,agente,13-02,active", "880001,José Ángel,Ixcoy Tzunún,subinspector,13-02,retired");
        let r = run_import(&t, ImportKind::Officers, &promoted).await;
        assert_eq!((r.inserted, r.updated, r.unchanged), (0, 1, 2));
        let (rank, status): (String, String) = sqlx::query_as("SELECT rank, status FROM officers WHERE badge_number = '880001'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!((rank.as_str(), status.as_str()), ("subinspector", "retired"));

        // A file cannot dismiss or suspend anyone: those are decisions,
        // recorded as status changes with their reason.
        let suspended = OFFICERS_CSV.replace("880002,\"María de los Ángeles\",Pérez Xicará,subinspector,07-01,active", "880002,\"María de los Ángeles\",Pérez Xicará,subinspector,07-01,suspended");
        let r = run_import(&t, ImportKind::Officers, &suspended).await;
        assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
        assert_eq!((r.problems[0].line, r.problems[0].column.as_str()), (3, "status"));
        assert!(r.problems[0].problem.message(app::i18n::Locale::es).contains("suspendid"), "{:?}", r.problems);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM officer_status_history h JOIN officers o ON o.id = h.officer_id WHERE o.badge_number = '880001'").await, 1);
    }
}

on_both_backends! {
    /// A register moved into Vigía knows since when each officer holds
    /// their status: the optional `status_since` column keeps it, and is
    /// refused in the future or before the hire date.
    async fn the_status_since_column_keeps_when_a_status_took_effect(t: TestDb) {
        server::demo::load(&t.db, server::demo::Scale::Small, 2013).await.unwrap();
        let file = "\
badge_number,given_names,family_names,rank,unit,status,status_since,hire_date,national_id
880101,Luis Fernando,Ajú Cux,agente,13-02,retired,2021-03-04,2012-05-02,
880102,Rosa Elvira,Tum Batz,agente,13-02,active,,2015-01-10,
";
        let r = run_import(&t, ImportKind::Officers, file).await;
        assert!(r.imported(), "{:?}", r.problems);
        let since = |badge: &'static str| {
            let t = &t;
            async move {
                sqlx::query_scalar::<_, Option<String>>("SELECT status_changed_on FROM officers WHERE badge_number = $1")
                    .bind(badge).fetch_one(t.db.pool_for_tests()).await.unwrap()
            }
        };
        assert_eq!(since("880101").await.as_deref(), Some("2021-03-04"));
        assert_eq!(since("880102").await, None);

        // A change of status takes effect on the file's date, not today's.
        let retired = file.replace("880102,Rosa Elvira,Tum Batz,agente,13-02,active,,", "880102,Rosa Elvira,Tum Batz,agente,13-02,retired,2024-06-30,");
        let r = run_import(&t, ImportKind::Officers, &retired).await;
        assert_eq!((r.updated, r.unchanged), (1, 1), "{:?}", r.problems);
        assert_eq!(since("880102").await.as_deref(), Some("2024-06-30"));

        let bad = "\
badge_number,given_names,family_names,rank,unit,status,status_since,hire_date,national_id
880103,Ana,Xol Caal,agente,13-02,retired,2999-01-01,2012-05-02,
880104,Juan,Coc Pop,agente,13-02,retired,2010-01-01,2012-05-02,
";
        let r = run_import(&t, ImportKind::Officers, bad).await;
        let found: Vec<(u64, &str, String)> = r.problems.iter()
            .map(|p| (p.line, p.column.as_str(), p.problem.message(app::i18n::Locale::es)))
            .collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!((found[0].0, found[0].1), (2, "status_since"));
        assert!(found[0].2.contains("futur"), "{found:?}");
        assert_eq!((found[1].0, found[1].1), (3, "status_since"));
        assert!(found[1].2.contains("2012-05-02"), "{found:?}");
        assert_eq!(count(&t, "SELECT COUNT(*) FROM officers WHERE badge_number IN ('880103', '880104')").await, 0);
    }
}

on_both_backends! {
    /// A file with any bad row imports nothing, and the report names every
    /// bad row's line, column and reason.
    async fn a_bad_file_imports_nothing_and_reports_every_bad_row(t: TestDb) {
        server::demo::load(&t.db, server::demo::Scale::Small, 2013).await.unwrap();
        let officers_before = count(&t, "SELECT COUNT(*) FROM officers").await;
        let audit_before = count(&t, "SELECT COUNT(*) FROM audit_log").await;

        let header_problems = [
            ("badge_number,given_names,family_names,rank,unit,status,hire_date,national_id,salary\n", "salary"),
            ("badge_number,given_names,family_names,rank,unit,status,hire_date\n", "national_id"),
            ("badge_number,badge_number,given_names,family_names,rank,unit,status,hire_date,national_id\n", "badge_number"),
        ];
        for (header, column) in header_problems {
            let r = run_import(&t, ImportKind::Officers, &format!("{header}880001,A,B,agente,13-02,active,2012-05-02,\n")).await;
            assert!(!r.imported());
            assert!(r.problems.iter().any(|p| p.line == 1 && p.column == column), "{column}: {:?}", r.problems);
        }

        let bad = "\
badge_number,given_names,family_names,rank,unit,status,hire_date,national_id
880001,José,Ixcoy,agente,13-02,active,2012-05-02,
880002,María,Pérez,general,13-02,active,2012-05-02,
880003,Ana,Gómez,agente,99-99,active,2012-05-02,
880004,Luis,Tul,agente,13-02,active,02/05/2012,
880001,José,Ixcoy,agente,13-02,active,2012-05-02,
880005,Pedro,Caal,agente,13-02
880006,Rosa,Choc,agente,13-02,fired,2012-05-02,
";
        let r = run_import(&t, ImportKind::Officers, bad).await;
        assert!(!r.imported());
        let got: Vec<(u64, &str)> = r.problems.iter().map(|p| (p.line, p.column.as_str())).collect();
        assert_eq!(got, vec![(3, "rank"), (4, "unit"), (5, "hire_date"), (6, "badge_number"), (7, ""), (8, "status")]);
        assert!(r.problems.iter().all(|p| !p.problem.english().is_empty()));
        assert!(r.problems_text().contains("line 3, column rank: \"general\" is not a PNC rank"), "{}", r.problems_text());
        assert_eq!(count(&t, "SELECT COUNT(*) FROM officers").await, officers_before, "nothing imported");
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log").await, audit_before);

        let not_utf8 = b"badge_number,given_names,family_names,rank,unit,status,hire_date,national_id\n880001,Jos\xe9,Ixcoy,agente,13-02,active,2012-05-02,\n";
        let actor = authorize(&app::identity::console_operator(), app::policy::act::ImportRecords, app::policy::Object::Import(ImportKind::Officers.record_kind())).unwrap();
        let r = importer::import(&t.db, &actor, "local", ImportKind::Officers, not_utf8.to_vec(), &|_| {}).await.unwrap();
        assert_eq!(r.problems.len(), 1);
        assert_eq!(r.problems[0].line, 2);
        assert!(r.problems[0].problem.english().contains("UTF-8"));
    }
}

on_both_backends! {
    /// Assignment files: overlaps within the file and with what is held are
    /// refused by line; the same file again changes nothing. Test files:
    /// a recorded test is never changed by an import.
    async fn assignment_and_test_files_keep_the_rules(t: TestDb) {
        server::demo::load(&t.db, server::demo::Scale::Small, 2013).await.unwrap();
        let badge: String = sqlx::query_scalar("SELECT badge_number FROM officers WHERE status = 'active' ORDER BY badge_number LIMIT 1")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        let good = format!("\
badge_number,vehicle,from,to,role
{badge},PNC-0451,2026-02-01T06:00,2026-02-01T18:00,driver
{badge},pnc-0451,2026-02-02T06:00:00-06:00,2026-02-02T18:00:00-06:00,crew
");
        let r = run_import(&t, ImportKind::Assignments, &good).await;
        assert!(r.imported(), "{:?}", r.problems);
        assert_eq!(r.inserted, 2);
        let r = run_import(&t, ImportKind::Assignments, &good).await;
        assert_eq!((r.inserted, r.unchanged), (0, 2));

        let bad = format!("\
badge_number,vehicle,from,to,role
{badge},PNC-0452,2026-02-01T10:00,2026-02-01T20:00,driver
{badge},PNC-0452,2026-02-03T06:00,2026-02-03T18:00,driver
{badge},PNC-0453,2026-02-03T12:00,2026-02-03T20:00,crew
{badge},PNC-0452,2026-02-04T06:00,2026-02-05T07:00,driver
99999999,PNC-0452,2026-02-04T06:00,2026-02-04T07:00,driver
{badge},PNC-0452,2026-02-06T06:00,2026-02-06T07:00,pilot
");
        let r = run_import(&t, ImportKind::Assignments, &bad).await;
        let got: Vec<(u64, &str)> = r.problems.iter().map(|p| (p.line, p.column.as_str())).collect();
        assert_eq!(got, vec![(2, "from"), (4, "from"), (5, "to"), (6, "badge_number"), (7, "role")], "{:?}", r.problems);
        assert!(r.problems[0].problem.english().contains("PNC-0451"), "{}", r.problems[0].problem.english());
        assert!(r.problems[1].problem.english().contains("line 3"), "{}", r.problems[1].problem.english());

        let tests = format!("\
badge_number,kind,date,result,examiner,notes
{badge},polygraph,2025-06-01,fail,Lic. Ana Pérez,\"Reacción significativa; repetir\"
{badge},assets,2025-06-02,pass,Lic. Ana Pérez,
");
        let r = run_import(&t, ImportKind::Tests, &tests).await;
        assert!(r.imported(), "{:?}", r.problems);
        assert_eq!(r.inserted, 2);
        assert_eq!(run_import(&t, ImportKind::Tests, &tests).await.unchanged, 2);
        let changed = tests.replace("2025-06-01,fail", "2025-06-01,pass");
        let r = run_import(&t, ImportKind::Tests, &changed).await;
        assert_eq!(r.problems.len(), 1);
        assert_eq!((r.problems[0].line, r.problems[0].column.as_str()), (2, "result"));
    }
}

on_both_backends! {
    /// 40,000 officers through the import page's endpoint (a body far over
    /// the usual 1 MiB limit), then the same file again as a no-op.
    async fn forty_thousand_officers_import_through_the_page(t: TestDb) {
        server::demo::load(&t.db, server::demo::Scale::Small, 2013).await.unwrap();
        let inv = create_user(&t.db, "ana", &[Role::Investigator]).await;
        let app = spawn_app(&t).await;
        let c = app.signed_in("ana", &inv).await;
        let mut csv = String::from("badge_number,given_names,family_names,rank,unit,status,hire_date,national_id\n");
        for i in 0..40_000u32 {
            csv.push_str(&format!(
                "{},José Ángel,Ixcoy Tzunún,agente,{:02}-01,active,2015-{:02}-{:02},{:013}\n",
                500_000 + i, 1 + i % 22, 1 + i % 12, 1 + i % 28, 1_000_000_000_000u64 + i as u64
            ));
        }
        assert!(csv.len() > 2 * 1024 * 1024);
        // Sign-ins, one after another, for as long as the file is being
        // sent, checked and stored: none may fail.
        let importing = std::sync::atomic::AtomicBool::new(true);
        let import = async {
            let res = app.import(&c, "officers", csv.clone()).await;
            importing.store(false, std::sync::atomic::Ordering::SeqCst);
            res
        };
        let signing_in = async {
            let mut statuses = Vec::new();
            while importing.load(std::sync::atomic::Ordering::SeqCst) {
                let fresh = app.browser();
                let res = app.call(&fresh, "sign_in", &[("username", "ana"), ("password", inv.as_str())]).await;
                statuses.push(res.status().as_u16());
            }
            statuses
        };
        let (res, statuses) = tokio::join!(import, signing_in);
        assert!(statuses.len() >= 3, "sign-ins all through the import: {statuses:?}");
        assert!(statuses.iter().all(|s| *s == 200), "sign-ins during the import: {statuses:?}");
        assert_eq!(res.status(), 200);
        let r: ImportReport = res.json().await.unwrap();
        assert!(r.imported(), "{:?}", &r.problems[..r.problems.len().min(5)]);
        assert_eq!((r.rows, r.inserted), (40_000, 40_000));
        assert_eq!(count(&t, "SELECT COUNT(*) FROM officers WHERE badge_number >= '500000' AND badge_number < '540000'").await, 40_000);
        let res = app.import(&c, "officers", csv.clone()).await;
        let again: ImportReport = res.json().await.unwrap();
        assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 40_000));
        // Other requests keep their 1 MiB limit: refused on the declared
        // length, before the body is read. (Raw headers without the body: a
        // client still sending 2 MiB may see the connection closed before
        // it reads the 413.)
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let host = app.address.trim_start_matches("http://");
        let mut conn = tokio::net::TcpStream::connect(host).await.unwrap();
        conn.write_all(format!(
            "POST /rpc/list_officers HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n", 2 * 1024 * 1024).as_bytes()).await.unwrap();
        let mut answer = String::new();
        conn.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    }
}

/// The start of an import form whose file never finishes arriving.
const STALLED_IMPORT: &str = "--XB\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nofficers\r\n\
    --XB\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\nContent-Type: text/csv\r\n\r\n\
    badge_number,given_names\n";

on_both_backends! {
    /// The import takes two files at once: a third is refused at once, in
    /// the user's words, and taken when one has ended. A request that is
    /// not a multipart form, or whose form does not start with the kind,
    /// is refused with the reason.
    async fn imports_take_two_files_at_once(t: TestDb) {
        let inv = create_user(&t.db, "ana", &[Role::Investigator]).await;
        let app = spawn_app(&t).await;
        let c = app.signed_in("ana", &inv).await;
        let mut held = Vec::new();
        for _ in 0..2 {
            let (tx, rx) = futures::channel::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
            let mut tx = tx;
            futures::SinkExt::send(&mut tx, Ok(STALLED_IMPORT.as_bytes().to_vec())).await.unwrap();
            let req = c.post(app.url("/rpc/import_records"))
                .header("accept", "application/json")
                .header("content-type", "multipart/form-data; boundary=XB")
                .body(reqwest::Body::wrap_stream(rx));
            held.push((tx, tokio::spawn(req.send())));
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let res = app.import(&c, "officers", "badge_number\n").await;
        assert_eq!(res.status(), 503);
        let e: AppError = res.json().await.unwrap();
        assert_eq!(e, AppError::Unavailable(app::error::Problem::UploadsBusy));
        assert!(e.problem().message(app::i18n::Locale::es).contains("importando otros archivos"));
        drop(held);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let res = app.import(&c, "officers", "no,such,header\n").await;
        assert_eq!(res.status(), 200, "a slot is free again");
        let r: ImportReport = res.json().await.unwrap();
        assert!(!r.imported() && r.problems.iter().any(|p| p.column == "no"), "{r:?}");

        let res = c.post(app.url("/rpc/import_records")).header("accept", "application/json")
            .json(&serde_json::json!({ "kind": "officers", "csv": "x" })).send().await.unwrap();
        assert_eq!(res.status(), 400);
        assert!(res.text().await.unwrap().contains("multipart"));
        let file_only = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(b"badge_number\n".to_vec()).file_name("a.csv"));
        let res = c.post(app.url("/rpc/import_records")).header("accept", "application/json")
            .multipart(file_only).send().await.unwrap();
        let e: AppError = res.json().await.unwrap();
        assert_eq!(e, AppError::validation(app::error::Field::Kind, app::error::Problem::Required));
        let empty = reqwest::multipart::Form::new().text("kind", "officers")
            .part("file", reqwest::multipart::Part::bytes(Vec::new()).file_name("a.csv"));
        let res = c.post(app.url("/rpc/import_records")).header("accept", "application/json")
            .multipart(empty).send().await.unwrap();
        let e: AppError = res.json().await.unwrap();
        assert_eq!(e, AppError::validation(app::error::Field::File, app::error::Problem::FileEmpty));
    }
}
