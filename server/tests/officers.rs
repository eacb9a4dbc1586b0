//! Officer records on both backends: search, filters, sorting, paging, the
//! profile with its masked national ID, the units tree.

mod common;

use app::identity::Role;
use app::officers::{OfficerPage, OfficerProfile, UnitNode};
use common::{create_user, spawn_app, TestApp};

async fn page(app: &TestApp, client: &reqwest::Client, args: &[(&str, &str)]) -> OfficerPage {
    let res = app.call(client, "list_officers", args).await;
    assert_eq!(res.status(), 200, "{args:?}");
    res.json().await.unwrap()
}

on_both_backends! {
    async fn search_filter_sort_and_page(t: TestDb) {
        server::demo::load(&t.db, server::demo::Scale::Small, 2013).await.unwrap();
        let pw = create_user(&t.db, "ana", &[Role::Investigator]).await;
        let app = spawn_app(&t).await;
        let c = app.signed_in("ana", &pw).await;

        let all = page(&app, &c, &[]).await;
        assert_eq!(all.total, 4_000);
        assert_eq!(all.rows.len(), 50);
        assert_eq!(all.pages, 80);
        // Sorted by name by default, accents aside (Álvarez among the A's).
        let fold = app::search::fold;
        let names: Vec<(String, String)> = all.rows.iter().map(|r| (fold(&r.family_names), fold(&r.given_names))).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted, "sorted by name by default");

        // An accented family name, typed without accents and in capitals.
        let accented: String = sqlx::query_scalar(
            "SELECT family_names FROM officers WHERE family_names LIKE '%á%' ORDER BY badge_number LIMIT 1")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        let plain = app::search::fold(&accented).to_uppercase();
        let found = page(&app, &c, &[("q", &plain)]).await;
        assert!(found.total > 0);
        // Every word typed appears in each officer found (in any order).
        for r in &found.rows {
            let name = app::search::fold(&format!("{} {}", r.given_names, r.family_names));
            for word in app::search::fold(&plain).split_whitespace() {
                assert!(name.contains(word), "{plain} found {name}");
            }
        }
        assert!(found.rows.iter().any(|r| r.family_names == accented), "the accented name itself is found");

        let by_badge = page(&app, &c, &[("q", &all.rows[0].badge_number)]).await;
        assert!(by_badge.rows.iter().any(|r| r.badge_number == all.rows[0].badge_number));

        let region = page(&app, &c, &[("unit", "13"), ("status", "active"), ("rank", "agente")]).await;
        assert!(region.total > 0);
        assert!(region.rows.iter().all(|r| r.unit_code.starts_with("13-") && r.status == app::codes::OfficerStatus::Active && r.rank == app::codes::Rank::Agente));

        let by_badge_sort = page(&app, &c, &[("sort", "badge"), ("page", "2")]).await;
        assert_eq!(by_badge_sort.page, 2);
        let badges: Vec<u64> = by_badge_sort.rows.iter().map(|r| r.badge_number.parse().unwrap()).collect();
        let mut b = badges.clone();
        b.sort();
        assert_eq!(badges, b, "badge numbers in the order of their numbers");

        // A page past the end shows the last one; a search finding nothing, page 1 of 1.
        let last = page(&app, &c, &[("page", "9999")]).await;
        assert_eq!((last.page, last.pages, last.total, last.rows.len()), (80, 80, 4_000, 50));
        let none = page(&app, &c, &[("q", "zzzqqq")]).await;
        assert_eq!((none.page, none.pages, none.total, none.rows.len()), (1, 1, 0, 0));
        // Sorting by rank follows the ladder, not the alphabet.
        let by_rank = page(&app, &c, &[("sort", "rank"), ("page", "80")]).await;
        assert!(by_rank.rows.iter().any(|r| r.rank > app::codes::Rank::Subinspector), "the top of the ladder comes last");
        let first_ranks = page(&app, &c, &[("sort", "rank")]).await;
        assert!(first_ranks.rows.iter().all(|r| r.rank == app::codes::Rank::Agente));

        let bad = app.call(&c, "list_officers", &[("rank", "general")]).await;
        assert_eq!(bad.status(), 422);
        let bad = app.call(&c, "list_officers", &[("sort", "salary")]).await;
        assert_eq!(bad.status(), 422);
    }
}

