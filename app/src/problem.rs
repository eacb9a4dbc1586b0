//! What the user is told when something is refused, as a code and its
//! arguments. The words live in the translation files (`locales/*.json`,
//! keys `problem_*` and `field_*`), so the Spanish interface shows Spanish
//! and the English one English; the log, the command line and the machine
//! API show the English text ([`Problem::english`], `Display`).
//!
//! A problem's template names its arguments in single braces
//! (`"{given}" is not a date like 2026-11-28`); [`Problem::message`] fills
//! them in. Every variant's key must exist in the default locale or the
//! crate does not compile, and a test checks that both files hold the same
//! keys with the same arguments.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::codes::{AllegationKind, CaseStatus, OfficerStatus, SubjectRole, TestKind, TestResult};
use crate::i18n::{td_string, Locale};

macro_rules! problems {
    ($(
        $(#[$meta:meta])*
        $variant:ident $({ $($arg:ident : $ty:ty),* $(,)? })? => $key:ident
    ),* $(,)?) => {
        /// A refusal's reason, shown in the user's language.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(tag = "code", rename_all = "snake_case")]
        pub enum Problem {
            $( $(#[$meta])* $variant $({ $($arg: $ty),* })? ),*
        }

        impl Problem {
            /// The translation key and the names of its arguments, for
            /// every problem (the locale files are checked against it).
            pub const SPECS: &'static [(&'static str, &'static [&'static str])] = &[
                $( (stringify!($key), &[$($(stringify!($arg)),*)?]) ),*
            ];

            fn template(&self, locale: Locale) -> &'static str {
                match self {
                    $( Problem::$variant { .. } => td_string!(locale, $key) ),*
                }
            }

            fn args(&self, locale: Locale) -> Vec<(&'static str, String)> {
                match self {
                    $( Problem::$variant $({ $($arg),* })? => vec![$($( (stringify!($arg), Arg::show($arg, locale)) ),*)?] ),*
                }
            }
        }
    };
}

