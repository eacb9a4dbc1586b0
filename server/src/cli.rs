//! `vigia`: the command line.

use std::process::ExitCode;

use app::store::Db;
use clap::{Parser, Subcommand};

use crate::config::{redact_url, RawSettings, SettingError, Settings};
use crate::demo::{self, Scale};
use crate::startup::Application;

/// Exit code for a setting that cannot be used (as for a usage error).
pub const EXIT_BAD_SETTING: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "vigia",
    version,
    about = "Vigía: records and case management for police oversight.",
    long_about = "Vigía: records and case management for police oversight.\n\n\
        Every setting can be given as a flag or as the environment variable \
        named beside it; a flag wins. A setting that cannot be used stops \
        Vigía with a one-line message and exit code 2, before anything is written.",
    after_help = "With no command, `vigia` runs `serve`."
)]
pub struct Cli {
    /// Database to use: sqlite://PATH (created with its folder when missing)
    /// or postgres://USER@HOST:PORT/DB. Default: sqlite://<data dir>/vigia.db
    #[arg(
        long,
        env = "VIGIA_DATABASE_URL",
        global = true,
        value_name = "URL",
        hide_env_values = true
    )]
    database_url: Option<String>,

    /// Address and port the web server listens on. Default: 127.0.0.1:3000
    #[arg(long, env = "VIGIA_BIND", global = true, value_name = "ADDR:PORT")]
    bind: Option<String>,

    /// Folder for Vigía's own files (the SQLite database by default). Default: data
    #[arg(long, env = "VIGIA_DATA_DIR", global = true, value_name = "DIR")]
    data_dir: Option<String>,

    /// IANA time zone times are shown in. Default: America/Guatemala
    #[arg(long, env = "VIGIA_TIMEZONE", global = true, value_name = "ZONE")]
    timezone: Option<String>,

    /// The address people reach Vigía at (e.g. https://vigia.example.gt);
    /// with https, session cookies are marked Secure.
    #[arg(long, env = "VIGIA_PUBLIC_URL", global = true, value_name = "URL")]
    public_url: Option<String>,

    /// Hours after which an arriving footage segment is flagged late
    /// (stored, marked, counted in its batch's audit record). Default: 24
    #[arg(
        long,
        env = "VIGIA_LATE_FOOTAGE_HOURS",
        global = true,
        value_name = "HOURS"
    )]
    late_footage_hours: Option<String>,

    /// Seconds after which `vigia serve` exits (status 70) if its async
    /// workers have all been stuck that long, for the service manager to
    /// start it again; 0: never. Default: 60
    #[arg(
        long,
        env = "VIGIA_STALL_EXIT_SECONDS",
        global = true,
        value_name = "SECONDS"
    )]
    stall_exit_seconds: Option<String>,

    /// Proxies (networks or addresses, separated by commas) whose
    /// X-Forwarded-For names the client. Default: none
    #[arg(
        long,
        env = "VIGIA_TRUSTED_PROXIES",
        global = true,
        value_name = "NET[,NET]"
    )]
    trusted_proxies: Option<String>,

    /// Host names besides loopback, the bind address and the public URL's
    /// host that forms may be sent to, separated by commas
    #[arg(
        long,
        env = "VIGIA_ALLOWED_HOSTS",
        global = true,
        value_name = "HOST[,HOST]"
    )]
    allowed_hosts: Option<String>,

    /// Minutes without a request after which a session ends. Default: 30
    #[arg(
        long,
        env = "VIGIA_SESSION_IDLE_MINUTES",
        global = true,
        value_name = "MINUTES"
    )]
    session_idle_minutes: Option<String>,

    /// Hours after sign-in after which a session ends, active or not. Default: 12
    #[arg(
        long,
        env = "VIGIA_SESSION_MAX_HOURS",
        global = true,
        value_name = "HOURS"
    )]
    session_max_hours: Option<String>,

    /// Roles whose holders must sign in with an authenticator code (TOTP),
    /// separated by commas; empty for none. Default: every role
    #[arg(
        long,
        env = "VIGIA_TOTP_REQUIRED_ROLES",
        global = true,
        value_name = "ROLE[,ROLE]"
    )]
    totp_required_roles: Option<String>,

    /// Minutes after which a camera heard from neither by heartbeat nor by
    /// footage counts as silent. Default: 10
    #[arg(
        long,
        env = "VIGIA_CAMERA_SILENT_MINUTES",
        global = true,
        value_name = "MINUTES"
    )]
    camera_silent_minutes: Option<String>,

    /// A move between two badge pings faster than this (km/h) is marked on
    /// the track as a jump. Default: 200
    #[arg(
        long,
        env = "VIGIA_TRACK_MAX_SPEED_KMH",
        global = true,
        value_name = "KMH"
    )]
    track_max_speed_kmh: Option<String>,

    /// Minutes without a ping, during the wearer's shift, after which a
    /// badge counts as silent (a gap on the track). Default: 5
    #[arg(
        long,
        env = "VIGIA_BADGE_SILENT_MINUTES",
        global = true,
        value_name = "MINUTES"
    )]
    badge_silent_minutes: Option<String>,

    /// Badge pings older than this many days are removed, daily and
    /// audited (whole months on PostgreSQL). Default: keep every ping
    #[arg(
        long,
        env = "VIGIA_PING_RETENTION_DAYS",
        global = true,
        value_name = "DAYS"
    )]
    ping_retention_days: Option<String>,

    /// The deployment's own map tile server, as an XYZ template
    /// (https://tiles.example/{z}/{x}/{y}.png): the maps draw its tiles
    /// beneath the boundaries, and pages may load images from it. Default:
    /// none (the shipped boundaries only; nothing is fetched)
    #[arg(long, env = "VIGIA_TILE_URL", global = true, value_name = "TEMPLATE")]
    tile_url: Option<String>,

    /// The attribution the tiles' licence asks for, shown on each map with
    /// tiles (e.g. "© OpenStreetMap contributors"). Default: none
    #[arg(
        long,
        env = "VIGIA_TILE_ATTRIBUTION",
        global = true,
        value_name = "TEXT"
    )]
    tile_attribution: Option<String>,

    /// A local folder with the footage files (or a mirror of them), for
    /// checking segments against their SHA-256: file:///… URIs under it,
    /// and s3://bucket/key as <folder>/bucket/key. Default: none
    #[arg(long, env = "VIGIA_FOOTAGE_ROOT", global = true, value_name = "DIR")]
    footage_root: Option<String>,

    /// The file with the key that seals secrets at rest (second-factor
    /// secrets): 64 hexadecimal digits, readable by Vigía's user only. A
    /// configured file must exist. Default: <data dir>/secret.key, created
    /// on first run
    #[arg(
        long,
        env = "VIGIA_SECRET_KEY_FILE",
        global = true,
        value_name = "FILE"
    )]
    secret_key_file: Option<String>,

    /// The contract's uptime target for each camera, in whole percent
    /// (the SLA report lists the cameras below it). Default: 98
    #[arg(
        long,
        env = "VIGIA_SLA_TARGET_PERCENT",
        global = true,
        value_name = "PERCENT"
    )]
    sla_target_percent: Option<String>,

    /// Days from a case's intake to its supervisor review. Default: 90
    #[arg(
        long,
        env = "VIGIA_CASE_INVESTIGATION_DAYS",
        global = true,
        value_name = "DAYS"
    )]
    case_investigation_days: Option<String>,

    /// Days a case may wait for its supervisor review. Default: 15
    #[arg(
        long,
        env = "VIGIA_CASE_SUPERVISOR_REVIEW_DAYS",
        global = true,
        value_name = "DAYS"
    )]
    case_supervisor_review_days: Option<String>,

    /// Days the ministry has to decide a case sent to it. Default: 30
    #[arg(
        long,
        env = "VIGIA_CASE_MINISTRY_DAYS",
        global = true,
        value_name = "DAYS"
    )]
    case_ministry_days: Option<String>,

    /// Where case documents are kept: s3://bucket/prefix (with the usual
    /// AWS_* variables: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
    /// AWS_REGION, AWS_ENDPOINT_URL), or a folder. Default: <data dir>/documents
    #[arg(long, env = "VIGIA_DOCUMENTS_URL", global = true, value_name = "URL")]
    documents_url: Option<String>,

    /// The most one case document may weigh, in MiB. Default: 50
    #[arg(long, env = "VIGIA_DOCUMENT_MAX_MB", global = true, value_name = "MIB")]
    document_max_mb: Option<String>,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply pending migrations, then serve the web application (the default).
    Serve,
    /// Apply pending migrations and list the ones applied.
    Migrate,
    /// Load the synthetic demonstration dataset into an empty database.
    ///
    /// The 22 departments of Guatemala as regions with their stations, officers
    /// with Spanish names and PNC ranks, the 1,300 patrol cars PNC-0001…PNC-1300
    /// with a cabin and a forward camera each, and one badge chip per officer.
    /// The same seed always gives the same data. Refuses a database that
    /// already holds records.
    DemoData {
        /// small: about 4,000 officers, loads in seconds; national: about 40,000.
        #[arg(
            long,
            default_value = "small",
            value_name = "small|national",
            allow_hyphen_values = true
        )]
        scale: String,
        /// Seed of the generator: the same seed gives the same dataset.
        #[arg(
            long,
            default_value = "2013",
            value_name = "N",
            allow_hyphen_values = true
        )]
        seed: String,
    },
    /// Play the demo's camera control center and badge network live, until
    /// stopped: heartbeats, footage segments and badge pings for the cars
    /// and officers on shift now, sent through the machine API with the
    /// demo's tokens (scripts/run starts it beside the server). Resumes
    /// where the stored records end, without sending anything twice.
    DemoFeed {
        /// The file holding the lines `API token of …` that `vigia
        /// demo-data` printed.
        #[arg(long, value_name = "FILE")]
        tokens: std::path::PathBuf,
        /// Where Vigía serves.
        #[arg(long, default_value = "http://127.0.0.1:3000", value_name = "URL")]
        url: String,
        /// Seconds between two sends.
        #[arg(long, default_value_t = 30, value_name = "SECONDS")]
        every: u64,
    },
    /// Manage accounts (create, unlock).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Import officers, vehicle assignments or confidence tests from a CSV
    /// file (UTF-8, a header row of the kind's column names).
    ///
    /// officers: badge_number,given_names,family_names,rank,unit,status,hire_date,national_id;
    /// assignments: badge_number,vehicle,from,to,role;
    /// tests: badge_number,kind,date,result,examiner,notes.
    /// The whole file is checked first: if any row is bad, nothing is
    /// imported, every bad row is printed (line, column, reason) and the
    /// exit code is 1. Otherwise all rows go in in one transaction and the
    /// number imported is printed. Importing the same file again changes
    /// nothing.
    Import {
        /// officers, assignments or tests.
        #[arg(value_name = "officers|assignments|tests")]
        kind: String,
        /// The CSV file.
        file: std::path::PathBuf,
    },
    /// Manage the machine API's clients and their tokens (API.md).
    ApiClient {
        #[command(subcommand)]
        command: ApiClientCommand,
    },
    /// Check the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account. Without --password-stdin a password is generated
    /// and printed alone on the last line of the output.
    Create {
        /// 3 to 64 characters: a-z, digits, dot, dash, underscore.
        #[arg(long)]
        username: String,
        /// One or more of investigator, supervisor, ministry, auditor,
        /// monitor, admin, separated by commas.
        #[arg(long = "role", value_name = "ROLE[,ROLE]")]
        roles: String,
        /// The name shown in the application. Default: the username.
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (one line) instead.
        #[arg(long)]
        password_stdin: bool,
        /// Do not ask for a new password at the first sign-in: for the
        /// operator's own account, or a demo's. Without it the account's
        /// owner sets their own (whoever made the account saw this one).
        #[arg(long)]
        keep_password: bool,
    },
    /// Lift the lock that repeated failed sign-ins put on an account.
    Unlock {
        #[arg(long)]
        username: String,
    },
    /// Remove an account's second factor (a lost phone); it sets up a new
    /// one at its next sign-in.
    ResetTotp {
        #[arg(long)]
        username: String,
    },
}

