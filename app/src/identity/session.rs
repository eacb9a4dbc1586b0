//! Who is asking: the session behind a server-function request.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use tower_sessions::Session;

use super::store;
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

/// The principal of the current request: the signed-in user, if the
/// session is within its absolute lifetime and the account is usable.
pub async fn current_principal() -> Result<Principal, AppError> {
    Ok(resolve().await?.0)
}

/// The principal, and whether they must change their password first.
async fn resolve() -> Result<(Principal, bool), AppError> {
    let Ok(session) = leptos_axum::extract::<Session>().await else {
        return Ok((Principal::Anonymous, false));
    };
    let state = AppState::current()?;
    principal_of(&session, &state).await
}

/// The principal a session belongs to, and whether they must change their
/// password first (for handlers outside server functions).
pub async fn principal_of(
    session: &Session,
    state: &AppState,
) -> Result<(Principal, bool), AppError> {
    let anonymous = Ok((Principal::Anonymous, false));
    let Some(uid) = session
        .get::<i64>(SESSION_USER)
        .await
        .map_err(session_error)?
    else {
        return anonymous;
    };
    let since = session
        .get::<i64>(SESSION_SINCE)
        .await
        .map_err(session_error)?
        .unwrap_or(0);
    if audit::now_ms() - since > state.session_max_age_ms {
        session.flush().await.map_err(session_error)?;
        return anonymous;
    }
    match store::load_user(&state.db, uid).await? {
        Some(user) if !user.disabled && user.locked_at.is_none() => {
            let restricted =
                user.must_change_password || user.must_enroll_totp(&state.totp_required_roles);
            Ok((
                Principal::User {
                    id: user.id,
                    username: user.username,
                    roles: user.roles,
                },
                restricted,
            ))
        }
        _ => {
            session.flush().await.map_err(session_error)?;
            anonymous
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
