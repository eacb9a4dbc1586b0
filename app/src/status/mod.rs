//! The system status page: what the database holds, which database it is.

use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
pub mod store;

mod api;
pub use api::*;

mod views;
pub use views::*;

/// Counts of the core records and where they live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemStatus {
    pub regions: i64,
    pub stations: i64,
    pub officers: i64,
    pub vehicles: i64,
    pub cameras: i64,
    pub badges: i64,
    /// `SQLite` or `PostgreSQL`.
    pub backend: String,
    /// The database engine's version: for administrators and auditors only
    /// (to anyone else it says which attacks might work).
    pub backend_version: Option<String>,
    /// Vigía's own version.
    pub app_version: String,
}
