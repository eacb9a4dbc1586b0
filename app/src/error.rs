//! The one error type of server functions and services.

use leptos::prelude::*;
use leptos::prelude::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::codec::JsonEncoding;
use serde::{Deserialize, Serialize};

use crate::i18n::{use_i18n, Locale};
pub use crate::problem::{Field, Problem};

/// What can go wrong in a request, as the user and the HTTP status see it.
///
/// Every variant carries a [`Problem`] (a code and its arguments), so the
/// page shows it in the user's language ([`AppError::message`]); `Display`
/// is the English text the log, the CLI and the machine API show.
/// `Internal` carries nothing: the detail goes to the log where the error is
/// made, never to the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AppError {
    Unauthenticated,
    /// A refused sign-in. One message for every reason (unknown user, wrong
    /// password, locked or disabled account), so it reveals nothing.
    SignInRefused,
    /// The password was right; the account's authenticator code is needed.
    SecondFactorNeeded,
    Forbidden(Problem),
    NotFound(Problem),
    /// A refused field: shown beside it.
    Validation {
        field: Field,
        problem: Problem,
    },
    Conflict(Problem),
    /// Too many failed sign-ins from this address: try again after
    /// `retry_after_s` seconds (`429`, with `Retry-After`).
    TooManyAttempts {
        retry_after_s: i64,
    },
    Unavailable(Problem),
    Internal,
    /// The server-function machinery itself failed (network, encoding).
    Request(String),
}

impl std::error::Error for AppError {}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::Forbidden(p) => write!(f, "forbidden: {p}"),
            AppError::NotFound(p) => write!(f, "not found: {p}"),
            AppError::Validation { field, problem } => write!(f, "{field}: {problem}"),
            AppError::Conflict(p) => write!(f, "conflict: {p}"),
            AppError::Unavailable(p) => write!(f, "service unavailable: {p}"),
            other => f.write_str(&other.problem().english()),
        }
    }
}

impl AppError {
    pub fn validation(field: Field, problem: Problem) -> Self {
        AppError::Validation { field, problem }
    }

    /// What the user is told, without the field it concerns.
    pub fn problem(&self) -> Problem {
        match self {
            AppError::Unauthenticated => Problem::SignInFirst,
            AppError::SignInRefused => Problem::SignInRefused,
            AppError::SecondFactorNeeded => Problem::SecondFactorNeeded,
            AppError::Forbidden(p)
            | AppError::NotFound(p)
            | AppError::Conflict(p)
            | AppError::Unavailable(p)
            | AppError::Validation { problem: p, .. } => p.clone(),
            AppError::TooManyAttempts { retry_after_s } => Problem::TooManyAttempts {
                minutes: (retry_after_s + 59) / 60,
            },
            AppError::Internal => Problem::Internal,
            AppError::Request(detail) => Problem::RequestFailed {
                detail: detail.clone(),
            },
        }
    }

    /// The message in the user's language, as shown under a form or on a
    /// page; a refused field is named by its label.
    pub fn message(&self, locale: Locale) -> String {
        match self {
            AppError::Validation { field, problem } => {
                format!("{}: {}", field.label(locale), problem.message(locale))
            }
            other => other.problem().message(locale),
        }
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode as S;
        match self {
            AppError::Unauthenticated | AppError::SignInRefused | AppError::SecondFactorNeeded => {
                S::UNAUTHORIZED
            }
            AppError::Forbidden(_) => S::FORBIDDEN,
            AppError::NotFound(_) => S::NOT_FOUND,
            AppError::Validation { .. } => S::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => S::CONFLICT,
            AppError::TooManyAttempts { .. } => S::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => S::SERVICE_UNAVAILABLE,
            AppError::Internal | AppError::Request(_) => S::INTERNAL_SERVER_ERROR,
        }
    }

    /// Sets this error's status on the server function's response (server
    /// functions answer 500 for every error unless told otherwise).
    #[cfg(feature = "ssr")]
    pub fn respond(self) -> Self {
        if let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            opts.set_status(self.status());
            if let AppError::TooManyAttempts { retry_after_s } = &self {
                opts.insert_header(http::header::RETRY_AFTER, (*retry_after_s).into());
            }
        }
        self
    }
}

/// The language of the page a plain request (a download link) came from,
/// decided as for the pages: the language switch's cookie, else Spanish
/// (whatever the browser asks; see `layout.rs`).
#[cfg(feature = "ssr")]
pub fn page_locale(headers: &http::HeaderMap) -> Locale {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix("i18n_pref_locale="))
        .find_map(|v| v.parse::<Locale>().ok())
        .unwrap_or_default()
}

/// An error shown on a page, in the user's language.
#[component]
pub fn ErrorMessage(error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="error" role="alert">{move || error.message(i18n.get_locale())}</p> }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Request(value.to_string())
    }
}

impl From<crate::codes::UnknownCode> for AppError {
    /// A stored code off its list is a damaged record: logged, and the
    /// user is told of an internal error rather than shown it.
    fn from(e: crate::codes::UnknownCode) -> Self {
        #[cfg(feature = "ssr")]
        tracing::error!(list = e.list, code = %e.code, "a stored code is not on its list");
        #[cfg(not(feature = "ssr"))]
        drop(e);
        AppError::Internal
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    /// Maps database errors by kind, never by message text.
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => AppError::NotFound(Problem::RecordNotFound),
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                AppError::Conflict(Problem::SameIdentity)
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                tracing::error!(error = %err, "database unavailable");
                AppError::Unavailable(Problem::DatabaseDown)
            }
            _ => {
                tracing::error!(error = %err, "database error");
                AppError::Internal
            }
        }
    }
}
