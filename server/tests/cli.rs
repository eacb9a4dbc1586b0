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
