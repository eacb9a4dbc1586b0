//! The one error type of server functions and services.

use leptos::prelude::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::codec::JsonEncoding;
use serde::{Deserialize, Serialize};

/// What can go wrong in a request, as the user and the HTTP status see it.
///
/// `Internal` carries only a plain message: the detail goes to the log where
/// the error is made, never to the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("sign in first")]
    Unauthenticated,
    /// A refused sign-in. One message for every reason (unknown user, wrong
    /// password, locked or disabled account), so it reveals nothing.
    #[error("the username or password is wrong, or the account is locked or disabled")]
    SignInRefused,
    /// The password was right; the account's authenticator code is needed.
    #[error("enter the code from your authenticator app")]
    SecondFactorNeeded,
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("{field}: {reason}")]
    Validation { field: String, reason: String },
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal,
    /// The server-function machinery itself failed (network, encoding).
    #[error("request failed: {0}")]
    Request(String),
}

impl AppError {
    pub fn validation(field: impl Into<String>, reason: impl Into<String>) -> Self {
        AppError::Validation {
            field: field.into(),
            reason: reason.into(),
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
        }
        self
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Request(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    /// Maps database errors by kind, never by message text.
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => AppError::NotFound("record".into()),
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                AppError::Conflict("a record with the same identity exists".into())
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                tracing::error!(error = %err, "database unavailable");
                AppError::Unavailable("the database does not answer".into())
            }
            _ => {
                tracing::error!(error = %err, "database error");
                AppError::Internal
            }
        }
    }
}