#[derive(Debug, Subcommand)]
enum ApiClientCommand {
    /// Create a client. Its token is printed once, alone on the last line
    /// of the output; only its hash is kept.
    Create {
        /// 3 to 64 characters: a-z, digits, dot, dash, underscore.
        #[arg(long)]
        name: String,
        /// One or more of pings:write, footage:write, health:write,
        /// separated by commas.
        #[arg(long, value_name = "SCOPE[,SCOPE]")]
        scopes: String,
    },
    /// List the clients: scopes, state, last use, refused requests (never
    /// their tokens).
    List,
    /// Disable a client: its token is refused (403) from now on.
    Disable {
        #[command(flatten)]
        client: ClientName,
    },
    /// Enable a disabled client again.
    Enable {
        #[command(flatten)]
        client: ClientName,
    },
    /// Replace a client's scopes.
    Scopes {
        #[command(flatten)]
        client: ClientName,
        #[arg(long, value_name = "SCOPE[,SCOPE]")]
        scopes: String,
    },
    /// Register a camera's footage to a client (footage for it from any
    /// other client is refused), or with --none to whichever sends next.
    Camera {
        /// The vehicle's plate, e.g. PNC-0451.
        #[arg(long)]
        vehicle: String,
        /// cabin or forward.
        #[arg(long)]
        camera: String,
        /// The client's name.
        #[arg(long, required_unless_present = "none", conflicts_with = "none")]
        client: Option<String>,
        /// No client: the next one that sends for it.
        #[arg(long)]
        none: bool,
    },
}

