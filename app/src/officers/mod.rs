//! Officer records: the list, the profile, the units tree, the forms that
//! change them and the CSV import.
//!
//! The parts, as in every feature: the types shared with the browser
//! (here), the server functions (`api`), the pages (`views`, `forms`,
//! `import`), and behind `ssr` the service and store (`rules` checks a
//! field, `write` changes records, `importer` imports files, `store` and
//! `directory` read them).

use serde::{Deserialize, Serialize};

mod api;
mod views;
pub use api::*;
pub use views::*;

#[cfg(feature = "ssr")]
pub mod directory;
pub mod forms;
pub mod import;
#[cfg(feature = "ssr")]
pub mod importer;
#[cfg(feature = "ssr")]
pub mod rules;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod write;

pub const PAGE_SIZE: i64 = 50;

pub use crate::codes::{AssignmentRole, OfficerStatus, Rank, TestKind, TestResult};

/// What the officer list is asked for; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficerFilter {
    /// Words of the name or the badge number; accents and case do not matter.
    pub q: Option<String>,
    pub rank: Option<String>,
    /// A region (`13`) or station (`13-02`) code.
    pub unit: Option<String>,
    pub status: Option<String>,
    /// name, badge, rank, unit, status or hired.
    pub sort: Option<String>,
    pub page: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficerRow {
    pub badge_number: String,
    pub given_names: String,
    pub family_names: String,
    pub rank: Rank,
    pub status: OfficerStatus,
    pub unit_code: String,
    pub unit_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficerPage {
    pub rows: Vec<OfficerRow>,
    /// Whether the reader may add officers.
    pub may_write: bool,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChipRow {
    pub chip_id: String,
    pub from_ms: i64,
    pub to_ms: Option<i64>,
    /// `2024-03-01 → 2025-07-15`, dates in the configured zone.
    pub period: String,
    /// The chip's latest ping (Guatemala time) and the battery it reported,
    /// per cent: badge health.
    pub last_ping: Option<String>,
    pub battery_pct: Option<u8>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficerProfile {
    pub badge_number: String,
    pub given_names: String,
    pub family_names: String,
    pub rank: Rank,
    pub status: OfficerStatus,
    pub status_changed_on: Option<String>,
    pub hire_date: String,
    /// Masked (`•••• ••••• 1301`) unless the reader is a supervisor.
    pub national_id: Option<String>,
    pub national_id_masked: bool,
    pub unit_code: String,
    pub unit_name: String,
    pub region_code: String,
    pub region_name: String,
    pub chips: Vec<ChipRow>,
    pub history: Vec<StatusEvent>,
    /// The latest vehicle assignments, newest first (at most 20).
    pub assignments: Vec<AssignmentRow>,
    /// How many assignments the officer has in all.
    pub assignment_count: i64,
    /// Whether the reader may record changes (the policy's answer, so the
    /// page offers only what the server would accept).
    pub may_write: bool,
    /// The officer's badge track over the last 8 hours, for readers of
    /// tracks.
    pub track_href: Option<String>,
}

/// A recorded status change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusEvent {
    pub status: OfficerStatus,
    pub effective_on: String,
    pub reason: String,
    pub recorded_by: String,
    /// The case whose decision set this status, if one did.
    pub case_number: Option<String>,
}

/// A status change to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub badge_number: String,
    pub status: String,
    /// `YYYY-MM-DD`, not in the future, not before the hire date.
    pub effective_on: String,
    pub reason: String,
}

/// An officer as typed in the form or a CSV row. The field names are the
/// CSV's column names, so an error names the same thing in both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficerInput {
    pub badge_number: String,
    pub given_names: String,
    pub family_names: String,
    pub rank: String,
    /// The unit's code, e.g. `13-02`.
    pub unit: String,
    /// New officers only; later changes go through a status change.
    pub status: String,
    pub hire_date: String,
    /// 13 digits; may be empty.
    pub national_id: String,
}

/// A vehicle assignment as typed (CSV columns
/// `badge_number,vehicle,from,to,role`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentInput {
    pub badge_number: String,
    /// The vehicle's plate, e.g. `PNC-0451`.
    pub vehicle: String,
    /// ISO 8601; without an offset, Guatemala time.
    pub from: String,
    pub to: String,
    /// driver or crew.
    pub role: String,
}

/// A badge chip handed to an officer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChipInput {
    pub badge_number: String,
    pub chip_id: String,
    /// ISO 8601; without an offset, Guatemala time.
    pub from: String,
}

/// A confidence test as typed (CSV columns
/// `badge_number,kind,date,result,examiner,notes`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestInput {
    pub badge_number: String,
    pub kind: String,
    pub date: String,
    pub result: String,
    pub examiner: String,
    pub notes: String,
}

/// A vehicle assignment on the officer's file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentRow {
    pub plate: String,
    pub unit_code: String,
    /// Local (Guatemala) times, `2026-11-21 06:00`.
    pub from: String,
    pub to: String,
    pub role: AssignmentRole,
    /// Whether the shift is under way now.
    pub current: bool,
}

/// A confidence test on the officer's file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestRow {
    /// What a case's evidence link names.
    pub id: i64,
    pub kind: TestKind,
    pub date: String,
    pub result: TestResult,
    pub examiner: String,
    pub notes: String,
    pub recorded_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitNode {
    pub code: String,
    pub name: String,
    /// national, region or station.
    pub kind: String,
    pub parent_code: String,
    pub officers: i64,
    pub vehicles: i64,
}

/// What the reader may do on an officer's file (the policy's answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileAccess {
    pub write: bool,
    pub read_tests: bool,
    pub write_tests: bool,
    pub read_cases: bool,
}
