//! Internal-affairs cases on both backends, through the server functions
//! the pages call: numbers under concurrent intake, the workflow step by
//! step for every role, who sees which case (list, count, search, CSV,
//! page), the ministry's decision and the officer's status in one
//! transaction, appeals, and the search's accents and plurals.

mod common;
use common::count;

use app::cases::{CaseFile, CasePage, CaseStatus, Complainant, SubjectRole};
use app::error::AppError;
use app::identity::Role;
use app::officers::OfficerProfile;
use common::{create_user, spawn_app, TestApp, TestDb};

const OFFICERS: &str = "\
hire_date,badge_number,given_names,family_names,rank,unit,status,national_id
2010-05-02,880001,José Ángel,Ixcoy Tzunún,agente,13-02,active,
2015-11-20,880002,María de los Ángeles,Pérez Xicará,subinspector,13-02,active,
2001-01-15,880003,Ana Lucía,Gómez Ordóñez,comisario,13,active,
";

/// The people of one internal-affairs office, signed in.
struct Office {
    app: TestApp,
    inv: reqwest::Client,
    inv2: reqwest::Client,
    sup: reqwest::Client,
    min: reqwest::Client,
    aud: reqwest::Client,
    mon: reqwest::Client,
    adm: reqwest::Client,
}

async fn exec(t: &TestDb, sql: &str) {
    sqlx::query(sql)
        .execute(t.db.pool_for_tests())
        .await
        .unwrap();
}

async fn office(t: &TestDb) -> Office {
    common::seed_chiantla(t, OFFICERS).await;
    let app = spawn_app(t).await;
    let mut clients = Vec::new();
    for (name, role) in [
        ("ana", Role::Investigator),
        ("beto", Role::Investigator),
        ("jefa", Role::Supervisor),
        ("mini", Role::Ministry),
        ("audi", Role::Auditor),
        ("moni", Role::Monitor),
        ("admi", Role::Admin),
    ] {
        let password = create_user(&t.db, name, &[role]).await;
        clients.push(app.signed_in(name, &password).await);
    }
    let mut c = clients.into_iter();
    Office {
        inv: c.next().unwrap(),
        inv2: c.next().unwrap(),
        sup: c.next().unwrap(),
        min: c.next().unwrap(),
        aud: c.next().unwrap(),
        mon: c.next().unwrap(),
        adm: c.next().unwrap(),
        app,
    }
}

impl Office {
    async fn call(
        &self,
        c: &reqwest::Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        self.app.call(c, endpoint, form).await
    }

    async fn ok(&self, c: &reqwest::Client, endpoint: &str, form: &[(&str, &str)]) -> String {
        let res = self.call(c, endpoint, form).await;
        let status = res.status();
        let body = res.text().await.unwrap();
        assert!(status.is_success(), "{endpoint} {form:?}: {status} {body}");
        body
    }

    async fn open(&self, c: &reqwest::Client, title: &str, accused: &str) -> String {
        let body = self
            .ok(
                c,
                "create_case",
                &[
                    ("title", title),
                    (
                        "summary",
                        "Cobro a conductores en el puesto de control de la salida a Chiantla.",
                    ),
                    ("origin", "confidence_test"),
                    ("unit", "13-02"),
                    ("accused", accused),
                ],
            )
            .await;
        serde_json::from_str(&body).unwrap()
    }

    async fn file(&self, c: &reqwest::Client, number: &str) -> CaseFile {
        let body = self.ok(c, "get_case", &[("number", number)]).await;
        serde_json::from_str(&body).unwrap()
    }

    async fn list(&self, c: &reqwest::Client, form: &[(&str, &str)]) -> CasePage {
        let body = self.ok(c, "list_cases", form).await;
        serde_json::from_str(&body).unwrap()
    }

    async fn step(&self, c: &reqwest::Client, number: &str, step: &str) -> reqwest::Response {
        self.call(
            c,
            "move_case",
            &[
                ("number", number),
                ("step", step),
                ("reason", "Motivo escrito"),
            ],
        )
        .await
    }

