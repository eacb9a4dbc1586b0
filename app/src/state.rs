//! What every request handler and server function can reach.

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use crate::store::Db;

/// Shared, cheap-to-clone application state. Leptos provides it as context
/// to every page render and server function.
#[derive(Clone, Debug)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    /// IANA name of the zone times are shown in (e.g. `America/Guatemala`).
    pub timezone: String,
    /// A session ends this long after sign-in, active or not (ms).
    pub session_max_age_ms: i64,
    /// A session ends after this long without a request (ms).
    pub session_idle_ms: i64,
    /// Roles whose holders must sign in with a second factor (TOTP).
    pub totp_required_roles: Vec<crate::roles::Role>,
    /// A camera not heard from for longer than this (ms) is silent.
    pub camera_silent_ms: i64,
    /// A footage segment that ends longer than this (ms) before it arrives
    /// is flagged late.
    pub late_footage_ms: i64,
    /// Where footage files can be read to check them, if anywhere.
    pub footage_root: Option<std::path::PathBuf>,
    /// The contract's uptime target per camera, in percent.
    pub sla_target_percent: f64,
    /// Seals second-factor secrets at rest.
    pub secret_key: crate::sealed::SecretKey,
    /// How many uploads each route takes at once.
    pub uploads: UploadSlots,
    /// Where an uploaded file is kept while it is checked and stored (a
    /// folder of the data folder's, not memory).
    pub upload_dir: std::path::PathBuf,
    /// How long each stage of a case may take.
    pub case_deadlines: CaseDeadlines,
    /// What a badge track marks.
    pub tracking: TrackSettings,
    /// The deployment's own tile server for the maps' backgrounds, if any.
    pub map_tiles: Option<TileSource>,
    /// Where case documents' bytes are kept.
    pub documents: crate::documents::DocumentStore,
    /// What features keep in memory (the officer list), one value per
    /// type, registered at start-up: the state needs to know no feature.
    pub caches: Caches,
}

/// What a badge track marks (`VIGIA_TRACK_MAX_SPEED_KMH`,
/// `VIGIA_BADGE_SILENT_MINUTES`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackSettings {
    /// A move between two pings faster than this is marked (a jump).
    pub max_speed_kmh: u32,
    /// A badge that says nothing for longer than this during its wearer's
    /// shift is marked silent (a gap).
    pub silent_minutes: u32,
}

impl Default for TrackSettings {
    fn default() -> Self {
        TrackSettings {
            max_speed_kmh: 200,
            silent_minutes: 5,
        }
    }
}

/// A tile server on the deployment's own network (`VIGIA_TILE_URL`): an
/// XYZ template in Web Mercator (`https://tiles.example/{z}/{x}/{y}.png`,
/// as OpenStreetMap's servers and their copies serve them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileSource {
    template: String,
    /// `https://tiles.example` (the pages' Content-Security-Policy allows
    /// images from it, and from nowhere else outside Vigía).
    origin: String,
    attribution: Option<String>,
}

impl TileSource {
    /// Checks a template: `http://` or `https://`, a host, and each of
    /// `{z}`, `{x}` and `{y}`. The error says what is wrong, in English
    /// (it is a setting's, read by the operator at start-up).
    pub fn parse(template: &str, attribution: Option<&str>) -> Result<TileSource, String> {
        let template = template.trim();
        let rest = template
            .strip_prefix("https://")
            .or_else(|| template.strip_prefix("http://"))
            .ok_or_else(|| format!("{template:?} is not an http:// or https:// address"))?;
        let host = rest.split('/').next().unwrap_or("");
        if host.is_empty()
            || !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        {
            return Err(format!("{template:?} names no host"));
        }
        for part in ["{z}", "{x}", "{y}"] {
            if !rest.contains(part) {
                return Err(format!("{template:?} has no {part}"));
            }
        }
        if template
            .chars()
            .any(|c| c.is_whitespace() || c == '"' || c == '\'' || c == ';')
        {
            return Err(format!(
                "{template:?} holds a space, a quote or a semicolon"
            ));
        }
        let scheme_len = template.len() - rest.len();
        Ok(TileSource {
            origin: template[..scheme_len + host.len()].to_string(),
            template: template.to_string(),
            attribution: attribution
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_string),
        })
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The credit the tiles' licence asks for, if given.
    pub fn attribution(&self) -> Option<&str> {
        self.attribution.as_deref()
    }

