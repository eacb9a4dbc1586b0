//! Administration: accounts (list, create, roles, reset, unlock, disable)
//! here, and the machine API's clients in [`clients`].

use crate::error::{AppError, ErrorMessage};
use crate::i18n::*;
use crate::identity::{AccountSummary, Role};
#[cfg(feature = "ssr")]
use crate::policy::act;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
pub mod clients;

mod api;
pub use api::*;

mod views;
pub use views::*;

/// The answer to a change that made a password: shown once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedPassword {
    pub username: String,
    pub password: String,
}

crate::debug_redacted!(IssuedPassword { username } hide { password });

/// A role's name in the reader's language.
pub(crate) fn role_label(i18n: leptos_i18n::I18nContext<Locale>, role: Role) -> String {
    match role {
        Role::Investigator => t_string!(i18n, role_investigator),
        Role::Supervisor => t_string!(i18n, role_supervisor),
        Role::Ministry => t_string!(i18n, role_ministry),
        Role::Auditor => t_string!(i18n, role_auditor),
        Role::Monitor => t_string!(i18n, role_monitor),
        Role::Admin => t_string!(i18n, role_admin),
    }
    .to_string()
}