    /// A case of `ana`'s with an accused officer facing an allegation, at `status`.
    async fn case_at(&self, status: CaseStatus, accused: &str) -> String {
        let n = self.open(&self.inv, "Caso de prueba", accused).await;
        let subject = self.file(&self.inv, &n).await.subjects[0].id.to_string();
        self.ok(
            &self.inv,
            "add_case_allegation",
            &[("number", &n), ("subject", &subject), ("kind", "extortion")],
        )
        .await;
        let path = [
            (CaseStatus::Investigation, &self.inv, "start_investigation"),
            (CaseStatus::SupervisorReview, &self.inv, "send_to_review"),
            (CaseStatus::MinistryReview, &self.sup, "send_to_ministry"),
        ];
        for (reached, who, step) in path {
            if status < reached {
                break;
            }
            let res = self.step(who, &n, step).await;
            assert!(
                res.status().is_success(),
                "{step}: {}",
                res.text().await.unwrap()
            );
            if step == "send_to_review" {
                let a = self.file(&self.sup, &n).await.subjects[0].allegations[0]
                    .id
                    .to_string();
                self.ok(
                    &self.sup,
                    "record_case_finding",
                    &[
                        ("number", &n),
                        ("allegation", &a),
                        ("finding", "not_sustained"),
                    ],
                )
                .await;
            }
        }
        if status >= CaseStatus::Decided {
            let subject = self.file(&self.min, &n).await.subjects[0].id.to_string();
            self.ok(
                &self.min,
                "decide_case",
                &[
                    ("number", &n),
                    ("subject", &subject),
                    ("outcome", "reprimand"),
                    ("basis", "Falta leve"),
                ],
            )
            .await;
        }
        if status == CaseStatus::Closed {
            self.ok(&self.sup, "move_case", &[("number", &n), ("step", "close")])
                .await;
        }
        assert_eq!(self.file(&self.sup, &n).await.status, status);
        n
    }

    async fn officer(&self, badge: &str) -> OfficerProfile {
        let body = self
            .ok(&self.sup, "get_officer", &[("badge_number", badge)])
            .await;
        serde_json::from_str(&body).unwrap()
    }
}

