//! The `vigia` command line: help, settings errors, migrate, demo-data.

use std::path::Path;
use std::process::{Command, Output};

fn vigia(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vigia"));
    cmd.current_dir(dir).args(args);
    for var in [
        "VIGIA_DATABASE_URL",
        "VIGIA_BIND",
        "VIGIA_DATA_DIR",
        "VIGIA_TIMEZONE",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run vigia")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn help_explains_every_command_and_setting() {
    let dir = tempfile::tempdir().unwrap();
    let help = stdout(&vigia(dir.path(), &["--help"], &[]));
    for word in [
        "serve",
        "migrate",
        "demo-data",
        "VIGIA_DATABASE_URL",
        "VIGIA_BIND",
        "VIGIA_DATA_DIR",
        "VIGIA_TIMEZONE",
        "America/Guatemala",
        "127.0.0.1:3000",
    ] {
        assert!(
            help.contains(word),
            "--help does not mention {word}:\n{help}"
        );
    }
    let demo_help = stdout(&vigia(dir.path(), &["demo-data", "--help"], &[]));
    assert!(
        demo_help.contains("--scale") && demo_help.contains("national"),
        "{demo_help}"
    );
    assert!(demo_help.contains("--seed"), "{demo_help}");
}

/// Every bad setting: exit code 2, one line naming the setting and the
/// reason, and nothing written (no data folder, no database file).
#[test]
fn bad_settings_stop_with_one_line_and_exit_code_2() {
    // (arguments, environment, the setting named, the reason given)
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: &[Case] = &[
        (
            &["migrate"],
            &[("VIGIA_BIND", "localhost")],
            "VIGIA_BIND",
            "is not an IP address and port",
        ),
        (
            &["migrate", "--bind", "1.2.3.4:99999"],
            &[],
            "--bind",
            "is not an IP address and port",
        ),
        (
            &["migrate"],
            &[("VIGIA_DATABASE_URL", "mysql://db/vigia")],
            "VIGIA_DATABASE_URL",
            "must start with sqlite: or postgres://",
        ),
        (
            &["migrate"],
            &[("VIGIA_DATABASE_URL", "sqlite://")],
            "VIGIA_DATABASE_URL",
            "needs a file path",
        ),
        (
            &["migrate"],
            &[("VIGIA_DATABASE_URL", "postgres://")],
            "VIGIA_DATABASE_URL",
            "needs a host",
        ),
        (
            &["migrate"],
            &[("VIGIA_TIMEZONE", "Mars/Olympus_Mons")],
            "VIGIA_TIMEZONE",
            "is not an IANA time zone name",
        ),
        (
            &["migrate", "--data-dir", "a-file"],
            &[],
            "VIGIA_DATA_DIR",
            "is not a folder",
        ),
        (
            &["demo-data", "--scale", "huge"],
            &[],
            "--scale",
            "use small or national",
        ),
        (
            &["demo-data", "--seed", "-1"],
            &[],
            "--seed",
            "is not a whole number",
        ),
    ];
    for (args, env, setting, reason) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a-file"), "not a folder").unwrap();
        let out = vigia(dir.path(), args, env);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?} {env:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "one line, got: {err}");
        assert!(
            err.contains(setting) && err.contains(reason),
            "{args:?} {env:?}: {err}"
        );
        assert!(
            !dir.path().join("data").exists(),
            "{args:?} {env:?} wrote the data folder"
        );
    }
}

#[test]
fn migrate_says_what_it_applied_and_then_that_nothing_is_pending() {
    let dir = tempfile::tempdir().unwrap();
    let first = vigia(dir.path(), &["migrate"], &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stdout(&first).contains("applied migration 1 core records"),
        "{}",
        stdout(&first)
    );
    assert!(
        dir.path().join("data/vigia.db").is_file(),
        "the default database is data/vigia.db"
    );

    let second = vigia(dir.path(), &["migrate"], &[]);
    assert!(second.status.success());
    assert!(
        stdout(&second).contains("no migration to apply"),
        "{}",
        stdout(&second)
    );
}

#[test]
fn demo_data_loads_once_and_then_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/elsewhere/demo.db", dir.path().display());
    let env = [("VIGIA_DATABASE_URL", url.as_str())];
    let first = vigia(
        dir.path(),
        &["demo-data", "--scale", "small", "--seed", "5"],
        &env,
    );
    assert!(first.status.success(), "{}", stderr(&first));
    let said = stdout(&first);
    assert!(
        said.contains("22 regions")
            && said.contains("4000 officers")
            && said.contains("1300 vehicles"),
        "{said}"
    );
    assert!(
        dir.path().join("elsewhere/demo.db").is_file(),
        "the folder and file are created"
    );

    let again = vigia(dir.path(), &["demo-data"], &env);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("already holds records"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn user_create_prints_the_password_last_and_audit_verify_checks_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let created = vigia(
        dir.path(),
        &[
            "user",
            "create",
            "--username",
            "Ana",
            "--role",
            "investigator,auditor",
        ],
        &[],
    );
    assert!(created.status.success(), "{}", stderr(&created));
    let out = stdout(&created);
    let last = out.trim_end().lines().last().unwrap();
    assert_eq!(
        last.len(),
        20,
        "the generated password alone on the last line: {out}"
    );
    assert!(last.chars().all(|c| c.is_ascii_alphanumeric()), "{out}");
    assert!(
        out.contains("created ana with roles investigator,auditor"),
        "{out}"
    );

    let bad_role = vigia(
        dir.path(),
        &["user", "create", "--username", "beto", "--role", "general"],
        &[],
    );
    assert_eq!(bad_role.status.code(), Some(1));
    assert!(
        stderr(&bad_role).contains("roles: \"general\" is not a role"),
        "{}",
        stderr(&bad_role)
    );

    let weak = vigia_with_stdin(
        dir.path(),
        &[
            "user",
            "create",
            "--username",
            "carla",
            "--role",
            "monitor",
            "--password-stdin",
        ],
        "password1234\n",
    );
    assert_eq!(weak.status.code(), Some(1));
    assert!(
        stderr(&weak).contains("password: is on the list of commonly used passwords"),
        "{}",
        stderr(&weak)
    );

    let verify = vigia(dir.path(), &["audit", "verify"], &[]);
    assert!(verify.status.success(), "{}", stderr(&verify));
    // The account's creation, and the grant of each of its two roles that
    // reach records (investigator, auditor).
    assert_eq!(stdout(&verify).trim(), "3 records, chain intact");

    // Tamper with the record behind the database's back.
    let db = dir.path().join("data/vigia.db");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        sqlx::query("DROP TRIGGER audit_log_no_update")
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query("UPDATE audit_log SET actor_label = 'someone else' WHERE seq = 1")
            .execute(&mut conn)
            .await
            .unwrap();
    });
    let broken = vigia(dir.path(), &["audit", "verify"], &[]);
    assert_eq!(broken.status.code(), Some(1));
    assert!(
        stderr(&broken).contains("broken at record 1"),
        "{}",
        stderr(&broken)
    );
}