problems! {
    // --- any field ---------------------------------------------------------
    Required => problem_required,
    TooLong { max: String } => problem_too_long,
    ControlCharacters => problem_control_characters,
    InTheFuture => problem_in_the_future,
    NotADate { given: String } => problem_not_a_date,
    DateInTheFuture { given: String } => problem_date_in_the_future,
    NotAnInstant { given: String } => problem_not_an_instant,
    NoSuchLocalTime { given: String, zone: String } => problem_no_such_local_time,
    NoMidnight => problem_no_midnight,
    NotAMonth { given: String } => problem_not_a_month,
    NotOneOf { given: String, allowed: String } => problem_not_one_of,
    NotARank { given: String } => problem_not_a_rank,
    NotARole { given: String, allowed: String } => problem_not_a_role,
    NotAScope { given: String, allowed: String } => problem_not_a_scope,
    NotAnAuditAction { given: String } => problem_not_an_audit_action,
    EndsBeforeStart => problem_ends_before_start,
    WindowTooLong { days: u32 } => problem_window_too_long,
    WindowTooLongHours { hours: u32 } => problem_window_too_long_hours,
    NotANumber { given: String } => problem_not_a_number,
    // --- accounts ----------------------------------------------------------
    UsernameForm => problem_username_form,
    UsernameTaken { username: String } => problem_username_taken,
    NoSuchAccount { username: String } => problem_no_such_account,
    DisplayNameLength => problem_display_name_length,
    NoRoles => problem_no_roles,
    CannotDisableSelf => problem_cannot_disable_self,
    CannotChangeOwnRoles => problem_cannot_change_own_roles,
    PasswordTooShort { min: usize, length: usize } => problem_password_too_short,
    CommonPassword => problem_common_password,
    NotCurrentPassword => problem_not_current_password,
    SamePassword => problem_same_password,
    TotpNotStarted => problem_totp_not_started,
    TotpCodeWrong => problem_totp_code_wrong,
    // --- officer records ---------------------------------------------------
    NotABadgeNumber { given: String } => problem_not_a_badge_number,
    NotAChipId => problem_not_a_chip_id,
    NotAPlate { given: String } => problem_not_a_plate,
    OutsideRange { given: String, range: String } => problem_outside_range,
    NameCharacter { character: String } => problem_name_character,
    BeforePncFounded { given: String } => problem_before_pnc_founded,
    NotANationalId => problem_not_a_national_id,
    NoOfficer { badge: String } => problem_no_officer,
    NoUnit { unit: String } => problem_no_unit,
    NoVehicle { plate: String } => problem_no_vehicle,
    BadgeTaken { badge: String, name: String } => problem_badge_taken,
    ShiftTooLong => problem_shift_too_long,
    AlreadyWearsChip { chip: String, since: String } => problem_already_wears_chip,
    ChipWornBy { chip: String, wearer: String, since: String } => problem_chip_worn_by,
    ChipMustComeLater { chip: String, since: String } => problem_chip_must_come_later,
    WearsNoChip => problem_wears_no_chip,
    ChipHandedOutAt { since: String } => problem_chip_handed_out_at,
    BeforeHired { hire_date: String } => problem_before_hired,
    TestRecorded { kind: TestKind, date: String, result: TestResult } => problem_test_recorded,
    TestRecordedBy { kind: TestKind, date: String, result: TestResult, by: String } => problem_test_recorded_by,
    SayWhy => problem_say_why,
    AlreadyInStatus { status: OfficerStatus } => problem_already_in_status,
    StatusByDecisionOnly { status: OfficerStatus } => problem_status_by_decision_only,
    StatusFromDecision { status: OfficerStatus } => problem_status_from_decision,
    // --- cases ---------------------------------------------------------------
    NoCase { number: String } => problem_no_case,
    NotAnInvestigator { username: String } => problem_not_an_investigator,
    CaseNotAt { status: CaseStatus } => problem_case_not_at,
    FindingsPending { badge: String } => problem_findings_pending,
    NoAccused => problem_no_accused,
    AlreadySubject { badge: String, role: SubjectRole } => problem_already_subject,
    NotAccused { badge: String } => problem_not_accused,
    AllegationExists { kind: AllegationKind } => problem_allegation_exists,
    NoSuchSubject => problem_no_such_subject,
    NoSuchAllegation => problem_no_such_allegation,
    NoSuchNote => problem_no_such_note,
    SuspensionDays => problem_suspension_days,
    NoDaysUnlessSuspended => problem_no_days_unless_suspended,
    BeforeIntake { intake_on: String } => problem_before_intake,
    BeforeSentToMinistry { sent_on: String } => problem_before_sent_to_ministry,
    ClockAlreadyPaused { since: String } => problem_clock_already_paused,
    ClockRunning => problem_clock_running,
    AnonymousHasNoName => problem_anonymous_has_no_name,
    AlreadySealed => problem_already_sealed,
    NotSealed => problem_not_sealed,
    AlreadyAssigned { username: String } => problem_already_assigned,
    DocumentType { allowed: String } => problem_document_type,
    DocumentInCase { name: String } => problem_document_in_case,
    DocumentName { expected: String } => problem_document_name,
    DocumentStoreDown => problem_document_store_down,
    DocumentAltered { sha256: String } => problem_document_altered,
    DocumentMissing { sha256: String } => problem_document_missing,
    NoDocument => problem_no_document,
    ClipOutsideSegment { from: String, to: String } => problem_clip_outside_segment,
    NoTestOfSubject => problem_no_test_of_subject,
    NotCaseSubject { badge: String } => problem_not_case_subject,
    EvidenceLinked => problem_evidence_linked,
    // --- CSV import --------------------------------------------------------
    NotUtf8 => problem_not_utf8,
    FileEmpty => problem_file_empty,
    HeaderUnreadable { error: String } => problem_header_unreadable,
    ColumnTwice => problem_column_twice,
    NotAColumn { kind: String, columns: String } => problem_not_a_column,
    ColumnMissing => problem_column_missing,
    RowUnreadable { error: String } => problem_row_unreadable,
    FieldCount { found: usize, expected: usize } => problem_field_count,
    NoRows => problem_no_rows,
    BadgeAlsoOnLine { badge: String, line: u64 } => problem_badge_also_on_line,
    OverlapsLine { line: u64 } => problem_overlaps_line,
    ShiftOverlapsAt { plate: String, from: String, to: String } => problem_shift_overlaps_at,
    SameTestOnLine { line: u64 } => problem_same_test_on_line,
    // --- uploads -----------------------------------------------------------
    FileTooLarge { max: String } => problem_file_too_large,
    UploadUnreadable => problem_upload_unreadable,
    UploadsBusy => problem_uploads_busy,
    // --- fleet, footage, API clients, audit --------------------------------
    OfficerOrVehicle => problem_officer_or_vehicle,
    NoSegment { segment: String } => problem_no_segment,
    FootageOutsideFolder { uri: String } => problem_footage_outside_folder,
    FootageNotLocal { uri: String } => problem_footage_not_local,
    FootageUnreadable { error: String } => problem_footage_unreadable,
    FootageNotAFile { uri: String } => problem_footage_not_a_file,
    FootageFolderUnreadable { error: String } => problem_footage_folder_unreadable,
    ClientNameLength => problem_client_name_length,
    ClientNameCharacters => problem_client_name_characters,
    ClientExists { name: String } => problem_client_exists,
    NoSuchClient { name: String } => problem_no_such_client,
    NoClient { name: String } => problem_no_client,
    NoScopes => problem_no_scopes,
    ExportTooLarge { total: String, max: String } => problem_export_too_large,
    // --- refusals, conflicts, outages --------------------------------------
    SignInFirst => problem_sign_in_first,
    SignInRefused => problem_sign_in_refused,
    TooManyAttempts { minutes: i64 } => problem_too_many_attempts,
    PasswordChecksBusy => problem_password_checks_busy,
    SecondFactorNeeded => problem_second_factor_needed,
    ChangePasswordFirst => problem_change_password_first,
    MayNotChange => problem_may_not_change,
    MayNotSee => problem_may_not_see,
    RecordNotFound => problem_record_not_found,
    SameIdentity => problem_same_identity,
    DatabaseDown => problem_database_down,
    SessionStoreDown => problem_session_store_down,
    NoFootageRoot => problem_no_footage_root,
    Internal => problem_internal,
    RequestFailed { detail: String } => problem_request_failed,
}

