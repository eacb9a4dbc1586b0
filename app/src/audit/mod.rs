//! The audit trail: append-only, hash-chained, written in the same
//! transaction as the change it describes.
//!
//! Each record's hash is SHA-256 over the previous record's hash (hex) and
//! a canonical encoding of the record: a JSON array of its fields in a fixed
//! order, with the details object's keys sorted. `vigia audit verify`
//! recomputes the chain.

#[cfg(feature = "ssr")]
mod chain;
#[cfg(feature = "ssr")]
pub use chain::*;

macro_rules! audit_actions {
    ($($name:ident => $stored:literal),* $(,)?) => {
        /// Everything the trail records, by name. An enum, not free text, so
        /// that a typo cannot invent a new kind of event; the variants, the
        /// list of them and their stored names come from one table.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        pub enum AuditAction {
            $($name,)*
        }

        impl AuditAction {
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$name),*];

            /// The stored name, e.g. `sign_in.failed`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(AuditAction::$name => $stored,)*
                }
            }
        }
    };
}

audit_actions! {
    SignIn => "sign_in",
    SignInFailed => "sign_in.failed",
    SignOut => "sign_out",
    AccountLocked => "account.locked",
    AccountUnlocked => "account.unlocked",
    UserCreated => "user.created",
    RolesChanged => "user.roles_changed",
    PrivilegedRoleGranted => "user.privileged_role_granted",
    TotpReplacementStarted => "user.totp_replacement_started",
    PasswordReset => "user.password_reset",
    PasswordChanged => "user.password_changed",
    UserDisabled => "user.disabled",
    UserEnabled => "user.enabled",
    TotpEnabled => "user.totp_enabled",
    TotpReset => "user.totp_reset",
    OfficerStatusChanged => "officer.status_changed",
    OfficerCreated => "officer.created",
    OfficerUpdated => "officer.updated",
    AssignmentAdded => "assignment.added",
    ChipAssigned => "chip.assigned",
    ChipReturned => "chip.returned",
    ConfidenceTestRecorded => "confidence_test.recorded",
    ConfidenceTestsRead => "confidence_tests.read",
    RecordsImported => "records.imported",
    AccessDenied => "access.denied",
    AuditExported => "audit.exported",
    ReportExported => "report.exported",
    ApiClientCreated => "api_client.created",
    ApiClientScopesChanged => "api_client.scopes_changed",
    ApiClientDisabled => "api_client.disabled",
    ApiClientEnabled => "api_client.enabled",
    FootageIngested => "footage.ingested",
    HeartbeatsIngested => "heartbeats.ingested",
    PingsIngested => "pings.ingested",
    PingsExpired => "pings.expired",
    IntegrityConflict => "ingest.integrity_conflict",
    ForeignClient => "ingest.foreign_client",
    CameraClientChanged => "camera.client_changed",
    FootageRead => "footage.read",
    TrackRead => "track.read",
    NearRead => "tracking.near_read",
    FootageVerified => "footage.verified",
    NationalIdRead => "officer.national_id_read",
    DemoDataLoaded => "demo_data.loaded",
    SecretsSealed => "secrets.sealed",
    ApiRequestsRefused => "api.requests_refused",
    CaseCreated => "case.created",
    CaseRead => "case.read",
    CaseAssigned => "case.assigned",
    CaseMoved => "case.moved",
    CaseSealed => "case.sealed",
    CaseUnsealed => "case.unsealed",
    SubjectAdded => "case.subject_added",
    AllegationAdded => "case.allegation_added",
    FindingRecorded => "case.finding_recorded",
    NoteAdded => "case.note_added",
    DecisionRecorded => "case.decision_recorded",
    ClockPaused => "case.clock_paused",
    ClockResumed => "case.clock_resumed",
    CasesExported => "cases.exported",
    EvidenceLinked => "case.evidence_linked",
    DocumentAdded => "case.document_added",
    DocumentRead => "case.document_read",
    DocumentIntegrityFailed => "case.document_integrity_failed",
}

impl AuditAction {
    /// Whether an administrator may see records of this action (sign-ins
    /// and account events only; auditors see everything).
    pub fn is_account_event(self) -> bool {
        matches!(
            self,
            AuditAction::SignIn
                | AuditAction::SignInFailed
                | AuditAction::SignOut
                | AuditAction::AccountLocked
                | AuditAction::AccountUnlocked
                | AuditAction::UserCreated
                | AuditAction::RolesChanged
                | AuditAction::PrivilegedRoleGranted
                | AuditAction::TotpReplacementStarted
                | AuditAction::PasswordReset
                | AuditAction::PasswordChanged
                | AuditAction::UserDisabled
                | AuditAction::UserEnabled
                | AuditAction::TotpEnabled
                | AuditAction::TotpReset
                | AuditAction::ApiClientCreated
                | AuditAction::ApiClientScopesChanged
                | AuditAction::ApiClientDisabled
                | AuditAction::ApiClientEnabled
                | AuditAction::ApiRequestsRefused
        )
    }
}

#[cfg(test)]
mod tests {
    use super::AuditAction;

    /// Who may read each kind of record, written out with no wildcard: a
    /// new audited action does not compile until someone says whether
    /// administrators (who read sign-in and account events only) see it.
    fn administrators_see(action: AuditAction) -> bool {
        use AuditAction::*;
        match action {
            SignIn
            | SignInFailed
            | SignOut
            | AccountLocked
            | AccountUnlocked
            | UserCreated
            | RolesChanged
            | PasswordReset
            | PasswordChanged
            | PrivilegedRoleGranted
            | TotpReplacementStarted
            | UserDisabled
            | UserEnabled
            | TotpEnabled
            | TotpReset
            | ApiClientCreated
            | ApiClientScopesChanged
            | ApiClientDisabled
            | ApiClientEnabled
            | ApiRequestsRefused => true,
            OfficerStatusChanged
            | OfficerCreated
            | OfficerUpdated
            | AssignmentAdded
            | ChipAssigned
            | ChipReturned
            | ConfidenceTestRecorded
            | ConfidenceTestsRead
            | RecordsImported
            | AccessDenied
            | AuditExported
            | ReportExported
            | FootageIngested
            | HeartbeatsIngested
            | PingsIngested
            | PingsExpired
            | IntegrityConflict
            | ForeignClient
            | CameraClientChanged
            | FootageRead
            | TrackRead
            | NearRead
            | FootageVerified
            | NationalIdRead
            | DemoDataLoaded
            | SecretsSealed
            | CaseCreated
            | CaseRead
            | CaseAssigned
            | CaseMoved
            | CaseSealed
            | CaseUnsealed
            | SubjectAdded
            | AllegationAdded
            | FindingRecorded
            | NoteAdded
            | DecisionRecorded
            | ClockPaused
            | ClockResumed
            | CasesExported
            | EvidenceLinked
            | DocumentAdded
            | DocumentRead
            | DocumentIntegrityFailed => false,
        }
    }

    #[test]
    fn every_audited_action_is_classified_named_once_and_listed() {
        let mut names = std::collections::HashSet::new();
        for &a in AuditAction::ALL {
            assert_eq!(a.is_account_event(), administrators_see(a), "{a:?}");
            assert!(names.insert(a.as_str()), "{} named twice", a.as_str());
        }
    }
}