    /// The address of tile (`x`, `y`) at zoom `z`.
    pub fn href(&self, z: u32, x: u32, y: u32) -> String {
        self.template
            .replace("{z}", &z.to_string())
            .replace("{x}", &x.to_string())
            .replace("{y}", &y.to_string())
    }
}

/// How long each stage may take (settings `VIGIA_CASE_INVESTIGATION_DAYS`,
/// `VIGIA_CASE_SUPERVISOR_REVIEW_DAYS`, `VIGIA_CASE_MINISTRY_DAYS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseDeadlines {
    /// From intake to the supervisor's review (intake and investigation).
    pub investigation_days: u32,
    pub supervisor_review_days: u32,
    /// From the case's arrival at the ministry to its decision.
    pub ministry_days: u32,
}

impl Default for CaseDeadlines {
    fn default() -> Self {
        CaseDeadlines {
            investigation_days: 90,
            supervisor_review_days: 15,
            ministry_days: 30,
        }
    }
}

/// Bounds on the uploads taken at once, per route: each one holds up to its
/// route's body limit while it is checked (16 MiB for a machine-API batch,
/// 64 MiB for a CSV import), so together they bound the memory and the
/// work that uploads can take from the rest of Vigía.
#[derive(Clone, Debug)]
pub struct UploadSlots {
    pub pings: std::sync::Arc<tokio::sync::Semaphore>,
    pub footage: std::sync::Arc<tokio::sync::Semaphore>,
    pub heartbeats: std::sync::Arc<tokio::sync::Semaphore>,
    pub imports: std::sync::Arc<tokio::sync::Semaphore>,
    pub documents: std::sync::Arc<tokio::sync::Semaphore>,
}

impl UploadSlots {
    /// Batches per machine-API route at once.
    pub const PER_INGEST_ROUTE: usize = 4;
    /// CSV imports at once.
    pub const IMPORTS: usize = 2;
    /// Case documents at once.
    pub const DOCUMENTS: usize = 4;

    pub fn new() -> UploadSlots {
        let slots = |n| std::sync::Arc::new(tokio::sync::Semaphore::new(n));
        UploadSlots {
            pings: slots(Self::PER_INGEST_ROUTE),
            footage: slots(Self::PER_INGEST_ROUTE),
            heartbeats: slots(Self::PER_INGEST_ROUTE),
            imports: slots(Self::IMPORTS),
            documents: slots(Self::DOCUMENTS),
        }
    }
}

impl Default for UploadSlots {
    fn default() -> Self {
        Self::new()
    }
}

/// Features' in-memory read models, by type.
#[derive(Clone, Debug, Default)]
pub struct Caches(std::sync::Arc<http::Extensions>);

impl Caches {
    pub fn new(caches: http::Extensions) -> Caches {
        Caches(std::sync::Arc::new(caches))
    }

    /// The cache of type `T`; a missing one is a start-up mistake, logged
    /// and answered as an internal error.
    pub fn get<T: Send + Sync + 'static>(&self) -> Result<&T, crate::error::AppError> {
        self.0.get::<T>().ok_or_else(|| {
            tracing::error!(
                cache = std::any::type_name::<T>(),
                "cache not registered at start-up"
            );
            crate::error::AppError::Internal
        })
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    /// How often a session in use is saved with a later idle expiry: a
    /// thirtieth of the idle time (a minute for the usual 30), so the
    /// store is not written on every request.
    pub fn session_touch_ms(&self) -> i64 {
        self.session_idle_ms / 30
    }

    /// The state of the current request, inside a server function. Private
    /// to the crate and used only by [`crate::rpc`], which asks the policy
    /// before it hands the state on.
    pub(crate) fn from_context() -> Result<AppState, crate::error::AppError> {
        leptos::prelude::use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from the server-function context");
            crate::error::AppError::Internal
        })
    }
}
