//! Settings: from flags or the environment, checked before anything is
//! written. A bad value is one line naming the setting and the reason.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use app::store::Backend;

/// Settings as given, before checking (flags win over the environment).
#[derive(Clone, Default)]
pub struct RawSettings {
    pub database_url: Option<String>,
    pub bind: Option<String>,
    pub data_dir: Option<String>,
    pub timezone: Option<String>,
    pub public_url: Option<String>,
    pub session_idle_minutes: Option<String>,
    pub session_max_hours: Option<String>,
    pub totp_required_roles: Option<String>,
    pub camera_silent_minutes: Option<String>,
    pub footage_root: Option<String>,
    pub sla_target_percent: Option<String>,
    pub secret_key_file: Option<String>,
    pub trusted_proxies: Option<String>,
    pub allowed_hosts: Option<String>,
    pub late_footage_hours: Option<String>,
    pub case_investigation_days: Option<String>,
    pub case_supervisor_review_days: Option<String>,
    pub case_ministry_days: Option<String>,
    pub documents_url: Option<String>,
    pub document_max_mb: Option<String>,
    pub stall_exit_seconds: Option<String>,
    pub track_max_speed_kmh: Option<String>,
    pub badge_silent_minutes: Option<String>,
    pub ping_retention_days: Option<String>,
    pub tile_url: Option<String>,
    pub tile_attribution: Option<String>,
}

impl std::fmt::Debug for RawSettings {
    // The database URL may carry a password: never print it whole.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawSettings")
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_url),
            )
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("timezone", &self.timezone)
            .finish_non_exhaustive()
    }
}

/// Checked settings.
#[derive(Clone, PartialEq, Eq)]
pub struct Settings {
    /// `sqlite://…` or `postgres://…`.
    pub database_url: String,
    pub backend: Backend,
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    /// IANA zone name times are shown in.
    pub timezone: String,
    /// The address people reach Vigía at, when it is behind a proxy.
    pub public_url: Option<String>,
    /// A session ends after this long without a request…
    pub session_idle: Duration,
    /// …and this long after sign-in in any case.
    pub session_max: Duration,
    /// Roles whose holders must sign in with a second factor.
    pub totp_required_roles: Vec<app::identity::Role>,
    /// A camera heard from neither by heartbeat nor by footage for longer
    /// than this is `silent`.
    pub camera_silent: Duration,
    /// The file with the key that seals secrets at rest (TOTP secrets);
    /// `None`: `<data dir>/secret.key`, created on first run.
    pub secret_key_file: Option<PathBuf>,
    /// A local folder holding (a mirror of) the footage files, for
    /// checking segments against their SHA-256.
    pub footage_root: Option<PathBuf>,
    /// The contract's uptime target for each camera, in percent.
    pub sla_target_percent: u64,
    /// A footage segment ending longer than this before it arrives is late.
    pub late_footage: Duration,
    /// Proxies whose `X-Forwarded-For` names the client (none by default:
    /// the peer is the client).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The host names a state-changing request may be addressed to
    /// (lowercase, no port): loopback, the bind address, the public URL's
    /// host and `VIGIA_ALLOWED_HOSTS`. A page on another name (DNS
    /// rebinding) cannot drive the forms.
    pub allowed_hosts: Vec<String>,
    /// How long each stage of a case may take.
    pub case_deadlines: app::state::CaseDeadlines,
    /// What a badge track marks: jumps faster than this, silences longer
    /// than that during a shift.
    pub tracking: app::state::TrackSettings,
    /// Badge pings older than this many days are removed (daily, audited);
    /// `None`: every ping is kept.
    pub ping_retention_days: Option<u32>,
    /// The deployment's own tile server for the maps' backgrounds; `None`
    /// (the default): the maps draw the shipped boundaries only and fetch
    /// nothing.
    pub map_tiles: Option<app::tracking::map::TileSource>,
    /// Where case documents are kept: `None`, `<data dir>/documents`;
    /// `s3://bucket/prefix`, or a folder.
    pub documents_url: Option<String>,
    /// The most one case document may weigh.
    pub document_max_bytes: u64,
    /// `vigia serve` exits when its async workers have all been stuck this
    /// long (nothing answers then, not even `/healthz`), so that the
    /// service manager starts it again; `None`: never.
    pub stall_exit: Option<Duration>,
}