/// A client's name, as `--name N` or alone.
#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
struct ClientName {
    #[arg(long = "name", value_name = "NAME")]
    flag: Option<String>,
    #[arg(value_name = "NAME")]
    positional: Option<String>,
}

impl ClientName {
    fn get(self) -> String {
        self.flag.or(self.positional).unwrap_or_default()
    }
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain: prints "N records, chain intact", or names
    /// the first broken record and exits with code 1.
    Verify,
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let raw = RawSettings {
        database_url: cli.database_url.clone(),
        bind: cli.bind.clone(),
        data_dir: cli.data_dir.clone(),
        timezone: cli.timezone.clone(),
        public_url: cli.public_url.clone(),
        session_idle_minutes: cli.session_idle_minutes.clone(),
        session_max_hours: cli.session_max_hours.clone(),
        totp_required_roles: cli.totp_required_roles.clone(),
        camera_silent_minutes: cli.camera_silent_minutes.clone(),
        track_max_speed_kmh: cli.track_max_speed_kmh.clone(),
        badge_silent_minutes: cli.badge_silent_minutes.clone(),
        ping_retention_days: cli.ping_retention_days.clone(),
        tile_url: cli.tile_url.clone(),
        tile_attribution: cli.tile_attribution.clone(),
        footage_root: cli.footage_root.clone(),
        sla_target_percent: cli.sla_target_percent.clone(),
        secret_key_file: cli.secret_key_file.clone(),
        trusted_proxies: cli.trusted_proxies.clone(),
        late_footage_hours: cli.late_footage_hours.clone(),
        allowed_hosts: cli.allowed_hosts.clone(),
        case_investigation_days: cli.case_investigation_days.clone(),
        case_supervisor_review_days: cli.case_supervisor_review_days.clone(),
        case_ministry_days: cli.case_ministry_days.clone(),
        documents_url: cli.documents_url.clone(),
        document_max_mb: cli.document_max_mb.clone(),
        stall_exit_seconds: cli.stall_exit_seconds.clone(),
    };
    let settings = match raw.check() {
        Ok(s) => s,
        Err(e) => return bad_setting(&e),
    };
    let command = cli.command.unwrap_or(Command::Serve);
    // Check the command's own values before anything touches the database.
    let demo_args = match &command {
        Command::DemoData { scale, seed } => match parse_demo_args(scale, seed) {
            Ok(args) => Some(args),
            Err(e) => return bad_setting(&e),
        },
        _ => None,
    };
    let import_args = match &command {
        Command::Import { kind, file } => match read_import_args(kind, file) {
            Ok(args) => Some(args),
            Err(e) => return bad_setting(&e),
        },
        _ => None,
    };

