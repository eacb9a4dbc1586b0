//! The audit trail page, as a feature: searching the trail, paged, and the
//! query behind it and the CSV export. The trail itself (the chained
//! records and the transaction that writes them) is [`crate::audit`].

use crate::error::{AppError, ErrorMessage};
use crate::i18n::*;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
pub mod store;

mod api;
pub use api::*;

mod views;
pub use views::*;

/// What to look for in the trail; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditSearch {
    /// Exact username (or `anonymous`, `system`, `operator`).
    pub actor: Option<String>,
    /// Exact action name, e.g. `sign_in.failed`.
    pub action: Option<String>,
    /// Exact object id, e.g. a username.
    pub object: Option<String>,
    /// First day, `YYYY-MM-DD`, in the configured time zone.
    pub from: Option<String>,
    /// Last day, inclusive.
    pub to: Option<String>,
}

/// One record as the page and the export show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub seq: i64,
    /// In the configured time zone.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub outcome: String,
    pub ip: String,
    pub details: String,
}

/// A page of the trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

pub const PAGE_SIZE: i64 = 50;