fn vigia_with_stdin(dir: &Path, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_vigia"))
        .current_dir(dir)
        .args(args)
        .env_remove("VIGIA_DATABASE_URL")
        .env_remove("VIGIA_DATA_DIR")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run vigia");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// `vigia import`: exit 0 with the count for a good file (and again, as a
/// no-op), exit 1 with every bad row for a bad one, exit 2 for a wrong kind
/// or an unreadable file.
#[test]
fn import_prints_the_count_or_every_bad_row() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/import.db", dir.path().display());
    let env = [("VIGIA_DATABASE_URL", url.as_str())];
    assert!(vigia(dir.path(), &["demo-data"], &env).status.success());
    let good = dir.path().join("officers.csv");
    std::fs::write(
        &good,
        "badge_number,given_names,family_names,rank,unit,status,hire_date,national_id\n\
         880001,José Ángel,Ixcoy Tzunún,agente,13-02,active,2012-05-02,\n\
         880002,María,Pérez,subinspector,07-01,active,2019-11-20,\n",
    )
    .unwrap();
    let path = good.to_str().unwrap();
    let out = vigia(dir.path(), &["import", "officers", path], &env);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("imported 2 officers rows"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("2 new"), "{}", stdout(&out));
    let again = vigia(dir.path(), &["import", "officers", path], &env);
    assert!(again.status.success());
    assert!(
        stdout(&again).contains("0 new, 0 updated, 2 unchanged"),
        "{}",
        stdout(&again)
    );

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "badge_number,vehicle,from,to,role\n\
         880001,PNC-0451,2026-02-01T06:00,2026-02-02T07:00,driver\n\
         880002,PNC-9999,2026-02-01T06:00,2026-02-01T18:00,crew\n",
    )
    .unwrap();
    let out = vigia(
        dir.path(),
        &["import", "assignments", bad.to_str().unwrap()],
        &env,
    );
    assert_eq!(out.status.code(), Some(1));
    let report = stdout(&out);
    assert!(report.contains("line 2, column to:"), "{report}");
    assert!(
        report.contains("line 3, column vehicle: no vehicle has the plate PNC-9999"),
        "{report}"
    );
    assert!(
        stderr(&out).contains("nothing was imported"),
        "{}",
        stderr(&out)
    );

    let out = vigia(dir.path(), &["import", "cars", path], &env);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("KIND"), "{}", stderr(&out));
    let out = vigia(dir.path(), &["import", "tests", "/no/such/file.csv"], &env);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("FILE"), "{}", stderr(&out));
}

#[test]
fn api_clients_are_made_listed_and_disabled_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/v.db", dir.path().display());
    let env = [("VIGIA_DATABASE_URL", url.as_str())];
    let out = vigia(
        dir.path(),
        &[
            "api-client",
            "create",
            "--name",
            "centro",
            "--scopes",
            "health:write,footage:write",
        ],
        &env,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    let token = printed.lines().last().unwrap().to_string();
    assert!(
        token.starts_with("vgt_") && token.len() == 68,
        "the token alone on the last line: {printed}"
    );

    let list = stdout(&vigia(dir.path(), &["api-client", "list"], &env));
    assert!(list.contains("centro\tenabled"), "{list}");
    assert!(list.contains("footage:write,health:write"), "{list}");
    assert!(
        list.contains(&token[..12]) && !list.contains(&token),
        "only the token's start is shown: {list}"
    );

    let bad = vigia(
        dir.path(),
        &[
            "api-client",
            "create",
            "--name",
            "otro",
            "--scopes",
            "video:delete",
        ],
        &env,
    );
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("scopes: unknown scope \"video:delete\""),
        "{}",
        stderr(&bad)
    );

    let disabled = vigia(dir.path(), &["api-client", "disable", "centro"], &env);
    assert!(disabled.status.success(), "{}", stderr(&disabled));
    let list = stdout(&vigia(dir.path(), &["api-client", "list"], &env));
    assert!(list.contains("centro\tdisabled"), "{list}");
    let unknown = vigia(
        dir.path(),
        &["api-client", "disable", "--name", "nadie"],
        &env,
    );
    assert!(!unknown.status.success());
    assert!(stderr(&unknown).contains("nadie"), "{}", stderr(&unknown));
}