    init_tracing();
    // Every time shown or parsed from here on is in the configured zone.
    if let Err(e) = app::time::set_zone(&settings.timezone) {
        eprintln!("vigia: VIGIA_TIMEZONE (--timezone): {e}");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("vigia: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let result = match command {
            Command::Serve => serve(&settings).await,
            Command::Migrate => migrate(&settings).await,
            Command::DemoData { .. } => {
                let (scale, seed) = demo_args.expect("checked above");
                demo_data(&settings, scale, seed).await
            }
            Command::DemoFeed { tokens, url, every } => {
                demo_feed(&settings, &tokens, &url, every).await
            }
            Command::User { command } => user(&settings, command).await,
            Command::Import { .. } => {
                let (kind, bytes) = import_args.expect("checked above");
                import(&settings, kind, &bytes).await
            }
            Command::ApiClient { command } => api_client(&settings, command).await,
            Command::Audit {
                command: AuditCommand::Verify,
            } => audit_verify(&settings).await,
        };
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("vigia: {message}");
                ExitCode::FAILURE
            }
        }
    })
}

fn bad_setting(e: &SettingError) -> ExitCode {
    eprintln!("vigia: {e}");
    ExitCode::from(EXIT_BAD_SETTING)
}

/// Checks `--scale` and `--seed`.
pub fn parse_demo_args(scale: &str, seed: &str) -> Result<(Scale, u64), SettingError> {
    let scale = match scale.trim() {
        "small" => Scale::Small,
        "national" => Scale::National,
        other => {
            return Err(SettingError {
                setting: "--scale",
                reason: format!("{other:?} is not a scale: use small or national"),
            })
        }
    };
    let seed = seed.trim().parse::<u64>().map_err(|_| SettingError {
        setting: "--seed",
        reason: format!("{seed:?} is not a whole number from 0 to 18446744073709551615"),
    })?;
    Ok((scale, seed))
}

