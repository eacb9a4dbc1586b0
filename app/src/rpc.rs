//! One way to write a server function (server only).
//!
//! [`call`] is the whole preamble: it resolves who is asking, asks the
//! policy for the action (a refusal is recorded and answered 401 or 403),
//! hands the body a [`Ctx`] holding the permit, the application state and
//! the client's address, sets the HTTP status of an error, and traces the
//! call. The state is reachable only through it, so a server function
//! cannot reach the database without asking the policy first.
//!
//! ```ignore
//! #[server(prefix = "/rpc", endpoint = "list_units")]
//! pub async fn list_units() -> Result<Vec<UnitNode>, AppError> {
//!     crate::rpc::call(act::ReadOfficers, |cx| async move {
//!         store::units(&cx.state.db, &cx.permit).await
//!     })
//!     .await
//! }
//! ```

use std::future::Future;

use tracing::Instrument;

use crate::error::AppError;
use crate::policy::{ActionKind, Object, Permit};
use crate::state::AppState;

/// What the body of a server function gets once the policy has said yes.
pub struct Ctx<A: ActionKind> {
    pub permit: Permit<A>,
    pub state: AppState,
    /// The client's address, for the audit trail.
    pub ip: String,
}

/// Runs a server function's body for `action` on the collection as a whole.
pub async fn call<A, T, F, Fut>(action: A, body: F) -> Result<T, AppError>
where
    A: ActionKind,
    F: FnOnce(Ctx<A>) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    call_on(action, Object::Any, body).await
}

/// Runs a server function's body for `action` on `object`.
pub async fn call_on<A, T, F, Fut>(action: A, object: Object<'_>, body: F) -> Result<T, AppError>
where
    A: ActionKind,
    F: FnOnce(Ctx<A>) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    traced(action, async {
        let ctx = context(action, object).await?;
        body(ctx).await
    })
    .await
}

/// Resolves who is asking and asks the policy; the state comes with the
/// permit or not at all.
async fn context<A: ActionKind>(action: A, object: Object<'_>) -> Result<Ctx<A>, AppError> {
    let state = AppState::from_context()?;
    let ip = crate::identity::client_ip().await;
    let permit = crate::identity::require(&state, &ip, action, object).await?;
    tracing::Span::current().record("actor", permit.label());
    Ok(Ctx { permit, state, ip })
}

/// Runs `work` in the call's span and sets its error's HTTP status.
async fn traced<A: ActionKind, T>(
    _action: A,
    work: impl Future<Output = Result<T, AppError>>,
) -> Result<T, AppError> {
    let span = tracing::info_span!("rpc", action = ?A::ACTION, actor = tracing::field::Empty);
    work.instrument(span).await.map_err(respond)
}

/// Sets the HTTP status of an error, except for a form the browser sent
/// itself (before hydration, or without JavaScript): that request is
/// answered with a redirect back to the form, the error in its URL, and
/// the page shows the message beside its field. A status here would turn
/// the redirect into a raw error page.
fn respond(error: AppError) -> AppError {
    if plain_form_post() {
        error
    } else {
        error.respond()
    }
}

/// Whether the request is a form the browser sent itself (before the page
/// hydrated, or without JavaScript): it answers with a page, not data.
pub(crate) fn plain_form_post() -> bool {
    leptos::prelude::use_context::<http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    })
}

/// Like [`call`], for a function that answers "nobody" rather than 401 to
/// an anonymous caller (who am I?).
pub async fn call_if_signed_in<A, T, F, Fut>(action: A, body: F) -> Result<Option<T>, AppError>
where
    A: ActionKind,
    F: FnOnce(Ctx<A>) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    traced(action, async {
        match context(action, Object::Any).await {
            Ok(ctx) => body(ctx).await.map(Some),
            Err(AppError::Unauthenticated) => Ok(None),
            Err(e) => Err(e),
        }
    })
    .await
}
