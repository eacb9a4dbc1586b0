//! The RBAC sweep: every registered server function, called anonymously and
//! as each role, must allow exactly what DESIGN.md's matrix grants. A server
//! function missing from the table below fails the test by name, so new
//! ones are covered as soon as they exist.

mod common;

use app::error::AppError;
use app::identity::Role;
use common::{create_user, spawn_app};

/// Who may call a server function.
#[derive(Debug, Clone, Copy)]
enum Allowed {
    /// Anyone, signed in or not.
    Anyone,
    /// Any signed-in person, whatever their roles, once their password and
    /// second factor are in order.
    SignedIn,
    /// Any signed-in person, even one who must first change their password
    /// (their own account is all they may touch).
    OwnAccount,
    /// Holders of these roles only.
    Roles(&'static [Role]),
}

/// DESIGN.md: officers are read by investigators, supervisors, the
/// ministry and auditors; not by monitors or administrators.
const OFFICER_READERS: Allowed = Allowed::Roles(&[
    Role::Investigator,
    Role::Supervisor,
    Role::Ministry,
    Role::Auditor,
]);

/// DESIGN.md: officer records and confidence tests are written by
/// investigators and supervisors only.
const OFFICER_WRITERS: Allowed = Allowed::Roles(&[Role::Investigator, Role::Supervisor]);

/// DESIGN.md: vehicles, cameras, health, coverage and SLA are read by every
/// role but administrators.
const FLEET_READERS: Allowed = Allowed::Roles(&[
    Role::Investigator,
    Role::Supervisor,
    Role::Ministry,
    Role::Auditor,
    Role::Monitor,
]);

/// DESIGN.md: cases are read by investigators, supervisors, the ministry
/// (once sent) and auditors; worked by investigators and supervisors.
const CASE_READERS: Allowed = Allowed::Roles(&[
    Role::Investigator,
    Role::Supervisor,
    Role::Ministry,
    Role::Auditor,
]);
/// DESIGN.md: badge tracks are read by investigators, supervisors and
/// auditors.
const TRACK_READERS: Allowed =
    Allowed::Roles(&[Role::Investigator, Role::Supervisor, Role::Auditor]);
const CASE_WRITERS: Allowed = Allowed::Roles(&[Role::Investigator, Role::Supervisor]);
const CASE_SUPERVISORS: Allowed = Allowed::Roles(&[Role::Supervisor]);
const NO_CASE: (&str, &str) = ("number", "IA-1999-000001");

/// Server functions that take a multipart form (a file), not a plain form.
const MULTIPART_INPUT: &[&str] = &["import_records", "upload_case_document"];

/// (endpoint, arguments that pass validation, who may call it)
type Entry = (
    &'static str,
    &'static [(&'static str, &'static str)],
    Allowed,
);
const SERVER_FUNCTIONS: &[Entry] = &[
    (
        "sign_in",
        &[
            ("username", "nobody"),
            ("password", "not a password at all"),
        ],
        Allowed::Anyone,
    ),
    ("who_am_i", &[], Allowed::Anyone),
    ("get_status", &[], Allowed::SignedIn),
    ("sign_out", &[], Allowed::OwnAccount),
    (
        "change_password",
        &[
            ("current_password", "wrong"),
            ("new_password", "a new long phrase"),
        ],
        Allowed::OwnAccount,
    ),
    ("begin_totp", &[], Allowed::OwnAccount),
    ("list_officers", &[], OFFICER_READERS),
    ("get_officer", &[("badge_number", "none")], OFFICER_READERS),
    ("list_units", &[], OFFICER_READERS),
    (
        "officer_permissions",
        &[("badge_number", "none")],
        OFFICER_READERS,
    ),
    (
        "change_officer_status",
        &[
            ("badge_number", "none"),
            ("status", "active"),
            ("effective_on", "2026-01-01"),
            ("reason", "sweep"),
        ],
        Allowed::Roles(&[Role::Investigator, Role::Supervisor]),
    ),
    ("confirm_totp", &[("code", "000000")], Allowed::OwnAccount),
    (
        "create_officer",
        &[
            ("badge_number", "x"),
            ("given_names", "A"),
            ("family_names", "B"),
            ("rank", "agente"),
            ("unit", "01"),
            ("hire_date", "2020-01-01"),
        ],
        OFFICER_WRITERS,
    ),
    (
        "update_officer",
        &[
            ("badge_number", "x"),
            ("given_names", "A"),
            ("family_names", "B"),
            ("rank", "agente"),
            ("unit", "01"),
            ("hire_date", "2020-01-01"),
        ],
        OFFICER_WRITERS,
    ),
    (
        "add_assignment",
        &[
            ("badge_number", "none"),
            ("vehicle", "PNC-0001"),
            ("from", "2026-01-01T06:00"),
            ("to", "2026-01-01T18:00"),
            ("role", "driver"),
        ],
        OFFICER_WRITERS,
    ),
    (
        "assign_chip",
        &[
            ("badge_number", "none"),
            ("chip_id", "CHIP-1"),
            ("from", "2026-01-01T06:00"),
        ],
        OFFICER_WRITERS,
    ),
    (
        "return_chip",
        &[("badge_number", "none"), ("at", "2026-01-01T06:00")],
        OFFICER_WRITERS,
    ),
    (
        "record_confidence_test",
        &[
            ("badge_number", "none"),
            ("kind", "polygraph"),
            ("date", "2026-01-01"),
            ("result", "pass"),
            ("examiner", "x"),
        ],
        OFFICER_WRITERS,
    ),
    (
        "list_confidence_tests",
        &[("badge_number", "none")],
        Allowed::Roles(&[Role::Investigator, Role::Supervisor, Role::Auditor]),
    ),
    // A multipart form (see MULTIPART_INPUT): a file whose header is wrong.
    (
        "import_records",
        &[("kind", "officers"), ("file", "no,such,header\n")],
        Allowed::Roles(&[Role::Investigator, Role::Supervisor, Role::Admin]),
    ),
    (
        "import_records",
        &[("kind", "tests"), ("file", "no,such,header\n")],
        OFFICER_WRITERS,
    ),
    (
        "list_accounts",
        &[],
        Allowed::Roles(&[Role::Auditor, Role::Admin]),
    ),
    (
        "create_account",
        &[
            ("username", "swept"),
            ("display_name", "Swept"),
            ("roles", "auditor"),
        ],
        Allowed::Roles(&[Role::Admin]),
    ),
    (
        "set_account_roles",
        &[
            ("username", "sweep-investigator"),
            ("roles", "investigator"),
        ],
        Allowed::Roles(&[Role::Admin]),
    ),
    (
        "reset_account_password",
        &[("username", "sweep-investigator")],
        Allowed::Roles(&[Role::Admin]),
    ),
    (
        "reset_account_totp",
        &[("username", "sweep-investigator")],
        Allowed::Roles(&[Role::Admin]),
    ),
    (
        "unlock_account",
        &[("username", "sweep-investigator")],
        Allowed::Roles(&[Role::Admin]),
    ),
    (
        "list_audit",
        &[("action", "sign_in")],
        Allowed::Roles(&[Role::Supervisor, Role::Auditor, Role::Admin]),
    ),
    (
        "set_account_disabled",
        &[("username", "sweep-investigator"), ("disabled", "false")],
        Allowed::Roles(&[Role::Admin]),
    ),
    ("fleet_board", &[], FLEET_READERS),
    ("get_vehicle", &[("plate", "PNC-9999")], FLEET_READERS),
    ("coverage_report", &[], FLEET_READERS),
    (
        "officer_coverage",
        &[("badge_number", "none")],
        OFFICER_READERS,
    ),
    (
        "list_footage",
        &[
            ("vehicle", "PNC-9999"),
            ("from", "2026-01-01T06:00"),
            ("to", "2026-01-01T18:00"),
        ],
        Allowed::Roles(&[
            Role::Investigator,
            Role::Supervisor,
            Role::Auditor,
            Role::Monitor,
        ]),
    ),
    (
        "officer_track",
        &[
            ("badge", "99999"),
            ("from", "2026-01-01T06:00"),
            ("to", "2026-01-01T18:00"),
        ],
        TRACK_READERS,
    ),
    (
        "tracking_near",
        &[
            ("lat", "14.6349"),
            ("lon", "-90.5069"),
            ("radius", "250"),
            ("from", "2026-01-01T06:00"),
            ("to", "2026-01-01T18:00"),
        ],
        TRACK_READERS,
    ),
    ("tracking_map", &[], TRACK_READERS),
    (
        "verify_segment",
        &[("segment", "no-such-segment")],
        Allowed::Roles(&[Role::Investigator, Role::Supervisor, Role::Monitor]),
    ),
    ("sla_report", &[], FLEET_READERS),
    (
        "list_api_clients",
        &[],
        Allowed::Roles(&[Role::Auditor, Role::Admin]),
    ),
    (
        "create_api_client",
        &[("name", "swept-client"), ("scopes", "bogus:scope")],
        Allowed::Roles(&[Role::Admin]),
    ),
    (
        "set_api_client_scopes",
        &[("name", "no-such-client"), ("scopes", "footage:write")],
        Allowed::Roles(&[Role::Admin]),
    ),
    (
        "set_api_client_disabled",
        &[("name", "no-such-client"), ("disabled", "true")],
        Allowed::Roles(&[Role::Admin]),
    ),
    ("list_cases", &[], CASE_READERS),
    ("get_case", &[NO_CASE], CASE_READERS),
    ("my_overdue_cases", &[], CASE_READERS),
    ("officer_cases", &[("badge_number", "none")], CASE_READERS),
    ("case_investigators", &[], CASE_SUPERVISORS),
    (
        "create_case",
        &[("title", " "), ("summary", "x"), ("origin", "complaint")],
        CASE_WRITERS,
    ),
    (
        "add_case_subject",
        &[NO_CASE, ("badge_number", "10001"), ("role", "accused")],
        CASE_WRITERS,
    ),
    (
        "add_case_allegation",
        &[NO_CASE, ("subject", "1"), ("kind", "corruption")],
        CASE_WRITERS,
    ),
    (
        "record_case_finding",
        &[NO_CASE, ("allegation", "1"), ("finding", "sustained")],
        CASE_WRITERS,
    ),
    ("add_case_note", &[NO_CASE, ("body", "Nota")], CASE_WRITERS),
    (
        "assign_case",
        &[NO_CASE, ("investigator", "sweep-investigator")],
        CASE_SUPERVISORS,
    ),
    ("seal_case", &[NO_CASE], CASE_SUPERVISORS),
    ("unseal_case", &[NO_CASE], CASE_SUPERVISORS),
    (
        "pause_case_clock",
        &[NO_CASE, ("reason", "x")],
        CASE_SUPERVISORS,
    ),
    ("resume_case_clock", &[NO_CASE], CASE_SUPERVISORS),
    (
        "move_case",
        &[NO_CASE, ("step", "start_investigation")],
        CASE_WRITERS,
    ),
    (
        "decide_case",
        &[
            NO_CASE,
            ("subject", "1"),
            ("outcome", "cleared"),
            ("basis", "x"),
        ],
        Allowed::Roles(&[Role::Ministry]),
    ),
    (
        "link_case_footage",
        &[NO_CASE, ("segment", "seg-x"), ("reason", "x")],
        CASE_WRITERS,
    ),
    (
        "link_case_test",
        &[NO_CASE, ("test", "1"), ("reason", "x")],
        CASE_WRITERS,
    ),
    (
        "link_case_track",
        &[
            NO_CASE,
            ("badge", "none"),
            ("from", "2026-01-01T00:00:00Z"),
            ("to", "2026-01-01T08:00:00Z"),
            ("reason", "x"),
        ],
        CASE_WRITERS,
    ),
    (
        "upload_case_document",
        &[NO_CASE, ("reason", "x"), ("file", "%PDF-1.4 acta")],
        CASE_WRITERS,
    ),
];

/// The machine API: a browser session never opens it, whatever the roles
/// (only API clients' tokens do: server/tests/machine_api.rs).
const MACHINE_API: &[&str] = &["/api/v1/ingest/footage", "/api/v1/ingest/heartbeats"];

/// Plain HTTP routes that need a session: (path, who may GET it).
const ROUTES: &[(&str, Allowed)] = &[
    (
        "/audit/export.csv",
        Allowed::Roles(&[Role::Supervisor, Role::Auditor, Role::Admin]),
    ),
    ("/fleet/sla.csv", FLEET_READERS),
    ("/cases.csv", CASE_READERS),
    // No such case: 404 for those who may read cases, 401/403 for the rest.
    ("/cases/IA-1999-000001/documents/1", CASE_READERS),
];

/// Routes open to everyone by design.
const PUBLIC_ROUTES: &[&str] = &["/healthz", "/readyz", "/api/v1/openapi.json"];

/// Who the sweep calls as: nobody, one role each, accounts holding two
/// roles, and an account that must change its password first.
struct Caller {
    label: String,
    roles: Vec<Role>,
    must_change_password: bool,
}

fn callers() -> Vec<Caller> {
    let mut all = vec![Caller {
        label: "anonymous".into(),
        roles: vec![],
        must_change_password: false,
    }];
    for &role in Role::ALL {
        all.push(Caller {
            label: role.as_str().into(),
            roles: vec![role],
            must_change_password: false,
        });
    }
    for pair in [
        [Role::Monitor, Role::Ministry],
        [Role::Investigator, Role::Auditor],
        [Role::Admin, Role::Monitor],
    ] {
        all.push(Caller {
            label: format!("{}-{}", pair[0].as_str(), pair[1].as_str()),
            roles: pair.to_vec(),
            must_change_password: false,
        });
    }
    all.push(Caller {
        label: "supervisor-who-must-change-password".into(),
        roles: vec![Role::Supervisor],
        must_change_password: true,
    });
    all
}

fn allowed(rule: Allowed, caller: &Caller) -> bool {
    let signed_in = !caller.roles.is_empty();
    match rule {
        Allowed::Anyone => true,
        Allowed::OwnAccount => signed_in,
        Allowed::SignedIn => signed_in && !caller.must_change_password,
        Allowed::Roles(roles) => {
            !caller.must_change_password && caller.roles.iter().any(|r| roles.contains(r))
        }
    }
}

/// What the database holds, outside the audit trail and the session and
/// rate-limit bookkeeping: a refused write must leave it exactly as it was.
async fn fingerprint(db: &app::store::Db) -> Vec<(String, i64)> {
    let catalog = match db.backend() {
        app::store::Backend::Sqlite => {
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        app::store::Backend::Postgres => {
            "SELECT tablename::TEXT FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        }
    };
    let skip = [
        "audit_log",
        "audit_head",
        "_sqlx_migrations",
        "tower_sessions",
        "sign_in_failures",
        "api_refusals",
        "api_refusal_windows",
        "change_counters",
    ];
    let tables: Vec<String> = sqlx::query_scalar(catalog)
        .fetch_all(db.pool_for_tests())
        .await
        .unwrap();
    let mut out = Vec::new();
    for table in tables.into_iter().filter(|t| !skip.contains(&t.as_str())) {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(db.pool_for_tests())
            .await
            .unwrap();
        out.push((table, n));
    }
    for (what, sql) in [
        (
            "users changed",
            "SELECT CAST(COALESCE(SUM(updated_at), 0) AS BIGINT) FROM users",
        ),
        (
            "officers changed",
            "SELECT CAST(COALESCE(SUM(updated_at), 0) AS BIGINT) FROM officers",
        ),
        (
            "clients disabled",
            "SELECT CAST(COALESCE(SUM(disabled), 0) AS BIGINT) FROM api_clients",
        ),
        (
            "client scopes",
            "SELECT CAST(COALESCE(SUM(LENGTH(scopes)), 0) AS BIGINT) FROM api_clients",
        ),
    ] {
        let n: i64 = sqlx::query_scalar(sql)
            .fetch_one(db.pool_for_tests())
            .await
            .unwrap();
        out.push((what.to_string(), n));
    }
    out
}

/// Whether the policy refused the call (as opposed to the call failing for
/// a reason of its own, like a wrong password).
async fn refused(res: reqwest::Response) -> bool {
    let status = res.status();
    let body = res.text().await.unwrap_or_default();
    assert!(!status.is_server_error(), "server error {status}: {body}");
    matches!(
        serde_json::from_str::<AppError>(&body),
        Ok(AppError::Unauthenticated) | Ok(AppError::Forbidden(_))
    )
}

on_both_backends! {
    async fn every_server_function_follows_the_matrix(t: TestDb) {
        let app = spawn_app(&t).await;
        let registered: Vec<String> = leptos::server_fn::axum::server_fn_paths()
            .map(|(path, _)| path.to_string())
            .collect();
        assert!(!registered.is_empty());
        let mut checked = Vec::new();
        for path in &registered {
            let endpoint = path.strip_prefix("/rpc/").unwrap_or_else(|| {
                panic!("server function {path} is not under /rpc/: give it prefix = \"/rpc\"")
            });
            assert!(
                SERVER_FUNCTIONS.iter().any(|(e, _, _)| *e == endpoint),
                "server function {endpoint} is not in the RBAC sweep table: add who may call it"
            );
            checked.push(endpoint.to_string());
        }

        for path in server::startup::SESSION_ROUTES {
            // A route's parameters are filled in: {number} → IA-1999-000001.
            let pattern = |p: &str| {
                p.replace("IA-1999-000001", "{number}")
                    .replace("/documents/1", "/documents/{id}")
            };
            assert!(
                ROUTES.iter().any(|(p, _)| pattern(p) == *path),
                "route {path} is not in the RBAC sweep's ROUTES: add who may open it"
            );
        }
        let mut failures = Vec::new();
        for caller in callers() {
            let who = caller.label.as_str();
            let client = if caller.roles.is_empty() {
                app.browser()
            } else {
                let name = format!("sweep-{who}");
                let password = create_user(&t.db, &name, &caller.roles).await;
                let client = app.signed_in(&name, &password).await;
                if caller.must_change_password {
                    sqlx::query("UPDATE users SET must_change_password = 1 WHERE username = $1")
                        .bind(&name)
                        .execute(t.db.pool_for_tests())
                        .await
                        .unwrap();
                }
                client
            };
            // sign_out last: it ends the session the others need.
            let mut order: Vec<_> = SERVER_FUNCTIONS.iter().collect();
            order.sort_by_key(|(e, _, _)| *e == "sign_out");
            for (path, rule) in ROUTES {
                let status = client.get(app.url(path)).send().await.unwrap().status();
                assert!(!status.is_server_error(), "GET {path} as {who}: {status}");
                let was_refused = status == 401 || status == 403;
                let expected = allowed(*rule, &caller);
                if was_refused == expected {
                    failures.push(format!("GET {path} as {who}: {status}"));
                }
            }
            for path in MACHINE_API {
                let res = client.post(app.url(path)).header("content-type", "application/json")
                    .body("[]").send().await.unwrap();
                if res.status() != 401 {
                    failures.push(format!("POST {path} with the session of {who}: {} (must be 401)", res.status()));
                }
            }
            for (endpoint, args, rule) in order {
                if !checked.iter().any(|c| c == endpoint) {
                    failures.push(format!("{endpoint} is in the table but not registered"));
                    continue;
                }
                let before = fingerprint(&t.db).await;
                let res = if MULTIPART_INPUT.contains(endpoint) {
                    let arg = |name: &str| args.iter().find(|(k, _)| *k == name).map(|(_, v)| *v).unwrap();
                    if *endpoint == "import_records" {
                        app.import(&client, arg("kind"), arg("file")).await
                    } else {
                        let form = reqwest::multipart::Form::new()
                            .text("number", arg("number").to_string())
                            .text("reason", arg("reason").to_string())
                            .part("file", reqwest::multipart::Part::bytes(arg("file").as_bytes().to_vec()).file_name("acta.pdf"));
                        client.post(app.url("/rpc/upload_case_document")).header("accept", "application/json")
                            .multipart(form).send().await.expect("request")
                    }
                } else {
                    app.call(&client, endpoint, args).await
                };
                let was_refused = refused(res).await;
                if was_refused {
                    let after = fingerprint(&t.db).await;
                    if after != before {
                        failures.push(format!("{endpoint} as {who} was refused but changed the database: {before:?} -> {after:?}"));
                    }
                }
                let expected = allowed(*rule, &caller);
                if was_refused == expected {
                    failures.push(format!(
                        "{endpoint} as {who}: {} but the matrix says {}",
                        if was_refused { "refused" } else { "allowed" },
                        if expected { "allow" } else { "refuse" }
                    ));
                }
            }
        }
        for path in PUBLIC_ROUTES {
            assert_eq!(app.browser().get(app.url(path)).send().await.unwrap().status(), 200, "{path}");
        }
        assert!(failures.is_empty(), "RBAC sweep:\n{}", failures.join("\n"));
    }
}