/// Checks the import's kind and reads its file.
pub fn read_import_args(
    kind: &str,
    file: &std::path::Path,
) -> Result<(app::officers::import::ImportKind, Vec<u8>), SettingError> {
    let kind = app::officers::import::ImportKind::parse(kind).map_err(|_| SettingError {
        setting: "KIND",
        reason: format!("{kind:?} is not a kind of file: use officers, assignments or tests"),
    })?;
    let bytes = std::fs::read(file).map_err(|e| SettingError {
        setting: "FILE",
        reason: format!("cannot read {}: {e}", file.display()),
    })?;
    Ok((kind, bytes))
}

async fn import(
    settings: &Settings,
    kind: app::officers::import::ImportKind,
    bytes: &[u8],
) -> Result<(), String> {
    use app::officers::importer::{self, Progress};
    use app::policy::{act, authorize, Object};

    let db = open(settings).await?;
    apply_migrations(&db).await?;
    let operator = app::identity::console_operator();
    let actor = authorize(
        &operator,
        act::ImportRecords,
        Object::Import(kind.record_kind()),
    )
    .map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let progress = |p: Progress| match p {
        Progress::Checked(n) => eprintln!("checked {n} rows…"),
        Progress::Written(n, total) if total >= 10_000 => eprintln!("written {n} of {total} rows…"),
        Progress::Written(..) => {}
    };
    let report = importer::import(&db, &actor, "local", kind, bytes.to_vec(), &progress)
        .await
        .map_err(|e| format!("the import failed, nothing was imported: {e}"))?;
    db.close().await;
    if report.imported() {
        println!(
            "imported {} {} rows in {:.1} s: {} new, {} updated, {} unchanged (SHA-256 {})",
            report.rows,
            kind.as_str(),
            started.elapsed().as_secs_f64(),
            report.inserted,
            report.updated,
            report.unchanged,
            report.sha256
        );
        Ok(())
    } else {
        print!("{}", report.problems_text());
        Err(format!(
            "{} problem(s) in the file: nothing was imported",
            report.problems.len()
        ))
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("VIGIA_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,leptos_i18n=warn"));
    // A second initialisation (in tests) is harmless; ignore it explicitly.
    if tracing_subscriber::fmt()
        .with_env_filter(filter)
        .try_init()
        .is_err()
    {
        tracing::debug!("tracing already initialised");
    }
}

async fn open(settings: &Settings) -> Result<Db, String> {
    Db::connect(&settings.database_url).await.map_err(|e| {
        format!(
            "cannot open the database {}: {e}",
            redact_url(&settings.database_url)
        )
    })
}

async fn apply_migrations(db: &Db) -> Result<Vec<app::store::MigrationInfo>, String> {
    db.migrate()
        .await
        .map_err(|e| format!("migrations failed, nothing of the failing step was applied: {e}"))
}

