//! Internal-affairs cases, from intake to the ministry's decision
//! (DESIGN.md "Records" and "Case workflow"; issue 14).
//!
//! The parts, as in every feature: the types shared with the browser
//! (here), the server functions (`api`), the pages (`views`, `intake`), and
//! behind `ssr` the rules (`workflow`: which step is open from which
//! status, the deadlines), the store (`store` reads, within the reader's
//! row scope; `write` changes a case in one audited transaction, after the
//! policy has decided on that case as read inside it) and the search's
//! dialect split (`search`).
//!
//! A case a reader may not see does not exist for them: the store's every
//! list, count, search and read carries the reader's [`CaseScope`]
//! (crate::policy) in its SQL, and a case outside it is "not found".

use serde::{Deserialize, Serialize};

mod api;
mod evidence_views;
pub mod intake;
mod timeline_views;
mod views;
pub use api::*;
pub use views::*;

#[cfg(feature = "ssr")]
pub mod evidence;
#[cfg(feature = "ssr")]
pub mod search;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod suspensions;
#[cfg(feature = "ssr")]
pub mod workflow;
#[cfg(feature = "ssr")]
pub mod write;

pub use crate::codes::{
    AllegationKind, CaseMove, CaseOrigin, CaseStatus, Finding, Outcome, SubjectRole,
};

pub const PAGE_SIZE: i64 = 50;

/// What the case list is asked for; every field optional. The same names
/// are the query parameters of `/cases` and `/cases.csv`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFilter {
    /// Words of the number, title, summary, notes or subjects' names.
    pub q: Option<String>,
    pub status: Option<String>,
    pub origin: Option<String>,
    /// An allegation kind any accused subject faces.
    pub allegation: Option<String>,
    /// A region's code (`13`).
    pub region: Option<String>,
    /// `me`, `none`, or an investigator's user name.
    pub assigned: Option<String>,
    /// `1`: only cases past their stage's due date.
    pub overdue: Option<String>,
    /// `1` sealed only, `0` not sealed only.
    pub sealed: Option<String>,
    /// number (newest first, the default), intake, due, status.
    pub sort: Option<String>,
    pub page: Option<i64>,
}

/// A case in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRow {
    pub number: String,
    pub title: String,
    pub status: CaseStatus,
    pub origin: CaseOrigin,
    pub sealed: bool,
    pub assigned: Option<String>,
    pub region: String,
    pub intake_on: String,
    pub due_on: Option<String>,
    pub overdue: bool,
    pub paused: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CasePage {
    pub rows: Vec<CaseRow>,
    pub total: i64,
    /// A search with more matches than `total` (the count stops at 1,000).
    pub more: bool,
    pub page: i64,
    pub pages: i64,
    /// Whether the reader may open new cases.
    pub may_create: bool,
    /// The filter applied (an investigator with no filter lands on their
    /// own cases: `assigned=me`).
    pub filter: CaseFilter,
}

/// Someone with an account, as a case shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub username: String,
    pub display_name: String,
}

/// The complainant, as this reader may see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Complainant {
    /// The case came in without one (a test, a camera review…).
    None,
    Anonymous,
    Named {
        name: String,
        contact: String,
    },
    /// There is a named complainant this reader may not see.
    Masked,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllegationView {
    pub id: i64,
    pub kind: AllegationKind,
    pub finding: Finding,
    pub finding_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionView {
    pub outcome: Outcome,
    pub suspension_days: Option<i64>,
    pub basis: String,
    pub decided_on: String,
    pub decided_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectView {
    pub id: i64,
    pub badge_number: String,
    pub name: String,
    pub unit_code: String,
    pub role: SubjectRole,
    pub allegations: Vec<AllegationView>,
    /// The ministry's decision in force, for an accused officer.
    pub decision: Option<DecisionView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteView {
    pub id: i64,
    pub body: String,
    pub author: String,
    /// Local time, `2026-11-21 06:00`.
    pub at: String,
    /// The note this one corrects.
    pub corrects: Option<i64>,
}

/// What an evidence link points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EvidenceKind {
    Footage,
    ConfidenceTest,
    Document,
    /// An officer's badge track over a window.
    Track,
}

/// A piece of evidence linked to the case: the stored record it points at
/// (never a copy), who linked it, when and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceView {
    pub id: i64,
    pub kind: EvidenceKind,
    /// The record, in short: a segment's id, a test's kind and date, a
    /// document's name.
    pub label: String,
    /// More about it: the camera and the time range, the officer and the
    /// result, the type, size and SHA-256.
    pub detail: String,
    /// Where the record is read (an officer's file, a vehicle's page, the
    /// document's download).
    pub href: Option<String>,
    /// A test's kind, date and result, for those who may read tests.
    pub test: Option<TestChoice>,
    pub reason: String,
    pub linked_by: String,
    pub at: String,
}

/// A document of the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentView {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    /// `1.2 MB`.
    pub size: String,
    pub sha256: String,
    pub uploaded_by: String,
    pub at: String,
    /// Why it is in the case.
    pub reason: String,
    /// `/cases/IA-2013-000001/documents/3`.
    pub href: String,
}

