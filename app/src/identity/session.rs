//! Who is asking: the session behind a server-function request.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::ConnectInfo;
use tower_sessions::Session;

use super::store::{self, UserRecord};
use crate::audit::{self, AuditAction, AuditActor, AuditEntry};
use crate::error::AppError;
use crate::policy::{authorize, Action, Actor, Principal};
use crate::state::AppState;

/// Session key of the signed-in user's id.
pub const SESSION_USER: &str = "uid";
/// Session key of the moment of sign-in (ms), for the absolute expiry.
pub const SESSION_SINCE: &str = "since";
/// Session key of a TOTP secret being set up, until a code confirms it.
pub const SESSION_TOTP_PENDING: &str = "totp_pending";

fn session_error(e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "session store");
    AppError::Unavailable("the session store does not answer".into())
}

/// Session key of the last time (ms) the session's idle expiry was pushed
/// forward in the store.
pub const SESSION_SEEN: &str = "seen";

/// The principal of the current request: the signed-in user, if the
/// session is within its absolute lifetime and the account is usable.
pub async fn current_principal() -> Result<Principal, AppError> {
    Ok(resolve().await?.0)
}

/// Who signed in on this request's session, looked up once per request: a
/// page calls several server functions and each asks who is asking. Kept
/// for this request only, so a locked or disabled account, or a session
/// ended elsewhere, is refused on the very next request.
#[derive(Clone, Default)]
pub struct RequestMemo(Arc<tokio::sync::OnceCell<Option<Arc<UserRecord>>>>);

/// The usable account behind this request's session, if any.
pub async fn current_user() -> Result<Option<Arc<UserRecord>>, AppError> {
    let Ok(session) = leptos_axum::extract::<Session>().await else {
        return Ok(None);
    };
    let state = AppState::current()?;
    match leptos::prelude::use_context::<RequestMemo>() {
        Some(memo) => memo
            .0
            .get_or_try_init(|| user_of(&session, &state))
            .await
            .cloned(),
        None => user_of(&session, &state).await,
    }
}

/// The principal, and whether they must change their password first.
async fn resolve() -> Result<(Principal, bool), AppError> {
    let state = AppState::current()?;
    Ok(principal_for(current_user().await?.as_deref(), &state))
}

fn principal_for(user: Option<&UserRecord>, state: &AppState) -> (Principal, bool) {
    match user {
        Some(user) => {
            let restricted =
                user.must_change_password || user.must_enroll_totp(&state.totp_required_roles);
            (
                Principal::User {
                    id: user.id,
                    username: user.username.clone(),
                    roles: user.roles.clone(),
                },
                restricted,
            )
        }
        None => (Principal::Anonymous, false),
    }
}

/// The principal a session belongs to, and whether they must change their
/// password first (for handlers outside server functions).
pub async fn principal_of(
    session: &Session,
    state: &AppState,
) -> Result<(Principal, bool), AppError> {
    Ok(principal_for(
        user_of(session, state).await?.as_deref(),
        state,
    ))
}

/// The usable account a session belongs to. Ends the session if it has
/// outlived its absolute lifetime or the account is locked or disabled;
/// otherwise pushes its idle expiry forward (in the store at most every
/// thirtieth of the idle time, a minute for the usual 30: not a write on
/// every request).
async fn user_of(session: &Session, state: &AppState) -> Result<Option<Arc<UserRecord>>, AppError> {
    let Some(uid) = session
        .get::<i64>(SESSION_USER)
        .await
        .map_err(session_error)?
    else {
        return Ok(None);
    };
    let now = audit::now_ms();
    let since = session
        .get::<i64>(SESSION_SINCE)
        .await
        .map_err(session_error)?
        .unwrap_or(0);
    if now - since > state.session_max_age_ms {
        session.flush().await.map_err(session_error)?;
        return Ok(None);
    }
    match store::load_user(&state.db, uid).await? {
        Some(user) if !user.disabled && user.locked_at.is_none() => {
            let seen = session
                .get::<i64>(SESSION_SEEN)
                .await
                .map_err(session_error)?
                .unwrap_or(since);
            if now - seen >= state.session_touch_ms() {
                // Marks the session changed: the store saves it with a new
                // expiry and the cookie is sent again.
                session
                    .insert(SESSION_SEEN, now)
                    .await
                    .map_err(session_error)?;
            }
            Ok(Some(Arc::new(user)))
        }
        _ => {
            session.flush().await.map_err(session_error)?;
            Ok(None)
        }
    }
}

/// Resolves who is asking and asks the policy: the first line of every
/// server function. A signed-in user's refusal is written to the audit
/// trail.
pub async fn require(action: Action) -> Result<Actor, AppError> {
    require_any(&[action]).await
}

/// Like [`require`] for a handler that serves several actions (the whole
/// audit trail, or its account events): the first action the policy allows
/// wins; only if none is allowed is the refusal (of the first) recorded.
pub async fn require_any(actions: &[Action]) -> Result<Actor, AppError> {
    let (principal, must_change_password) = resolve().await?;
    let own_account = |a: &Action| matches!(a, Action::ManageOwnAccount | Action::SignIn);
    if must_change_password && !actions.iter().any(own_account) {
        return Err(AppError::Forbidden(
            "first change your password or set up your second factor (see your account)".into(),
        ));
    }
    let mut first_refusal = None;
    for &action in actions {
        match authorize(&principal, action) {
            Ok(actor) => return Ok(actor),
            Err(err) => {
                first_refusal.get_or_insert((action, err));
            }
        }
    }
    let (action, err) = first_refusal.ok_or(AppError::Internal)?;
    if let (AppError::Forbidden(_), Principal::User { id, username, .. }) = (&err, &principal) {
        let state = AppState::current()?;
        let entry = AuditEntry {
            actor: AuditActor::user(*id, username),
            action: AuditAction::AccessDenied,
            object_type: "action",
            object_id: format!("{action:?}"),
            outcome: "denied",
            ip: client_ip().await,
            details: serde_json::json!({}),
        };
        audit::record(&state.db, &entry).await?;
    }
    Err(err)
}

/// The address the request came from.
pub async fn client_ip() -> String {
    leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_else(|_| "unknown".into())
}