async fn serve(settings: &Settings) -> Result<(), String> {
    let db = open(settings).await?;
    // Only when a step is pending: a database migrated already can be
    // served by a role that may not change its schema (README).
    let pending = db
        .pending_migrations()
        .await
        .map_err(|e| format!("cannot read the applied migrations: {e}"))?;
    if !pending.is_empty() {
        for m in apply_migrations(&db).await? {
            println!("applied migration {} {}", m.version, m.description);
        }
    }
    if app::identity::store::count_users(&db)
        .await
        .map_err(|e| e.to_string())?
        == 0
    {
        println!(
            "There are no accounts yet. Create the first administrator with:\n  \
             vigia user create --username admin --role admin"
        );
    }
    let app = Application::build(settings, db).await?;
    println!(
        "Vigía is serving on http://{} ({} database)",
        app.address(),
        settings.backend.name()
    );
    app.run_until_stopped()
        .await
        .map_err(|e| format!("server stopped: {e}"))
}

async fn migrate(settings: &Settings) -> Result<(), String> {
    let db = open(settings).await?;
    let applied = apply_migrations(&db).await?;
    // The session store's table too, so that `vigia serve` need not make it.
    crate::sessions::Sessions::open(&settings.database_url, settings.backend)
        .await
        .map_err(|e| format!("cannot prepare the session store: {e}"))?;
    if applied.is_empty() {
        println!("the database is up to date: no migration to apply");
    }
    for m in &applied {
        println!("applied migration {} {}", m.version, m.description);
    }
    db.close().await;
    Ok(())
}

async fn demo_feed(
    settings: &Settings,
    tokens: &std::path::Path,
    url: &str,
    every: u64,
) -> Result<(), String> {
    let text = std::fs::read_to_string(tokens)
        .map_err(|e| format!("--tokens: cannot read {}: {e}", tokens.display()))?;
    let tokens = demo::feed::Tokens::parse(&text)
        .map_err(|e| format!("--tokens {}: {e}", tokens.display()))?;
    let db = open(settings).await?;
    tracing::info!(url, every, "demo feed started");
    demo::feed::run(
        db,
        url,
        tokens,
        std::time::Duration::from_secs(every.max(1)),
    )
    .await
}

async fn demo_data(settings: &Settings, scale: Scale, seed: u64) -> Result<(), String> {
    let db = open(settings).await?;
    apply_migrations(&db).await?;
    let started = std::time::Instant::now();
    let summary = demo::load(&db, scale, seed)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "loaded the {} demo dataset (seed {seed}) in {:.1} s: {} regions, {} stations, \
         {} officers, {} vehicles, {} cameras, {} badge chips, {} vehicle assignments \
         (the last 7 days), {} confidence tests, {} camera heartbeats, {} footage segments, \
         {} badge pings",
        scale.name(),
        started.elapsed().as_secs_f64(),
        summary.regions,
        summary.stations,
        summary.officers,
        summary.vehicles,
        summary.cameras,
        summary.badges,
        summary.assignments,
        summary.tests,
        summary.heartbeats,
        summary.segments,
        summary.pings
    );
    for (client, token) in [
        (demo::fleet::CLIENT_NAME, &summary.api_token),
        (demo::pings::CLIENT_NAME, &summary.badge_token),
    ] {
        println!("API token of {client} (shown once): {token}");
    }
    db.close().await;
    Ok(())
}

async fn user(settings: &Settings, command: UserCommand) -> Result<(), String> {
    use app::identity::store::{self, NewUser};
    use app::identity::{password, Role};
    use app::policy::{act, authorize, Object};

    let db = open(settings).await?;
    apply_migrations(&db).await?;
    let operator = app::identity::console_operator();
    let actor = authorize(&operator, act::ManageUsers, Object::Any).map_err(|e| e.to_string())?;
    match command {
        UserCommand::Create {
            username,
            roles,
            display_name,
            password_stdin,
            keep_password,
        } => {
            let roles = roles
                .split(',')
                .filter(|r| !r.trim().is_empty())
                .map(Role::parse)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.to_string())?;
            let (password, generated) = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .read_line(&mut line)
                    .map_err(|e| format!("cannot read the password: {e}"))?;
                (line.trim_end_matches(['\r', '\n']).to_string(), false)
            } else {
                (password::generate(), true)
            };
            store::create_user(
                &db,
                &actor,
                "local",
                NewUser {
                    username: username.clone(),
                    display_name: display_name.unwrap_or_else(|| username.clone()),
                    roles: roles.clone(),
                    password: password.clone(),
                    must_change_password: !keep_password,
                },
            )
            .await
            .map_err(|e| e.to_string())?;
            let roles: Vec<_> = roles.iter().map(|r| r.as_str()).collect();
            println!(
                "created {} with roles {}",
                username.trim().to_lowercase(),
                roles.join(",")
            );
            if generated {
                println!("its password (shown once, store it safely):");
                println!("{password}");
            }
        }
        UserCommand::Unlock { username } => {
            store::unlock_user(&db, &actor, "local", &username)
                .await
                .map_err(|e| e.to_string())?;
            println!("unlocked {username}");
        }
        UserCommand::ResetTotp { username } => {
            store::reset_totp(&db, &actor, "local", &username)
                .await
                .map_err(|e| e.to_string())?;
            println!("removed the second factor of {username}");
        }
    }
    db.close().await;
    Ok(())
}