impl Problem {
    /// The message in `locale`, its arguments filled in.
    pub fn message(&self, locale: Locale) -> String {
        fill(self.template(locale), &self.args(locale))
    }

    /// The message in English: for the log, the CLI and the machine API.
    pub fn english(&self) -> String {
        self.message(Locale::en)
    }

    /// `"x" is not one of the codes`: the list is what may be written.
    pub fn not_one_of(given: &str, allowed: &[&str]) -> Problem {
        Problem::NotOneOf {
            given: given.to_string(),
            allowed: allowed.join(", "),
        }
    }
}

/// An argument of a problem, as the message shows it: text and numbers as
/// they are, a code by its label in the message's language.
pub trait Arg {
    fn show(&self, locale: Locale) -> String;
}

impl Arg for String {
    fn show(&self, _: Locale) -> String {
        self.clone()
    }
}

macro_rules! numeric_args {
    ($($t:ty),*) => {$(
        impl Arg for $t {
            fn show(&self, _: Locale) -> String {
                self.to_string()
            }
        }
    )*};
}
numeric_args!(u32, u64, usize, i64);

/// A code argument is shown by its label in the message's language.
macro_rules! code_args {
    ($($t:ty),*) => {$(
        impl Arg for $t {
            fn show(&self, locale: Locale) -> String {
                self.label(locale).to_string()
            }
        }
    )*};
}
code_args!(
    OfficerStatus,
    TestKind,
    TestResult,
    CaseStatus,
    SubjectRole,
    AllegationKind
);

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.english())
    }
}

/// Replaces each `{name}` of `template` with its argument, in one pass (an
/// argument that itself holds braces is left as it is).
fn fill(template: &str, args: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').map(|close| (&after[..close], close)) {
            Some((name, close)) if args.iter().any(|(n, _)| *n == name) => {
                let value = &args.iter().find(|(n, _)| *n == name).expect("found").1;
                out.push_str(value);
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

macro_rules! fields {
    ($( $variant:ident = $name:literal => $key:ident ),* $(,)?) => {
        /// A field of a form or a query, by the name the page and the
        /// server function give it; its label is translated.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Field { $( $variant ),* }

        impl Field {
            pub const ALL: &'static [Field] = &[$( Field::$variant ),*];

            /// The name in the form and the request (`badge_number`).
            pub fn as_str(self) -> &'static str {
                match self { $( Field::$variant => $name ),* }
            }

            /// The field's label in `locale`.
            pub fn label(self, locale: Locale) -> &'static str {
                match self { $( Field::$variant => td_string!(locale, $key) ),* }
            }

            pub fn parse(name: &str) -> Option<Field> {
                match name { $( $name => Some(Field::$variant), )* _ => None }
            }
        }
    };
}