impl Settings {
    /// Session cookies are `Secure` when Vigía is reached over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}

impl std::fmt::Debug for Settings {
    // The database URL may carry a password: never print it whole.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &redact_url(&self.database_url))
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("timezone", &self.timezone)
            .field("public_url", &self.public_url)
            .field("session_idle", &self.session_idle)
            .field("session_max", &self.session_max)
            .field("totp_required_roles", &self.totp_required_roles)
            .field("camera_silent", &self.camera_silent)
            .field("footage_root", &self.footage_root)
            .field("sla_target_percent", &self.sla_target_percent)
            .field("secret_key_file", &self.secret_key_file)
            .field("documents_url", &self.documents_url)
            .field("document_max_bytes", &self.document_max_bytes)
            .finish()
    }
}

/// A setting that cannot be used, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{setting}: {reason}")]
pub struct SettingError {
    /// The environment variable and flag, e.g. `VIGIA_BIND (--bind)`.
    pub setting: &'static str,
    pub reason: String,
}

pub const DEFAULT_BIND: &str = "127.0.0.1:3000";
pub const DEFAULT_DATA_DIR: &str = "data";
pub const DEFAULT_TIMEZONE: &str = "America/Guatemala";

impl RawSettings {
    /// Checks every setting; writes nothing.
    pub fn check(&self) -> Result<Settings, SettingError> {
        let data_dir = PathBuf::from(self.data_dir.as_deref().unwrap_or(DEFAULT_DATA_DIR));
        if data_dir.as_os_str().is_empty() {
            return Err(err(
                "VIGIA_DATA_DIR (--data-dir)",
                "must not be empty".into(),
            ));
        }
        if data_dir.exists() && !data_dir.is_dir() {
            return Err(err(
                "VIGIA_DATA_DIR (--data-dir)",
                format!("{} exists and is not a folder", data_dir.display()),
            ));
        }

        let database_url = match &self.database_url {
            Some(url) => url.trim().to_string(),
            None => format!("sqlite://{}/vigia.db", data_dir.display()),
        };
        let backend = check_database_url(&database_url)?;

        let bind_text = self.bind.as_deref().unwrap_or(DEFAULT_BIND);
        let bind: SocketAddr = bind_text.trim().parse().map_err(|_| {
            err(
                "VIGIA_BIND (--bind)",
                format!("{bind_text:?} is not an IP address and port, such as 127.0.0.1:3000"),
            )
        })?;

        let timezone = self.timezone.as_deref().unwrap_or(DEFAULT_TIMEZONE).trim();
        if timezone.parse::<chrono_tz::Tz>().is_err() {
            return Err(err(
                "VIGIA_TIMEZONE (--timezone)",
                format!("{timezone:?} is not an IANA time zone name, such as America/Guatemala"),
            ));
        }

        let public_url = match self.public_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(u) if (u.starts_with("https://") || u.starts_with("http://")) && u.len() > 8 => {
                Some(u.trim_end_matches('/').to_string())
            }
            Some(u) => {
                return Err(err(
                    "VIGIA_PUBLIC_URL (--public-url)",
                    format!("{u:?} is not an http:// or https:// address"),
                ))
            }
        };
        let trusted_proxies = self
            .trusted_proxies
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| {
                n.parse::<ipnet::IpNet>()
                    .or_else(|_| n.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| {
                        err(
                            "VIGIA_TRUSTED_PROXIES (--trusted-proxies)",
                            format!("{n:?} is not a network such as 10.0.0.0/8, nor an address"),
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut allowed_hosts: Vec<String> =
            vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
        if !bind.ip().is_unspecified() {
            allowed_hosts.push(bind.ip().to_string());
        }
        if let Some(host) = public_url.as_deref().and_then(host_of) {
            allowed_hosts.push(host);
        }
        for h in self
            .allowed_hosts
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
        {
            if h.is_empty() {
                continue;
            }
            let plain = h
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
            if !plain {
                return Err(err(
                    "VIGIA_ALLOWED_HOSTS (--allowed-hosts)",
                    format!("{h:?} is not a host name or address"),
                ));
            }
            allowed_hosts.push(h.trim_matches(['[', ']']).to_lowercase());
        }
        allowed_hosts.dedup();
        let stall_exit = whole_number(
            "VIGIA_STALL_EXIT_SECONDS (--stall-exit-seconds)",
            self.stall_exit_seconds.as_deref(),
            60,
            0..=3_600,
        )?;
        let late_footage = whole_number(
            "VIGIA_LATE_FOOTAGE_HOURS (--late-footage-hours)",
            self.late_footage_hours.as_deref(),
            24,
            1..=720,
        )?;
        let session_idle = whole_number(
            "VIGIA_SESSION_IDLE_MINUTES (--session-idle-minutes)",
            self.session_idle_minutes.as_deref(),
            30,
            1..=1_440,
        )?;
        let session_max = whole_number(
            "VIGIA_SESSION_MAX_HOURS (--session-max-hours)",
            self.session_max_hours.as_deref(),
            12,
            1..=72,
        )?;
        let camera_silent = whole_number(
            "VIGIA_CAMERA_SILENT_MINUTES (--camera-silent-minutes)",
            self.camera_silent_minutes.as_deref(),
            10,
            1..=1_440,
        )?;

        let sla_target_percent = whole_number(
            "VIGIA_SLA_TARGET_PERCENT (--sla-target-percent)",
            self.sla_target_percent.as_deref(),
            98,
            1..=100,
        )?;
        let tracking = app::state::TrackSettings {
            max_speed_kmh: whole_number(
                "VIGIA_TRACK_MAX_SPEED_KMH (--track-max-speed-kmh)",
                self.track_max_speed_kmh.as_deref(),
                200,
                20..=2_000,
            )? as u32,
            silent_minutes: whole_number(
                "VIGIA_BADGE_SILENT_MINUTES (--badge-silent-minutes)",
                self.badge_silent_minutes.as_deref(),
                5,
                1..=240,
            )? as u32,
        };
        let ping_retention_days = match self.ping_retention_days.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(v) => Some(whole_number(
                "VIGIA_PING_RETENTION_DAYS (--ping-retention-days)",
                Some(v),
                0,
                1..=36_500,
            )? as u32),
        };
        let map_tiles = match self.tile_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(url) => Some(
                app::tracking::map::TileSource::parse(url, self.tile_attribution.as_deref())
                    .map_err(|e| err("VIGIA_TILE_URL (--tile-url)", e))?,
            ),
        };
        let days = |setting, value: &Option<String>, default| {
            whole_number(setting, value.as_deref(), default, 1..=3_650).map(|d| d as u32)
        };
        let case_deadlines = app::state::CaseDeadlines {
            investigation_days: days(
                "VIGIA_CASE_INVESTIGATION_DAYS (--case-investigation-days)",
                &self.case_investigation_days,
                90,
            )?,
            supervisor_review_days: days(
                "VIGIA_CASE_SUPERVISOR_REVIEW_DAYS (--case-supervisor-review-days)",
                &self.case_supervisor_review_days,
                15,
            )?,
            ministry_days: days(
                "VIGIA_CASE_MINISTRY_DAYS (--case-ministry-days)",
                &self.case_ministry_days,
                30,
            )?,
        };
        let documents_url = match self.documents_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(url) if url.starts_with("s3://") => {
                if url["s3://".len()..]
                    .split('/')
                    .next()
                    .unwrap_or("")
                    .is_empty()
                {
                    return Err(err(
                        "VIGIA_DOCUMENTS_URL (--documents-url)",
                        format!("{url:?} names no bucket: give s3://bucket/prefix"),
                    ));
                }
                Some(url.to_string())
            }
            Some(url) if url.contains("://") && !url.starts_with("file://") => {
                return Err(err(
                    "VIGIA_DOCUMENTS_URL (--documents-url)",
                    format!("{url:?}: give s3://bucket/prefix, file:///folder or a folder's path"),
                ))
            }
            Some(url) => Some(url.to_string()),
        };
        let document_max_bytes = whole_number(
            "VIGIA_DOCUMENT_MAX_MB (--document-max-mb)",
            self.document_max_mb.as_deref(),
            50,
            1..=2_048,
        )? * 1024
            * 1024;
        let footage_root = match self.footage_root.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(dir) => {
                let path = PathBuf::from(dir);
                if !path.is_dir() {
                    return Err(err(
                        "VIGIA_FOOTAGE_ROOT (--footage-root)",
                        format!("{dir:?} is not a folder this process can read"),
                    ));
                }
                Some(path)
            }
        };