async fn api_client(settings: &Settings, command: ApiClientCommand) -> Result<(), String> {
    use app::admin::clients::store as clients;
    use app::policy::{act, authorize, Object};

    let db = open(settings).await?;
    apply_migrations(&db).await?;
    let operator = app::identity::console_operator();
    let manage = || authorize(&operator, act::ManageApiClients, Object::Any);
    let actor = manage().map_err(|e| e.to_string())?;
    let done = match command {
        ApiClientCommand::Create { name, scopes } => {
            clients::create_client(&db, &actor, "local", &name, &scopes)
                .await
                .map(|(client, token)| {
                    println!("created API client {} with scopes {}", client.name, client.scopes.join(","));
                    println!("its token (shown once, store it safely; send it as Authorization: Bearer <token>):");
                    println!("{}", token.reveal());
                })
        }
        ApiClientCommand::List => {
            let reader = authorize(&operator, act::ReadApiClients, Object::Any)
                .map_err(|e| e.to_string())?;
            clients::list_clients(&db, &reader).await.map(|list| {
            if list.is_empty() {
                println!("no API clients yet: vigia api-client create --name NAME --scopes SCOPE[,SCOPE]");
            }
            for c in list {
                println!(
                    "{}\t{}\t{}…\t{}\tlast used {}\trefused {}",
                    c.name,
                    if c.disabled { "disabled" } else { "enabled" },
                    c.token_hint,
                    c.scopes.join(","),
                    c.last_used.clone().unwrap_or_else(|| "never".into()),
                    c.refused
                );
            }
        })
        }
        ApiClientCommand::Disable { client } => {
            let name = client.get();
            clients::set_disabled(&db, &actor, "local", &name, true)
                .await
                .map(|()| println!("disabled {name}: its token is refused from now on"))
        }
        ApiClientCommand::Enable { client } => {
            let name = client.get();
            clients::set_disabled(&db, &actor, "local", &name, false)
                .await
                .map(|()| println!("enabled {name}"))
        }
        ApiClientCommand::Scopes { client, scopes } => {
            let name = client.get();
            clients::set_scopes(&db, &actor, "local", &name, &scopes)
                .await
                .map(|()| println!("set the scopes of {name}"))
        }
        ApiClientCommand::Camera {
            vehicle,
            camera,
            client,
            none: _,
        } => clients::set_camera_client(&db, &actor, "local", &vehicle, &camera, client.as_deref())
            .await
            .map(|()| match &client {
                Some(c) => println!("the footage of {vehicle} {camera} comes through {c} only"),
                None => println!("the footage of {vehicle} {camera} comes through the next client that sends it"),
            }),
    };
    db.close().await;
    done.map_err(|e| e.to_string())
}

async fn audit_verify(settings: &Settings) -> Result<(), String> {
    use app::audit::Verification;
    let db = open(settings).await?;
    apply_migrations(&db).await?;
    let result = app::audit::verify(&db)
        .await
        .map_err(|e| format!("cannot read the audit trail: {e}"))?;
    db.close().await;
    match result {
        Verification::Intact { records } => {
            println!("{records} records, chain intact");
            Ok(())
        }
        Verification::Broken { seq, reason } => Err(format!(
            "the audit chain is broken at record {seq}: {reason}"
        )),
    }
}