on_both_backends! {
    /// The national ID is shown whole to supervisors only.
    async fn the_profile_masks_the_national_id(t: TestDb) {
        server::demo::load(&t.db, server::demo::Scale::Small, 2013).await.unwrap();
        let inv = create_user(&t.db, "ana", &[Role::Investigator]).await;
        let sup = create_user(&t.db, "jefa", &[Role::Supervisor]).await;
        let app = spawn_app(&t).await;
        let badge: String = sqlx::query_scalar("SELECT badge_number FROM officers ORDER BY badge_number LIMIT 1")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        let stored: String = sqlx::query_scalar("SELECT national_id FROM officers WHERE badge_number = $1")
            .bind(&badge).fetch_one(t.db.pool_for_tests()).await.unwrap();

        let investigator = app.signed_in("ana", &inv).await;
        let p: OfficerProfile = app.call(&investigator, "get_officer", &[("badge_number", &badge)]).await.json().await.unwrap();
        let shown = p.national_id.unwrap();
        assert!(shown.starts_with("•••• •••••"), "{shown}");
        assert_eq!(&shown[shown.len() - 4..], &stored[stored.len() - 4..]);
        assert_eq!(p.chips.len(), 1);
        assert!(p.chips[0].chip_id.starts_with("CHIP-"));

        let supervisor = app.signed_in("jefa", &sup).await;
        let p: OfficerProfile = app.call(&supervisor, "get_officer", &[("badge_number", &badge)]).await.json().await.unwrap();
        assert_eq!(p.national_id.unwrap(), stored);

        let missing = app.call(&investigator, "get_officer", &[("badge_number", "99999999")]).await;
        assert_eq!(missing.status(), 404);
    }
}

on_both_backends! {
    /// Units: 22 regions under the national unit, counts adding up.
    async fn the_units_tree_counts_officers(t: TestDb) {
        server::demo::load(&t.db, server::demo::Scale::Small, 2013).await.unwrap();
        let pw = create_user(&t.db, "aud", &[Role::Auditor]).await;
        let app = spawn_app(&t).await;
        let c = app.signed_in("aud", &pw).await;
        let nodes: Vec<UnitNode> = app.call(&c, "list_units", &[]).await.json().await.unwrap();
        let regions: Vec<&UnitNode> = nodes.iter().filter(|n| n.kind == "region").collect();
        assert_eq!(regions.len(), 22);
        let national = nodes.iter().find(|n| n.kind == "national").unwrap();
        let in_regions: i64 = regions.iter().map(|r| r.officers).sum();
        assert_eq!(in_regions + national.officers, 4_000);
        let huehue = nodes.iter().find(|n| n.code == "13").unwrap();
        let stations: i64 = nodes.iter().filter(|n| n.parent_code == "13").map(|n| n.officers).sum();
        assert_eq!(huehue.officers, stations);
    }
}

