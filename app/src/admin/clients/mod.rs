//! The machine API's clients, as an administration feature: the scoped
//! bearer tokens the control center's systems use (list, create, change
//! scopes, disable), their server functions and page. Tokens and the
//! refusal counts are kept by [`store`].

use crate::error::{AppError, ErrorMessage};
use crate::i18n::*;
#[cfg(feature = "ssr")]
use crate::policy::act;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
pub mod store;

mod api;
pub use api::*;

mod views;
pub use views::*;

/// An API client as the admin pages and `vigia api-client list` show it:
/// never its token, only the token's first characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiClientView {
    pub name: String,
    pub token_hint: String,
    pub scopes: Vec<String>,
    pub disabled: bool,
    /// UTC milliseconds.
    pub created_at: i64,
    pub created_by: String,
    pub last_used_at: Option<i64>,
    /// The same in the configured zone, `2026-11-21 14:05 CST`.
    pub last_used: Option<String>,
    /// Requests refused while disabled or out of scope.
    pub refused: i64,
}

/// The clients and the refused requests, for the admin page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiClientsOverview {
    pub clients: Vec<ApiClientView>,
    /// (reason, count): missing, unknown, disabled, scope.
    pub refusals: Vec<(String, i64)>,
}

/// A token as issued: shown once, on the page that made it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedToken {
    pub name: String,
    pub token: String,
}

crate::debug_redacted!(IssuedToken { name } hide { token });