async fn error_of(res: reqwest::Response) -> (u16, AppError) {
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

on_both_backends! {
    /// Fifty intakes at once get fifty distinct, consecutive numbers of
    /// this year.
    async fn fifty_cases_opened_at_once_get_consecutive_numbers(t: TestDb) {
        let o = office(&t).await;
        let o = std::sync::Arc::new(o);
        let mut tasks = Vec::new();
        for i in 0..50 {
            let o = o.clone();
            tasks.push(tokio::spawn(async move {
                o.open(if i % 2 == 0 { &o.inv } else { &o.sup }, &format!("Caso {i}"), "").await
            }));
        }
        let mut numbers = Vec::new();
        for t in tasks {
            numbers.push(t.await.unwrap());
        }
        numbers.sort();
        let year = chrono::Datelike::year(&app::time::today());
        let expected: Vec<String> = (1..=50).map(|n| format!("IA-{year}-{n:06}")).collect();
        assert_eq!(numbers, expected);
        assert_eq!(count(&t, "SELECT COUNT(DISTINCT number) FROM cases").await, 50);
    }
}

on_both_backends! {
    /// From intake to the ministry's decision, each step by whom the design
    /// says; a dismissal sets the officer's status with the case named; an
    /// appeal that clears the officer puts the earlier status back; the
    /// timeline is the case's audit records.
    async fn a_case_goes_from_intake_to_a_dismissal_and_back_on_appeal(t: TestDb) {
        let o = office(&t).await;
        let n = o.open(&o.inv, "Cobro de «peaje» a transportistas", "880001").await;
        let f = o.file(&o.inv, &n).await;
        assert_eq!(f.status, CaseStatus::Intake);
        assert_eq!(f.assigned.as_ref().map(|p| p.username.as_str()), Some("ana"), "the investigator who opens it works it");
        assert_eq!(f.subjects.len(), 1);
        assert_eq!(f.subjects[0].role, SubjectRole::Accused);
        assert!(f.due_on.is_some());
        let subject = f.subjects[0].id.to_string();

        o.ok(&o.inv, "add_case_allegation", &[("number", &n), ("subject", &subject), ("kind", "extortion")]).await;
        let (status, e) = error_of(o.call(&o.inv, "add_case_allegation", &[("number", &n), ("subject", &subject), ("kind", "extortion")]).await).await;
        assert_eq!(status, 422);
        assert!(matches!(e, AppError::Validation { .. }), "{e:?}");
        o.ok(&o.inv, "add_case_subject", &[("number", &n), ("badge_number", "880002"), ("role", "witness")]).await;
        let witness = o.file(&o.inv, &n).await.subjects[1].id.to_string();
        let (status, _) = error_of(o.call(&o.inv, "add_case_allegation", &[("number", &n), ("subject", &witness), ("kind", "corruption")]).await).await;
        assert_eq!(status, 422, "allegations are made against accused officers only");

        assert!(o.step(&o.inv, &n, "start_investigation").await.status().is_success());
        o.ok(&o.inv, "add_case_note", &[("number", &n), ("body", "Se pidió la grabación de la cámara de cabina.")]).await;
        assert_eq!(o.step(&o.inv, &n, "send_to_ministry").await.status(), 403, "only supervisors send to the ministry");
        assert!(o.step(&o.inv, &n, "send_to_review").await.status().is_success());
        // Not to the ministry while an allegation has no finding.
        let (status, e) = error_of(o.step(&o.sup, &n, "send_to_ministry").await).await;
        assert_eq!(status, 409);
        assert!(e.to_string().contains("880001"), "{e}");
        let allegation = o.file(&o.sup, &n).await.subjects[0].allegations[0].id.to_string();
        o.ok(&o.sup, "record_case_finding", &[("number", &n), ("allegation", &allegation), ("finding", "sustained")]).await;
        // The same finding again changes nothing, and is no error.
        o.ok(&o.sup, "record_case_finding", &[("number", &n), ("allegation", &allegation), ("finding", "sustained")]).await;
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'case.finding_recorded'").await, 1);
        o.ok(&o.sup, "seal_case", &[("number", &n)]).await;
        assert!(o.step(&o.sup, &n, "send_to_ministry").await.status().is_success());
        let f = o.file(&o.min, &n).await;
        assert_eq!(f.status, CaseStatus::MinistryReview);
        assert!(f.sealed);
        assert!(f.actions.decide);
        assert!(f.actions.moves.is_empty());

        let today = app::time::today().format("%Y-%m-%d").to_string();
        // Taken in ten days ago, sent to the ministry today: a resolution
        // dated before it was sent is refused, naming the day it was.
        let day = |ago: u64| (app::time::today() - chrono::Days::new(ago)).format("%Y-%m-%d").to_string();
        exec(&t, &format!("UPDATE cases SET intake_on = '{}' WHERE number = '{n}'", day(10))).await;
        let (status, e) = error_of(o.call(&o.min, "decide_case", &[
            ("number", &n), ("subject", &subject), ("outcome", "dismissed"),
            ("basis", "Se comprobó el cobro ilegal."), ("decided_on", &day(1)),
        ]).await).await;
        assert_eq!(status, 422);
        assert!(e.to_string().contains(&today), "{e}");
        assert!(matches!(e, AppError::Validation { field: app::error::Field::DecidedOn, .. }), "{e:?}");
        o.ok(&o.min, "decide_case", &[
            ("number", &n), ("subject", &subject), ("outcome", "dismissed"),
            ("basis", "Se comprobó el cobro ilegal."), ("decided_on", &today),
        ]).await;
        let f = o.file(&o.min, &n).await;
        assert_eq!(f.status, CaseStatus::Decided);
        assert_eq!(f.decided_on.as_deref(), Some(today.as_str()));
        let officer = o.officer("880001").await;
        assert_eq!(officer.status, app::codes::OfficerStatus::Dismissed);
        assert_eq!(officer.status_changed_on.as_deref(), Some(today.as_str()));
        assert_eq!(officer.history[0].case_number.as_deref(), Some(n.as_str()));
        // The sealed case is not named to an investigator who may not see it.
        let body = o.ok(&o.inv2, "get_officer", &[("badge_number", "880001")]).await;
        let seen: OfficerProfile = serde_json::from_str(&body).unwrap();
        assert_eq!(seen.history[0].case_number, None);
        assert!(!body.contains(&n), "{body}");
        // Only a decision undoes a decision: not the status form.
        let (status, _) = error_of(o.call(&o.sup, "change_officer_status", &[
            ("badge_number", "880001"), ("status", "active"), ("effective_on", &today), ("reason", "x"),
        ]).await).await;
        assert_eq!(status, 422);

        // An appeal: the ministry decides again, clears the officer, and
        // the earlier status comes back.
        let (status, _) = error_of(o.call(&o.min, "move_case", &[("number", &n), ("step", "appeal")]).await).await;
        assert_eq!(status, 422, "an appeal needs its reason");
        assert!(o.step(&o.min, &n, "appeal").await.status().is_success());
        assert_eq!(o.file(&o.min, &n).await.status, CaseStatus::MinistryReview);
        o.ok(&o.min, "decide_case", &[
            ("number", &n), ("subject", &subject), ("outcome", "cleared"), ("basis", "La apelación prueba la coartada."),
        ]).await;
        let officer = o.officer("880001").await;
        assert_eq!(officer.status, app::codes::OfficerStatus::Active);
        assert_eq!(officer.history.len(), 2);
        assert_eq!(officer.history[0].case_number.as_deref(), Some(n.as_str()));
        assert_eq!(count(&t, "SELECT COUNT(*) FROM case_decisions WHERE superseded_at IS NOT NULL").await, 1);
        assert!(o.step(&o.sup, &n, "close").await.status().is_success());

        // The timeline is the audit trail's records of the case, reads left out.
        let f = o.file(&o.aud, &n).await;
        let trail = count(&t, &format!("SELECT COUNT(*) FROM audit_log WHERE object_type = 'case' AND object_id = '{n}' AND action <> 'case.read'")).await;
        assert_eq!(f.timeline.len() as i64, trail);
        assert!(f.timeline.iter().any(|e| e.action == "case.decision_recorded"));
        assert_eq!(f.timeline[0].action, "case.created");
        // The auditor reads it all (the officers' tracks too) and may change nothing.
        assert_eq!(f.actions, app::cases::CaseActions { read_tracks: true, ..Default::default() });
        let (status, _) = error_of(o.call(&o.aud, "add_case_note", &[("number", &n), ("body", "x")]).await).await;
        assert_eq!(status, 403);
        assert_eq!(
            app::audit::verify(&t.db).await.unwrap(),
            app::audit::Verification::Intact { records: count(&t, "SELECT COUNT(*) FROM audit_log").await }
        );
    }
}

on_both_backends! {
    /// Every step for every role: allowed as the design says, refused
    /// otherwise with the case unchanged.
    async fn every_step_for_every_role_is_allowed_or_refused_with_nothing_changed(t: TestDb) {
        let o = office(&t).await;
        let roles: [(&str, &reqwest::Client); 7] = [
            ("assigned investigator", &o.inv), ("other investigator", &o.inv2), ("supervisor", &o.sup),
            ("ministry", &o.min), ("auditor", &o.aud), ("monitor", &o.mon), ("admin", &o.adm),
        ];
        let steps = [
            ("start_investigation", CaseStatus::Intake, &["assigned investigator", "supervisor"][..]),
            ("send_to_review", CaseStatus::Investigation, &["assigned investigator", "supervisor"][..]),
            ("return_to_investigation", CaseStatus::SupervisorReview, &["supervisor"][..]),
            ("send_to_ministry", CaseStatus::SupervisorReview, &["supervisor"][..]),
            ("appeal", CaseStatus::Decided, &["ministry"][..]),
            ("close", CaseStatus::Decided, &["supervisor"][..]),
        ];
        for (step, from, allowed) in steps {
            for (who, client) in roles {
                let n = o.case_at(from, "880001").await;
                let before = count(&t, "SELECT COUNT(*) FROM audit_log WHERE action <> 'case.read' AND action <> 'access.denied'").await;
                let res = o.step(client, &n, step).await;
                let ok = res.status().is_success();
                let body = res.text().await.unwrap();
                assert_eq!(ok, allowed.contains(&who), "{step} as {who}: {body}");
                if !ok {
                    assert_eq!(o.file(&o.sup, &n).await.status, from, "{step} as {who} changed the case");
                    let after = count(&t, "SELECT COUNT(*) FROM audit_log WHERE action <> 'case.read' AND action <> 'access.denied'").await;
                    assert_eq!(after, before, "{step} as {who} wrote something");
                }
            }
            // And never from another status.
            let (wrong, who) = match step {
                "start_investigation" => (CaseStatus::SupervisorReview, &o.sup),
                "appeal" => (CaseStatus::MinistryReview, &o.min),
                _ => (CaseStatus::Intake, &o.sup),
            };
            let n = o.case_at(wrong, "880001").await;
            let (status, _) = error_of(o.step(who, &n, step).await).await;
            assert_eq!(status, 409, "{step} from {wrong:?}");
        }
    }
}

on_both_backends! {
    /// A sealed case does not exist for an investigator it is not assigned
    /// to, nor for the ministry until it is sent: not in the list, the
    /// count, the search, the CSV or by its URL. The complainant is shown
    /// to the assigned investigator, supervisors and auditors only, and
    /// every unmasked read is audited.
    async fn sealed_and_scoped_cases_do_not_exist_for_those_who_may_not_see_them(t: TestDb) {
        let o = office(&t).await;
        let open = o.open(&o.inv, "Extorsión a comerciantes del mercado", "880001").await;
        let sealed = o.open(&o.inv, "Vínculos con estructura de narcomenudeo", "880002").await;
        o.ok(&o.sup, "seal_case", &[("number", &sealed)]).await;
        let named = o.ok(&o.inv, "create_case", &[
            ("title", "Denuncia de una comerciante"), ("summary", "Cobros semanales."), ("origin", "complaint"),
            ("complainant", "named"), ("complainant_name", "Rosa Tzul"), ("complainant_contact", "5555-1234"),
        ]).await;
        let named: String = serde_json::from_str(&named).unwrap();

        let all = [("assigned", "all")];
        let numbers = |p: &CasePage| p.rows.iter().map(|r| r.number.clone()).collect::<Vec<_>>();
        let mine = o.list(&o.inv, &all).await;
        assert_eq!(mine.total, 3);
        let other = o.list(&o.inv2, &all).await;
        assert_eq!(other.total, 2);
        assert!(!numbers(&other).contains(&sealed));
        assert_eq!(o.list(&o.inv2, &[("assigned", "all"), ("q", "narcomenudeo")]).await.total, 0);
        assert_eq!(o.list(&o.inv, &[("assigned", "all"), ("q", "narcomenudeo")]).await.total, 1);
        let (status, _) = error_of(o.call(&o.inv2, "get_case", &[("number", &sealed)]).await).await;
        assert_eq!(status, 404);
        let (status, _) = error_of(o.call(&o.inv2, "add_case_note", &[("number", &sealed), ("body", "x")]).await).await;
        assert_eq!(status, 404, "a case one may not see cannot be written either");
        let csv = o.inv2.get(o.app.url("/cases.csv?assigned=all")).send().await.unwrap();
        assert_eq!(csv.status(), 200);
        let csv = csv.text().await.unwrap();
        assert!(csv.contains(&open) && !csv.contains(&sealed), "{csv}");
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'cases.exported'").await, 1);
        for (who, c) in [("inv", &o.inv), ("inv2", &o.inv2), ("sup", &o.sup), ("min", &o.min), ("aud", &o.aud)] {
            let res = c.get(o.app.url("/cases.csv")).send().await.unwrap();
            let status = res.status();
            assert_eq!(status, 200, "{who}: {}", res.text().await.unwrap());
        }
        // An investigator with no filter lands on their own cases.
        assert_eq!(o.list(&o.inv2, &[]).await.total, 0);
        assert_eq!(o.list(&o.inv, &[]).await.total, 3);
        // The ministry sees nothing until a case is sent to it.
        assert_eq!(o.list(&o.min, &[]).await.total, 0);
        assert_eq!(error_of(o.call(&o.min, "get_case", &[("number", &open)]).await).await.0, 404);
        // Supervisors and auditors see all; monitors and administrators nothing.
        assert_eq!(o.list(&o.sup, &[]).await.total, 3);
        assert_eq!(o.list(&o.aud, &[]).await.total, 3);
        assert_eq!(o.call(&o.mon, "list_cases", &[]).await.status(), 403);
        assert_eq!(o.call(&o.adm, "get_case", &[("number", &open)]).await.status(), 403);
        assert_eq!(o.mon.get(o.app.url("/cases.csv")).send().await.unwrap().status(), 403);
        // The officer's file lists the cases as the reader may see them.
        let body = o.ok(&o.inv2, "officer_cases", &[("badge_number", "880002")]).await;
        assert_eq!(body, "[]");
        let body = o.ok(&o.inv, "officer_cases", &[("badge_number", "880002")]).await;
        assert!(body.contains(&sealed));

        // The complainant.
        assert!(matches!(o.file(&o.inv, &named).await.complainant, Complainant::Named { ref name, .. } if name == "Rosa Tzul"));
        assert_eq!(o.file(&o.inv2, &named).await.complainant, Complainant::Masked);
        assert!(matches!(o.file(&o.aud, &named).await.complainant, Complainant::Named { .. }));
        let unmasked = count(&t, &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'case.read' AND object_id = '{named}' AND details LIKE '%unmasked%'")).await;
        assert_eq!(unmasked, 2);
        let masked = count(&t, &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'case.read' AND object_id = '{named}' AND details LIKE '%\"masked\"%'")).await;
        assert_eq!(masked, 1);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE details LIKE '%Rosa%'").await, 0, "the name is not in the trail");
    }
}

async fn found(o: &Office, q: &str) -> Vec<String> {
    o.list(&o.sup, &[("q", q)])
        .await
        .rows
        .into_iter()
        .map(|r| r.number)
        .collect()
}

on_both_backends! {
    /// The search ignores accents and case, and finds Spanish plurals and
    /// singulars alike, in titles, summaries, notes and subjects' names.
    async fn search_finds_words_without_accents_and_in_the_plural(t: TestDb) {
        let o = office(&t).await;
        let a = o.open(&o.inv, "Extorsión a comerciantes", "880001").await;
        let b = o.open(&o.inv, "Agresión durante una detención", "880002").await;
        o.ok(&o.inv, "add_case_note", &[("number", &b), ("body", "Los policías patrullaban el mercado.")]).await;
        assert_eq!(found(&o, "extorsiones").await, vec![a.clone()]);
        assert_eq!(found(&o, "EXTORSION").await, vec![a.clone()]);
        assert_eq!(found(&o, "comerciante").await, vec![a.clone()]);
        assert_eq!(found(&o, "policia").await, vec![b.clone()]);
        assert_eq!(found(&o, "xicara").await, vec![b.clone()], "a subject's name, without its accent");
        assert_eq!(found(&o, "tzunun extorsion").await, vec![a.clone()]);
        assert_eq!(found(&o, &a).await, vec![a.clone()]);
        assert!(found(&o, "\"unbalanced OR").await.is_empty());
        assert!(found(&o, "narcomenudeo").await.is_empty());
    }
}

on_both_backends! {
    /// The decision and the officer's status are one transaction: when the
    /// decision cannot be stored, the officer keeps their status and the
    /// case stays with the ministry.
    async fn a_failed_decision_leaves_the_officer_and_the_case_as_they_were(t: TestDb) {
        let o = office(&t).await;
        let n = o.case_at(CaseStatus::MinistryReview, "880003").await;
        let subject = o.file(&o.min, &n).await.subjects[0].id.to_string();
        let trail = count(&t, "SELECT COUNT(*) FROM audit_log WHERE action <> 'case.read'").await;
        match t.backend() {
            app::store::Backend::Sqlite => exec(&t, "CREATE TRIGGER fail_decisions BEFORE INSERT ON case_decisions \
                BEGIN SELECT RAISE(ABORT, 'forced failure'); END").await,
            app::store::Backend::Postgres => {
                exec(&t, "CREATE FUNCTION fail_decisions() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'forced failure'; END; $$ LANGUAGE plpgsql").await;
                exec(&t, "CREATE TRIGGER fail_decisions BEFORE INSERT ON case_decisions FOR EACH ROW EXECUTE FUNCTION fail_decisions()").await;
            }
        }
        let res = o.call(&o.min, "decide_case", &[("number", &n), ("subject", &subject), ("outcome", "dismissed"), ("basis", "x")]).await;
        assert!(res.status().is_server_error(), "{}", res.status());
        let officer = o.officer("880003").await;
        assert_eq!(officer.status, app::codes::OfficerStatus::Active);
        assert!(officer.history.is_empty());
        assert_eq!(o.file(&o.min, &n).await.status, CaseStatus::MinistryReview);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action <> 'case.read'").await, trail);
    }
}

on_both_backends! {
    /// A suspension ends when its days have run: the officer is back in
    /// service from the day after, in the history (naming the case) and the
    /// audit trail, by the system; once only; one still running, or one a
    /// later change has replaced, is left alone.
    async fn a_suspension_ends_when_its_days_have_run(t: TestDb) {
        let o = office(&t).await;
        let day = |ago: u64| (app::time::today() - chrono::Days::new(ago)).format("%Y-%m-%d").to_string();
        let mut numbers = Vec::new();
        for (badge, days) in [("880001", "30"), ("880003", "30")] {
            let n = o.case_at(CaseStatus::MinistryReview, badge).await;
            let subject = o.file(&o.min, &n).await.subjects[0].id.to_string();
            o.ok(&o.min, "decide_case", &[
                ("number", &n), ("subject", &subject), ("outcome", "suspended"), ("days", days),
                ("basis", "Cobro comprobado; primera falta."),
            ]).await;
            assert_eq!(o.officer(badge).await.status, app::codes::OfficerStatus::Suspended);
            numbers.push(n);
        }
        // Nothing has run yet: nothing ends.
        assert_eq!(app::cases::suspensions::end_due(&t.db).await.unwrap(), 0);
        // The first was decided 31 days ago (its 30 days are over).
        let decided = day(31);
        exec(&t, &format!("UPDATE case_decisions SET decided_on = '{decided}' WHERE case_id = (SELECT id FROM cases WHERE number = '{}')", numbers[0])).await;
        exec(&t, &format!("UPDATE officers SET status_changed_on = '{decided}' WHERE badge_number = '880001'")).await;
        exec(&t, &format!("UPDATE officer_status_history SET effective_on = '{decided}' WHERE status = 'suspended' AND officer_id = (SELECT id FROM officers WHERE badge_number = '880001')")).await;
        let before = count(&t, "SELECT COUNT(*) FROM audit_log").await;
        assert_eq!(app::cases::suspensions::end_due(&t.db).await.unwrap(), 1);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log").await, before + 1);
        let officer = o.officer("880001").await;
        assert_eq!(officer.status, app::codes::OfficerStatus::Active);
        assert_eq!(officer.status_changed_on.as_deref(), Some(day(1).as_str()));
        assert_eq!(officer.history[0].status, app::codes::OfficerStatus::Active);
        assert_eq!(officer.history[0].case_number.as_deref(), Some(numbers[0].as_str()));
        assert!(officer.history[0].reason.contains("30 días"), "{}", officer.history[0].reason);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'officer.status_changed' AND actor_kind = 'system' AND object_id = '880001'").await, 1);
        // Once only; the other is still running.
        assert_eq!(app::cases::suspensions::end_due(&t.db).await.unwrap(), 0);
        assert_eq!(o.officer("880003").await.status, app::codes::OfficerStatus::Suspended);
        // A suspension replaced by a later status is not ended over it.
        exec(&t, &format!("UPDATE case_decisions SET decided_on = '{decided}' WHERE case_id = (SELECT id FROM cases WHERE number = '{}')", numbers[1])).await;
        exec(&t, &format!("UPDATE officers SET status_changed_on = '{}' WHERE badge_number = '880003'", day(2))).await;
        assert_eq!(app::cases::suspensions::end_due(&t.db).await.unwrap(), 0);
        assert_eq!(o.officer("880003").await.status, app::codes::OfficerStatus::Suspended);
        assert_eq!(app::audit::verify(&t.db).await.unwrap(), app::audit::Verification::Intact { records: count(&t, "SELECT COUNT(*) FROM audit_log").await });
    }
}

on_both_backends! {
    /// Dismissals and suspensions come only from decisions: the status form
    /// refuses them, naming the field.
    async fn the_status_form_no_longer_dismisses_or_suspends(t: TestDb) {
        let o = office(&t).await;
        for status in ["dismissed", "suspended"] {
            let (code, e) = error_of(o.call(&o.sup, "change_officer_status", &[
                ("badge_number", "880001"), ("status", status), ("effective_on", "2026-01-10"), ("reason", "x"),
            ]).await).await;
            assert_eq!(code, 422);
            assert!(matches!(e, AppError::Validation { field: app::error::Field::Status, .. }), "{e:?}");
        }
        assert_eq!(o.officer("880001").await.status, app::codes::OfficerStatus::Active);
    }
}

on_both_backends! {
    /// Deadlines: a case past its due date is overdue in the list and in
    /// its investigator's count; pausing the clock is recorded and moves
    /// the due date on by the days it was paused.
    async fn overdue_cases_are_counted_and_the_clock_pauses(t: TestDb) {
        let o = office(&t).await;
        let n = o.ok(&o.inv, "create_case", &[
            ("title", "Caso antiguo"), ("summary", "x"), ("origin", "referral"), ("intake_on", "2025-01-10"),
        ]).await;
        let n: String = serde_json::from_str(&n).unwrap();
        let f = o.file(&o.inv, &n).await;
        assert_eq!(f.due_on.as_deref(), Some("2025-04-10"));
        assert!(f.overdue);
        assert_eq!(o.ok(&o.inv, "my_overdue_cases", &[]).await, "1");
        assert_eq!(o.ok(&o.inv2, "my_overdue_cases", &[]).await, "0");
        assert_eq!(o.list(&o.sup, &[("overdue", "1")]).await.total, 1);
        assert_eq!(o.call(&o.inv, "pause_case_clock", &[("number", &n), ("reason", "x")]).await.status(), 403);
        let (status, _) = error_of(o.call(&o.sup, "pause_case_clock", &[("number", &n), ("reason", " ")]).await).await;
        assert_eq!(status, 422, "a pause needs its reason");
        o.ok(&o.sup, "pause_case_clock", &[("number", &n), ("reason", "Investigación penal paralela del Ministerio Público")]).await;
        let f = o.file(&o.inv, &n).await;
        assert!(!f.overdue, "a paused clock is not overdue");
        assert!(f.pause_reason.unwrap().contains("penal"));
        assert_eq!(o.list(&o.sup, &[("overdue", "1")]).await.total, 0);
        o.ok(&o.sup, "resume_case_clock", &[("number", &n)]).await;
        assert!(o.file(&o.inv, &n).await.overdue);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action IN ('case.clock_paused', 'case.clock_resumed')").await, 2);
    }
}

on_both_backends! {
    /// Audited reads at once: forty case files read together each leave
    /// their own record (appended together, in an intact chain), and a read
    /// whose record cannot be written shows nothing, to no reader of the
    /// batch.
    async fn case_files_read_at_once_are_each_audited_and_none_is_shown_unaudited(t: TestDb) {
        let o = office(&t).await;
        let n = o.open(&o.inv, "Cobros en el puesto de control", "880001").await;
        let reads = count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'case.read'").await;
        let form = [("number", n.as_str())];
        let all = futures::future::join_all((0..40).map(|i| {
            let who = if i % 2 == 0 { &o.sup } else { &o.aud };
            o.call(who, "get_case", &form)
        }))
        .await;
        assert!(all.iter().all(|r| r.status() == 200));
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'case.read'").await, reads + 40);
        let records = count(&t, "SELECT COUNT(*) FROM audit_log").await;
        assert_eq!(app::audit::verify(&t.db).await.unwrap(), app::audit::Verification::Intact { records });

        // The trail refuses the read records: no case file is handed over.
        match t.backend() {
            app::store::Backend::Sqlite => exec(&t, "CREATE TRIGGER fail_reads BEFORE INSERT ON audit_log \
                WHEN NEW.action = 'case.read' BEGIN SELECT RAISE(ABORT, 'forced failure'); END").await,
            app::store::Backend::Postgres => {
                exec(&t, "CREATE FUNCTION fail_reads() RETURNS trigger AS $$ BEGIN \
                    IF NEW.action = 'case.read' THEN RAISE EXCEPTION 'forced failure'; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql").await;
                exec(&t, "CREATE TRIGGER fail_reads BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION fail_reads()").await;
            }
        }
        let refused = futures::future::join_all((0..6).map(|_| o.call(&o.sup, "get_case", &form))).await;
        for r in refused {
            assert!(r.status().is_server_error(), "{}", r.status());
            let body = r.text().await.unwrap();
            assert!(!body.contains("Cobros en el puesto"), "{body}");
        }
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log").await, records);
    }
}

on_both_backends! {
    /// Thirty-two readers opening a case file at once, round after round,
    /// are all answered, and the server answers afterwards. A page's
    /// resources used to run on another thread than its rendering, and the
    /// two could deadlock Leptos's locks (leptos-rs/leptos#4673): the whole
    /// server then stopped answering, seen with 32 auditors on one case
    /// file of the national demo. That race is rare and this small case
    /// does not bring it about reliably; what rules it out is tested in
    /// `server/src/confine.rs`. This test is the whole path under load.
    async fn many_readers_opening_one_case_at_once_are_all_answered(t: TestDb) {
        let o = office(&t).await;
        let n = o.case_at(CaseStatus::Investigation, "880001").await;
        let url = o.app.url(&format!("/cases/{n}"));
        let readers = [&o.aud, &o.sup, &o.inv];
        for round in 0..8 {
            let pages = futures::future::join_all((0..32).map(|i| {
                let reader = readers[i % readers.len()].clone();
                let url = url.clone();
                async move {
                    let page = async {
                        let res = reader.get(&url).send().await?;
                        Ok::<_, reqwest::Error>((res.status(), res.text().await?))
                    };
                    tokio::time::timeout(std::time::Duration::from_secs(60), page).await
                }
            }))
            .await;
            for page in pages {
                let (status, body) = page
                    .unwrap_or_else(|_| panic!("round {round}: the case file was not answered within a minute"))
                    .expect("the case file");
                assert_eq!(status, 200, "round {round}: {body}");
                assert!(body.contains("Caso de prueba"), "round {round}: {body}");
            }
        }
        let health = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            o.app.client.get(o.app.url("/healthz")).send(),
        )
        .await
        .expect("/healthz answers after the readers")
        .expect("/healthz");
        assert_eq!(health.status(), 200);
    }
}

on_both_backends! {
    /// A search counts its matches up to 1,000: past that the list says
    /// "more than 1,000" and pages that far (20 pages of 50); without words the count is
    /// whole, and narrower words count exactly again.
    async fn a_search_counts_its_matches_up_to_a_thousand(t: TestDb) {
        let o = office(&t).await;
        let n = o.open(&o.inv, "Cobros en el puesto de Chiantla", "").await;
        // A thousand more like it, straight into the store, search
        // documents included.
        let postgres = t.db.backend() == app::store::Backend::Postgres;
        let columns = format!(
            "title, summary, origin, intake_on, incident_at, unit_id, region_id, place, status, sealed, \
             assigned_to, due_on, paused_on, pause_reason, complainant, complainant_name, \
             complainant_contact, search_doc, created_by, created_at, updated_at, status_changed_at, \
             decided_on, appealed_at{}",
            if postgres { ", search_vector" } else { "" }
        );
        exec(&t, &format!(
            "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 1000) \
             INSERT INTO cases (number, year, seq, {columns}) \
             SELECT 'IA-1999-' || (100000 + i), 1999, i, {columns} FROM cases, k WHERE number = '{n}'"
        )).await;
        if !postgres {
            exec(&t, "INSERT INTO case_search (rowid, doc) SELECT id, search_doc FROM cases WHERE year = 1999").await;
        }

        let found = o.list(&o.sup, &[("q", "cobros"), ("assigned", "all")]).await;
        assert_eq!((found.total, found.more, found.pages, found.rows.len()), (1000, true, 20, 50));
        let last = o.list(&o.sup, &[("q", "cobros"), ("assigned", "all"), ("page", "20")]).await;
        assert_eq!((last.page, last.rows.len()), (20, 50));
        let all = o.list(&o.sup, &[("assigned", "all")]).await;
        assert_eq!((all.total, all.more), (1001, false), "no words: the whole count");

        o.open(&o.inv, "Narcomenudeo en Cuilco", "").await;
        let one = o.list(&o.sup, &[("q", "narcomenudeo"), ("assigned", "all")]).await;
        assert_eq!((one.total, one.more), (1, false));

        let page = o.sup.get(o.app.url("/cases?assigned=all&q=cobros")).send().await.unwrap().text().await.unwrap();
        let total = page.split("data-testid=\"cases-total\"").nth(1).and_then(|p| p.split("</p>").next()).unwrap_or("");
        let shown = total.replace("<!>", "");
        assert!(shown.contains("Casos: más de 1,000; precise la búsqueda"), "{shown}");
    }
}