/// A confidence test of one of the case's officers, which may be linked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestChoice {
    pub id: i64,
    pub badge_number: String,
    pub kind: crate::codes::TestKind,
    pub taken_on: String,
    pub result: crate::codes::TestResult,
}

/// One change to the case, read from the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    /// The audit action's stored name (`case.moved`).
    pub action: String,
    /// What changed: the record's details, field by field, as stored
    /// (the page names each field and code in the reader's language).
    pub details: Vec<TimelineDetail>,
}

/// One field of a timeline entry's details: its stored name and value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineDetail {
    pub key: String,
    pub value: String,
}

/// What the reader may do to the case now: the policy's answers for this
/// reader and this case, and the workflow's for its status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseActions {
    /// The workflow steps open to this reader now.
    pub moves: Vec<CaseMove>,
    pub add_subject: bool,
    pub add_allegation: bool,
    pub record_finding: bool,
    pub add_note: bool,
    pub assign: bool,
    pub seal: bool,
    pub unseal: bool,
    pub pause: bool,
    pub resume: bool,
    pub decide: bool,
    /// Link footage, tests and documents; upload documents.
    pub link_evidence: bool,
    /// Open the case's officers' tracks (and, with `link_evidence`, link
    /// a window of one from the track page).
    pub read_tracks: bool,
}

/// One case as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFile {
    pub number: String,
    pub title: String,
    pub summary: String,
    pub origin: CaseOrigin,
    pub intake_on: String,
    pub incident_at: Option<String>,
    /// The window a subject's track opens on from the case (RFC 3339):
    /// four hours either side of the incident when its time is known, the
    /// last eight hours otherwise.
    pub track_window: (String, String),
    pub unit: Option<String>,
    pub place: String,
    pub status: CaseStatus,
    pub sealed: bool,
    pub assigned: Option<Person>,
    pub due_on: Option<String>,
    pub overdue: bool,
    pub paused_on: Option<String>,
    pub pause_reason: Option<String>,
    pub complainant: Complainant,
    pub created_by: String,
    pub decided_on: Option<String>,
    pub subjects: Vec<SubjectView>,
    pub notes: Vec<NoteView>,
    pub evidence: Vec<EvidenceView>,
    pub documents: Vec<DocumentView>,
    /// The tests of the case's officers not linked yet (for those who may
    /// link evidence).
    pub linkable_tests: Vec<TestChoice>,
    /// Whom the case may be assigned to (for those who may assign it).
    pub assignable: Vec<Person>,
    /// The most a document may weigh, in bytes, and in words.
    pub document_max_bytes: u64,
    pub document_max: String,
    pub timeline: Vec<TimelineEntry>,
    pub actions: CaseActions,
}

/// A new case as typed on the intake form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseInput {
    pub title: String,
    pub summary: String,
    pub origin: String,
    /// `YYYY-MM-DD`; empty: today.
    pub intake_on: String,
    /// ISO 8601, may be empty; without an offset, Guatemala time.
    pub incident_at: String,
    /// A unit's code (region or station), may be empty.
    pub unit: String,
    pub place: String,
    /// `none`, `anonymous` or `named`.
    pub complainant: String,
    pub complainant_name: String,
    pub complainant_contact: String,
    /// An officer to add as accused at once (intake started from their
    /// file or their failed test), may be empty.
    pub accused: String,
    /// Evidence to link at once (intake started from a failed test or a
    /// footage segment): a test's id, a segment's id, may be empty…
    #[serde(default)]
    pub test: String,
    #[serde(default)]
    pub segment: String,
    /// …and why it matters (one sentence).
    #[serde(default)]
    pub evidence_reason: String,
}

/// A case in an officer's file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficerCase {
    pub number: String,
    pub title: String,
    pub status: CaseStatus,
    pub role: SubjectRole,
    pub decision: Option<Outcome>,
}

/// An investigator a supervisor may assign a case to.
pub type Investigator = Person;