fields! {
    Username = "username" => field_username,
    Password = "password" => field_password,
    CurrentPassword = "current_password" => field_current_password,
    NewPassword = "new_password" => field_new_password,
    Code = "code" => field_code,
    DisplayName = "display_name" => field_display_name,
    Roles = "roles" => field_roles,
    BadgeNumber = "badge_number" => field_badge_number,
    GivenNames = "given_names" => field_given_names,
    FamilyNames = "family_names" => field_family_names,
    Rank = "rank" => field_rank,
    Unit = "unit" => field_unit,
    Status = "status" => field_status,
    HireDate = "hire_date" => field_hire_date,
    StatusSince = "status_since" => field_status_since,
    NationalId = "national_id" => field_national_id,
    EffectiveOn = "effective_on" => field_effective_on,
    Reason = "reason" => field_reason,
    Vehicle = "vehicle" => field_vehicle,
    From = "from" => field_from,
    To = "to" => field_to,
    At = "at" => field_at,
    Role = "role" => field_role,
    ChipId = "chip_id" => field_chip_id,
    Kind = "kind" => field_kind,
    File = "file" => field_file,
    Date = "date" => field_date,
    Result = "result" => field_result,
    Examiner = "examiner" => field_examiner,
    Notes = "notes" => field_notes,
    Sort = "sort" => field_sort,
    Action = "action" => field_action,
    Officer = "officer" => field_officer,
    Segment = "segment" => field_segment,
    State = "state" => field_state,
    Duty = "duty" => field_duty,
    Badges = "badges" => field_badges,
    Days = "days" => field_days,
    Month = "month" => field_month,
    Name = "name" => field_name,
    Scopes = "scopes" => field_scopes,
    Camera = "camera" => field_camera,
    Lat = "lat" => field_lat,
    Lon = "lon" => field_lon,
    Radius = "radius" => field_radius,
    Title = "title" => field_title,
    Summary = "summary" => field_summary,
    Origin = "origin" => field_origin,
    IntakeOn = "intake_on" => field_intake_on,
    IncidentAt = "incident_at" => field_incident_at,
    Place = "place" => field_place,
    Complainant = "complainant" => field_complainant,
    ComplainantName = "complainant_name" => field_complainant_name,
    ComplainantContact = "complainant_contact" => field_complainant_contact,
    Body = "body" => field_body,
    Subject = "subject" => field_subject,
    Allegation = "allegation" => field_allegation,
    Finding = "finding" => field_finding,
    Outcome = "outcome" => field_outcome,
    Basis = "basis" => field_basis,
    DecidedOn = "decided_on" => field_decided_on,
    Investigator = "investigator" => field_investigator,
    Corrects = "corrects" => field_corrects,
    Move = "move" => field_move,
    Overdue = "overdue" => field_overdue,
    Sealed = "sealed" => field_sealed,
    Test = "test" => field_test,
    Number = "number" => field_number,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Field {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Field::parse(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown field {name:?}")))
    }
}

impl PartialEq<&str> for Field {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for Field {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;

    fn locale(name: &str) -> BTreeMap<String, String> {
        let path = format!("{}/locales/{name}.json", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn placeholders(template: &str) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else { break };
            names.insert(after[..close].trim().to_string());
            rest = &after[close + 1..];
        }
        names
    }

    #[test]
    fn both_languages_hold_the_same_keys_with_the_same_arguments() {
        let (es, en) = (locale("es"), locale("en"));
        let es_keys: BTreeSet<_> = es.keys().collect();
        let en_keys: BTreeSet<_> = en.keys().collect();
        assert_eq!(
            es_keys.symmetric_difference(&en_keys).collect::<Vec<_>>(),
            Vec::<&&String>::new(),
            "keys in one locale file only"
        );
        for (key, text) in &es {
            assert_eq!(placeholders(text), placeholders(&en[key]), "{key}");
            assert_ne!(text.trim(), "", "{key} is empty in Spanish");
            assert_ne!(en[key].trim(), "", "{key} is empty in English");
        }
    }

    #[test]
    fn every_problem_names_exactly_its_arguments_in_both_languages() {
        let (es, en) = (locale("es"), locale("en"));
        for (key, args) in Problem::SPECS {
            let want: BTreeSet<String> = args.iter().map(|a| a.to_string()).collect();
            assert_eq!(placeholders(&es[*key]), want, "es {key}");
            assert_eq!(placeholders(&en[*key]), want, "en {key}");
            assert_ne!(es[*key], en[*key], "{key} is not translated");
        }
        let problem_keys: BTreeSet<_> = es.keys().filter(|k| k.starts_with("problem_")).collect();
        assert_eq!(
            problem_keys.len(),
            Problem::SPECS.len(),
            "a problem_ key no problem uses"
        );
    }

    #[test]
    fn a_message_is_filled_in_in_the_users_language() {
        let p = Problem::NotADate {
            given: "28/11/2026".into(),
        };
        assert_eq!(p.english(), "\"28/11/2026\" is not a date like 2026-11-28");
        assert_eq!(
            p.message(Locale::es),
            "“28/11/2026” no es una fecha como 2026-11-28"
        );
        // An argument that holds braces is not filled in again.
        let p = Problem::NoUnit {
            unit: "{unit}".into(),
        };
        assert_eq!(p.english(), "no unit has the code {unit}");
        // The wire form is the code and the arguments.
        let wire = serde_json::to_value(Problem::TooLong { max: "100".into() }).unwrap();
        assert_eq!(wire, serde_json::json!({"code": "too_long", "max": "100"}));
    }

    #[test]
    fn every_field_has_a_label_and_its_name_on_the_wire() {
        for field in Field::ALL {
            assert_eq!(Field::parse(field.as_str()), Some(*field));
            assert!(!field.label(Locale::es).is_empty(), "{field}");
            let wire = serde_json::to_value(field).unwrap();
            assert_eq!(wire, serde_json::json!(field.as_str()));
        }
    }
}
