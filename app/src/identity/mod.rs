//! Who is asking: principals (people, the console's operator, the demo
//! loader, API clients), sessions, passwords, second factors. No pages:
//! those are the `account` and `admin` features.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod lockout;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
mod session;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod totp;

#[cfg(feature = "ssr")]
pub use session::{
    client_ip, require_for_session, ClientAddr, RequestMemo, SESSION_SINCE, SESSION_TOTP_PENDING,
    SESSION_USER, SESSION_VALID_FROM,
};
#[cfg(feature = "ssr")]
pub(crate) use session::{current_user, require};

/// The operator at this machine's console, for the `vigia` commands (who
/// can read the database file anyway). Never made from a web request.
#[cfg(feature = "ssr")]
pub fn console_operator() -> crate::policy::Principal {
    crate::policy::Principal::operator()
}

/// The principal of an enabled API client whose token was checked.
#[cfg(feature = "ssr")]
pub(crate) fn api_client_principal(
    id: i64,
    name: String,
    scopes: Vec<crate::policy::Scope>,
) -> crate::policy::Principal {
    crate::policy::Principal::api_client(id, name, scopes)
}

/// The demo loader (`vigia demo-data`): a labelled principal, so the demo's
/// audit records name what wrote them.
#[cfg(feature = "ssr")]
pub fn demo_loader() -> crate::policy::Principal {
    crate::policy::Principal::demo_loader()
}

pub use crate::roles::Role;

/// The signed-in person, as the pages see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub must_change_password: bool,
    /// Signs in with an authenticator code.
    pub totp_enabled: bool,
    /// Holds a role that requires a second factor but has none yet: may do
    /// nothing but set it up.
    pub must_enroll_totp: bool,
    /// What an administrator did to this account that its owner must know
    /// (shown until the owner sets a new password or second factor).
    pub notices: Vec<AccountNotice>,
}

/// A reset of the account by someone else, as its owner is told of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountNotice {
    pub what: ResetKind,
    /// The administrator's username (or `operator`, from the command line).
    pub by: String,
    /// When, in the configured zone.
    pub at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResetKind {
    Password,
    SecondFactor,
}

/// What an authenticator app needs to be set up.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpEnrolment {
    /// The secret in base32, for typing in by hand.
    pub secret: String,
    /// The otpauth:// URI the QR code holds.
    pub uri: String,
    /// The QR code, as SVG.
    pub qr_svg: String,
}

crate::debug_redacted!(TotpEnrolment {} hide { secret, uri, qr_svg });

/// An account as the administration page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub locked: bool,
    pub disabled: bool,
    pub must_change_password: bool,
    pub totp_enabled: bool,
}

pub use crate::roles::parse_roles;