        let secret_key_file = match self.secret_key_file.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(file) => {
                let path = PathBuf::from(file);
                // Read now, so a missing or unreadable key stops `vigia`
                // before anything is written.
                app::sealed::SecretKey::load(Some(&path), &data_dir)
                    .map_err(|e| err("VIGIA_SECRET_KEY_FILE (--secret-key-file)", e.reason))?;
                Some(path)
            }
        };

        // Every role by default (CJIS IA-2): a deployment may relax it.
        let every_role = app::identity::Role::ALL
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let totp_required_roles =
            app::identity::parse_roles(self.totp_required_roles.as_deref().unwrap_or(&every_role))
                .map_err(|e| {
                    err(
                        "VIGIA_TOTP_REQUIRED_ROLES (--totp-required-roles)",
                        match e {
                            app::error::AppError::Validation { problem, .. } => problem.english(),
                            other => other.to_string(),
                        },
                    )
                })?;

        Ok(Settings {
            late_footage: Duration::from_secs(late_footage * 3600),
            trusted_proxies,
            allowed_hosts,
            totp_required_roles,
            database_url,
            backend,
            bind,
            data_dir,
            timezone: timezone.to_string(),
            public_url,
            session_idle: Duration::from_secs(session_idle * 60),
            session_max: Duration::from_secs(session_max * 3_600),
            camera_silent: Duration::from_secs(camera_silent * 60),
            footage_root,
            sla_target_percent,
            secret_key_file,
            case_deadlines,
            tracking,
            ping_retention_days,
            map_tiles,
            documents_url,
            document_max_bytes,
            stall_exit: (stall_exit > 0).then(|| Duration::from_secs(stall_exit)),
        })
    }
}

