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

/// Everything the trail records, by name. An enum, not free text, so that a
/// typo cannot invent a new kind of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum AuditAction {
    SignIn,
    SignInFailed,
    SignOut,
    AccountLocked,
    AccountUnlocked,
    UserCreated,
    RolesChanged,
    PasswordReset,
    PasswordChanged,
    UserDisabled,
    UserEnabled,
    AccessDenied,
    AuditExported,
}

impl AuditAction {
    pub const ALL: &'static [AuditAction] = &[
        AuditAction::SignIn,
        AuditAction::SignInFailed,
        AuditAction::SignOut,
        AuditAction::AccountLocked,
        AuditAction::AccountUnlocked,
        AuditAction::UserCreated,
        AuditAction::RolesChanged,
        AuditAction::PasswordReset,
        AuditAction::PasswordChanged,
        AuditAction::UserDisabled,
        AuditAction::UserEnabled,
        AuditAction::AccessDenied,
        AuditAction::AuditExported,
    ];

    /// The stored name, e.g. `sign_in.failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::SignIn => "sign_in",
            AuditAction::SignInFailed => "sign_in.failed",
            AuditAction::SignOut => "sign_out",
            AuditAction::AccountLocked => "account.locked",
            AuditAction::AccountUnlocked => "account.unlocked",
            AuditAction::UserCreated => "user.created",
            AuditAction::RolesChanged => "user.roles_changed",
            AuditAction::PasswordReset => "user.password_reset",
            AuditAction::PasswordChanged => "user.password_changed",
            AuditAction::UserDisabled => "user.disabled",
            AuditAction::UserEnabled => "user.enabled",
            AuditAction::AccessDenied => "access.denied",
            AuditAction::AuditExported => "audit.exported",
        }
    }

    /// Whether an administrator may see records of this action (sign-ins
    /// and account events only; auditors see everything).
    pub fn is_account_event(self) -> bool {
        !matches!(self, AuditAction::AccessDenied | AuditAction::AuditExported)
    }
}
