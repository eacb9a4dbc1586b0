//! Footage for investigators: for an officer (through the vehicles they
//! were assigned to) or a vehicle, and a time window, the segments of its
//! cameras, cabin and forward side by side on one time axis. Every listing
//! is a sensitive read, written to the audit trail.

use crate::codes::VerifyResult;
#[cfg(feature = "ssr")]
use crate::error::Field;
use crate::error::{AppError, ErrorMessage, Problem};
use crate::i18n::*;
#[cfg(feature = "ssr")]
use crate::policy::act;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

mod api;
pub use api::*;

#[cfg(feature = "ssr")]
pub mod store;

mod views;
pub use views::*;

/// One footage-segment reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentRow {
    pub segment: String,
    pub from_ms: i64,
    pub to_ms: i64,
    /// Guatemala time, `2026-11-21 14:05`.
    pub start: String,
    pub end: String,
    pub uri: String,
    pub bytes: i64,
    pub sha256: String,
    /// The last check of its file: `match`, `mismatch`, `unreadable`.
    pub verified: Option<String>,
    /// It arrived long after it was recorded (`VIGIA_LATE_FOOTAGE_HOURS`).
    pub late: bool,
}

/// One camera's segments in the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lane {
    pub plate: String,
    pub placement: String,
    pub segments: Vec<SegmentRow>,
}

/// What the footage page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FootageView {
    /// What was asked for: `officer 10417` or `vehicle PNC-0451`.
    pub subject: String,
    pub from_ms: i64,
    pub to_ms: i64,
    /// The window's ends in Guatemala time, for the axis.
    pub from: String,
    pub to: String,
    pub lanes: Vec<Lane>,
    pub segments: i64,
    /// Whether the reader may open a case (a segment is one click from one).
    pub may_open_case: bool,
}

/// The longest window one listing may cover.
pub const MAX_WINDOW_MS: i64 = 7 * 86_400_000;

/// What checking a segment's file found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub segment: String,
    pub result: VerifyResult,
    /// The SHA-256 of the file as read now, if it could be read.
    pub computed: Option<String>,
    /// Why it could not be read, if so.
    pub detail: Option<Problem>,
}

fn placement_label(i18n: leptos_i18n::I18nContext<Locale>, placement: &str) -> String {
    if placement == "cabin" {
        t_string!(i18n, footage_cabin).to_string()
    } else {
        t_string!(i18n, footage_forward).to_string()
    }
}