impl Settings {
    /// The key that seals secrets at rest: the configured file's, or the
    /// data folder's (created, readable by its owner only, on first run).
    /// `uploads/` in the data folder, made if missing, emptied of files an
    /// earlier run left (an upload lives only while its request does).
    pub fn upload_dir(&self) -> Result<PathBuf, String> {
        let dir = self.data_dir.join("uploads");
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot make the uploads folder {}: {e}", dir.display()))?;
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries.flatten() {
                if entry.file_type().is_ok_and(|t| t.is_file()) {
                    if let Err(e) = std::fs::remove_file(entry.path()) {
                        tracing::warn!(error = %e, file = %entry.path().display(), "cannot remove a stale upload");
                    }
                }
            }
        }
        Ok(dir)
    }

    /// The document store, opened (its folder made if missing).
    pub fn documents(&self) -> Result<app::documents::DocumentStore, String> {
        app::documents::DocumentStore::open(
            self.documents_url.as_deref(),
            &self.data_dir,
            self.document_max_bytes,
        )
    }

    pub fn secret_key(&self) -> Result<app::sealed::SecretKey, String> {
        app::sealed::SecretKey::load(self.secret_key_file.as_deref(), &self.data_dir)
            .map_err(|e| format!("VIGIA_SECRET_KEY_FILE (--secret-key-file): {e}"))
    }
}

fn whole_number(
    setting: &'static str,
    value: Option<&str>,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, SettingError> {
    let Some(text) = value else {
        return Ok(default);
    };
    match text.trim().parse::<u64>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(err(
            setting,
            format!(
                "{text:?} is not a whole number from {} to {}",
                range.start(),
                range.end()
            ),
        )),
    }
}

fn err(setting: &'static str, reason: String) -> SettingError {
    SettingError { setting, reason }
}

fn check_database_url(url: &str) -> Result<Backend, SettingError> {
    const NAME: &str = "VIGIA_DATABASE_URL (--database-url)";
    let backend = Backend::from_url(url)
        .map_err(|reason| err(NAME, format!("{:?} {reason}", redact_url(url))))?;
    match backend {
        Backend::Sqlite => {
            let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() || path == ":memory:" {
                return Err(err(
                    NAME,
                    "a SQLite URL needs a file path, such as sqlite://data/vigia.db".into(),
                ));
            }
            let path = std::path::Path::new(path);
            if path.is_dir() {
                return Err(err(
                    NAME,
                    format!("{} is a folder, not a file", path.display()),
                ));
            }
        }
        Backend::Postgres => {
            let rest = url.split_once("://").map(|(_, r)| r).unwrap_or_default();
            let host = rest.rsplit_once('@').map(|(_, h)| h).unwrap_or(rest);
            if host.is_empty() || host.starts_with('/') {
                return Err(err(
                    NAME,
                    "a PostgreSQL URL needs a host, such as postgres://user@127.0.0.1:5432/vigia"
                        .into(),
                ));
            }
        }
    }
    Ok(backend)
}