on_both_backends! {
    /// A status change is checked field by field, written with its history
    /// row and audit record, and refused to read-only roles.
    async fn status_changes_are_validated_recorded_and_audited(t: TestDb) {
        server::demo::load(&t.db, server::demo::Scale::Small, 2013).await.unwrap();
        let inv = create_user(&t.db, "ana", &[Role::Investigator]).await;
        let aud = create_user(&t.db, "aud", &[Role::Auditor]).await;
        let app = spawn_app(&t).await;
        let (badge, hired): (String, String) = sqlx::query_as(
            "SELECT badge_number, hire_date FROM officers WHERE status = 'active' ORDER BY badge_number LIMIT 1")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        let investigator = app.signed_in("ana", &inv).await;
        let change = |status: &'static str, date: String, reason: &'static str| {
            let badge = badge.clone();
            let client = investigator.clone();
            let app = &app;
            async move {
                app.call(&client, "change_officer_status", &[
                    ("badge_number", badge.as_str()), ("status", status), ("effective_on", date.as_str()), ("reason", reason),
                ]).await
            }
        };
        let field_of = |e: app::error::AppError| match e {
            app::error::AppError::Validation { field, .. } => field,
            other => panic!("{other:?}"),
        };
        for (status, date, reason, field) in [
            ("fired", "2026-01-10".to_string(), "x", "status"),
            ("retired", "10/01/2026".to_string(), "x", "effective_on"),
            ("retired", "2999-01-01".to_string(), "x", "effective_on"),
            ("retired", "1990-01-01".to_string(), "x", "effective_on"),
            ("retired", "2026-01-10".to_string(), "  ", "reason"),
            ("active", "2026-01-10".to_string(), "x", "status"),
        ] {
            let res = change(status, date.clone(), reason).await;
            assert_eq!(res.status(), 422, "{status} {date}");
            assert_eq!(field_of(res.json().await.unwrap()), field, "{status} {date} {reason:?}");
        }
        let untouched: String = sqlx::query_scalar("SELECT status FROM officers WHERE badge_number = $1")
            .bind(&badge).fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert_eq!(untouched, "active", "nothing half written");

        assert!(hired.as_str() < "2026-01-10");
        let ok = change("retired", "2026-01-10".into(), "Retiro voluntario por años de servicio").await;
        assert_eq!(ok.status(), 200);
        let p: app::officers::OfficerProfile = app.call(&investigator, "get_officer", &[("badge_number", &badge)])
            .await.json().await.unwrap();
        assert_eq!(p.status, app::codes::OfficerStatus::Retired);
        assert_eq!(p.status_changed_on.as_deref(), Some("2026-01-10"));
        assert_eq!(p.history.len(), 1);
        assert_eq!(p.history[0].recorded_by, "ana");
        let audited: String = sqlx::query_scalar("SELECT details FROM audit_log WHERE action = 'officer.status_changed' AND actor_label = 'ana'")
            .fetch_one(t.db.pool_for_tests()).await.unwrap();
        assert!(audited.contains("\"from\":\"active\"") && audited.contains("\"to\":\"retired\""), "{audited}");

        let auditor = app.signed_in("aud", &aud).await;
        let refused = app.call(&auditor, "change_officer_status", &[
            ("badge_number", badge.as_str()), ("status", "active"), ("effective_on", "2026-02-01"), ("reason", "x"),
        ]).await;
        assert_eq!(refused.status(), 403);
    }
}

on_both_backends! {
    /// The list is kept in memory, yet what was just written is on the next
    /// page, on this server and on another one sharing the database: a new
    /// officer, a status change, an import.
    async fn the_list_shows_every_change_at_once(t: TestDb) {
        server::demo::load(&t.db, server::demo::Scale::Small, 2013).await.unwrap();
        let pw = create_user(&t.db, "ana", &[Role::Investigator]).await;
        let one = spawn_app(&t).await;
        let other = spawn_app(&t).await;
        let c1 = one.signed_in("ana", &pw).await;
        let c2 = other.signed_in("ana", &pw).await;
        assert_eq!(page(&one, &c1, &[]).await.total, 4_000);
        assert_eq!(page(&other, &c2, &[]).await.total, 4_000);

        let created = one.call(&c1, "create_officer", &[
            ("badge_number", "777001"), ("given_names", "Zoila Ester"), ("family_names", "Ábrego Xiloj"),
            ("rank", "agente"), ("unit", "13-02"), ("hire_date", "2020-03-01"), ("national_id", ""),
        ]).await;
        assert_eq!(created.status(), 200, "{}", created.text().await.unwrap());
        for (app, c) in [(&one, &c1), (&other, &c2)] {
            assert_eq!(page(app, c, &[]).await.total, 4_001);
            let found = page(app, c, &[("q", "abrego xiloj")]).await;
            assert_eq!(found.rows.iter().map(|r| r.badge_number.as_str()).collect::<Vec<_>>(), ["777001"]);
            assert_eq!(found.rows[0].unit_code, "13-02");
        }

        let retired_before = page(&other, &c2, &[("status", "retired")]).await.total;
        let changed = other.call(&c2, "change_officer_status", &[
            ("badge_number", "777001"), ("status", "retired"), ("effective_on", "2026-01-10"), ("reason", "Retiro voluntario"),
        ]).await;
        assert_eq!(changed.status(), 200);
        for (app, c) in [(&one, &c1), (&other, &c2)] {
            let retired = page(app, c, &[("status", "retired"), ("q", "777001")]).await;
            assert_eq!(retired.rows.len(), 1);
            assert_eq!(retired.rows[0].status, app::codes::OfficerStatus::Retired);
            assert_eq!(page(app, c, &[("status", "retired")]).await.total, retired_before + 1);
        }

        // A change by hand in the database (as another tool would make it).
        sqlx::query("UPDATE officers SET rank = 'inspector' WHERE badge_number = '777001'")
            .execute(t.db.pool_for_tests()).await.unwrap();
        let rows = page(&one, &c1, &[("q", "777001")]).await.rows;
        assert_eq!(rows[0].rank, app::codes::Rank::Inspector);
    }
}