/// The URL without its password, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            if userinfo.contains(':') {
                format!("{scheme}://{user}:***@{host}")
            } else {
                format!("{scheme}://{user}@{host}")
            }
        }
        None => url.to_string(),
    }
}

/// The host of `scheme://host[:port][/…]`, lowercase, without brackets.
pub fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        authority
            .rsplit_once(':')
            .map(|(h, _)| h)
            .unwrap_or(authority)
    };
    (!host.is_empty()).then(|| host.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxies_and_hosts_are_checked_and_the_public_host_is_allowed() {
        let s = RawSettings {
            trusted_proxies: Some("10.0.0.0/8, 192.0.2.7".into()),
            public_url: Some("https://Vigia.Example.gt/".into()),
            allowed_hosts: Some("vigia.interno".into()),
            ..Default::default()
        }
        .check()
        .unwrap();
        assert_eq!(s.trusted_proxies.len(), 2);
        assert!(s.trusted_proxies[1].contains(&"192.0.2.7".parse::<std::net::IpAddr>().unwrap()));
        for h in [
            "localhost",
            "127.0.0.1",
            "vigia.example.gt",
            "vigia.interno",
        ] {
            assert!(
                s.allowed_hosts.iter().any(|a| a == h),
                "{h}: {:?}",
                s.allowed_hosts
            );
        }
        let e = RawSettings {
            trusted_proxies: Some("10.0.0.0/33".into()),
            ..Default::default()
        }
        .check()
        .unwrap_err();
        assert_eq!(e.setting, "VIGIA_TRUSTED_PROXIES (--trusted-proxies)");
        let e = RawSettings {
            allowed_hosts: Some("evil example".into()),
            ..Default::default()
        }
        .check()
        .unwrap_err();
        assert_eq!(e.setting, "VIGIA_ALLOWED_HOSTS (--allowed-hosts)");
        assert_eq!(host_of("http://[::1]:3000/x").as_deref(), Some("::1"));
    }

    #[test]
    fn a_tile_server_is_off_by_default_and_checked_when_named() {
        assert_eq!(RawSettings::default().check().unwrap().map_tiles, None);
        let raw = |v: &str| RawSettings {
            tile_url: Some(v.into()),
            tile_attribution: Some("© OpenStreetMap contributors".into()),
            ..Default::default()
        };
        let s = raw("http://10.1.2.3:8080/{z}/{x}/{y}.png").check().unwrap();
        assert_eq!(s.map_tiles.unwrap().origin(), "http://10.1.2.3:8080");
        let e = raw("https://tiles.example/{z}/{y}.png")
            .check()
            .unwrap_err();
        assert_eq!(e.setting, "VIGIA_TILE_URL (--tile-url)");
        assert!(e.reason.contains("has no {x}"), "{e}");
    }

    #[test]
    fn defaults_are_sqlite_in_data_and_guatemala_time() {
        let s = RawSettings::default().check().unwrap();
        assert_eq!(s.database_url, "sqlite://data/vigia.db");
        assert_eq!(s.backend, Backend::Sqlite);
        assert_eq!(s.bind.to_string(), "127.0.0.1:3000");
        assert_eq!(s.timezone, "America/Guatemala");
        assert_eq!(s.camera_silent, Duration::from_secs(600));
        assert_eq!(
            s.totp_required_roles,
            app::identity::Role::ALL.to_vec(),
            "a second factor for every role"
        );
    }

    #[test]
    fn the_silent_camera_time_is_whole_minutes_up_to_a_day() {
        let raw = |v: &str| RawSettings {
            camera_silent_minutes: Some(v.into()),
            ..Default::default()
        };
        assert_eq!(
            raw("15").check().unwrap().camera_silent,
            Duration::from_secs(900)
        );
        let e = raw("0").check().unwrap_err();
        assert_eq!(
            e.setting,
            "VIGIA_CAMERA_SILENT_MINUTES (--camera-silent-minutes)"
        );
        assert!(e.reason.contains("from 1 to 1440"), "{e}");
    }

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact_url("postgres://vigia:s3cret@db:5432/vigia"),
            "postgres://vigia:***@db:5432/vigia"
        );
        let raw = RawSettings {
            database_url: Some("postgres://vigia:s3cret@db/vigia".into()),
            ..Default::default()
        };
        assert!(!format!("{:?}", raw.check().unwrap()).contains("s3cret"));
    }
}
