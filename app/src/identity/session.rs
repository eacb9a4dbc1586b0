//! Who is asking: the session behind a server-function request.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::ConnectInfo;
use tower_sessions::Session;

use super::store::{self, UserRecord};
use crate::audit::{self, AuditAction, AuditEntry};
use crate::error::AppError;
use crate::policy::{authorize, Action, ActionKind, Object, Permit, Principal};
use crate::state::AppState;

/// Session key of the signed-in user's id.
pub const SESSION_USER: &str = "uid";
/// Session key of the moment of sign-in (ms), for the absolute expiry.
pub const SESSION_SINCE: &str = "since";
/// Session key of the moment (ms) from which the session counts as signed
/// in for [`UserRecord::sessions_after`] (the sign-in, or a change of the
/// password made in this session).
pub const SESSION_VALID_FROM: &str = "valid_from";
/// Session key of a TOTP secret being set up, until a code confirms it.
pub const SESSION_TOTP_PENDING: &str = "totp_pending";

fn session_error(e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "session store");
    AppError::Unavailable(crate::error::Problem::SessionStoreDown)
}

/// Session key of the last time (ms) the session's idle expiry was pushed
/// forward in the store.
pub const SESSION_SEEN: &str = "seen";

/// Who signed in on this request's session, looked up once per request: a
/// page calls several server functions and each asks who is asking. Kept
/// for this request only, so a locked or disabled account, or a session
/// ended elsewhere, is refused on the very next request.
#[derive(Clone, Default)]
pub struct RequestMemo(Arc<tokio::sync::OnceCell<Option<Arc<UserRecord>>>>);

/// The usable account behind this request's session, if any.
pub(crate) async fn current_user(state: &AppState) -> Result<Option<Arc<UserRecord>>, AppError> {
    let Ok(session) = leptos_axum::extract::<Session>().await else {
        return Ok(None);
    };
    match leptos::prelude::use_context::<RequestMemo>() {
        Some(memo) => memo
            .0
            .get_or_try_init(|| user_of(&session, state))
            .await
            .cloned(),
        None => user_of(&session, state).await,
    }
}

fn principal_for(user: Option<&UserRecord>, state: &AppState) -> (Principal, bool) {
    match user {
        Some(user) => {
            let restricted =
                user.must_change_password || user.must_enroll_totp(&state.totp_required_roles);
            (
                Principal::user(user.id, user.username.clone(), user.roles.clone()),
                restricted,
            )
        }
        None => (Principal::ANONYMOUS, false),
    }
}

/// The usable account a session belongs to. Ends the session if it has
/// outlived its absolute lifetime, the account is disabled, or its sessions
/// were ended after this one signed in;
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
    let now = crate::time::now_ms();
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
        // A failure lock does not end sessions already open (else anyone
        // who knows a username could sign its owner out): only disabling.
        Some(user)
            if !user.disabled && !ended_by_reset(session, since, user.sessions_after).await? =>
        {
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

/// Whether the account's sessions were ended (a reset, a change of the
/// password elsewhere) after this one was signed in.
async fn ended_by_reset(
    session: &Session,
    since: i64,
    sessions_after: Option<i64>,
) -> Result<bool, AppError> {
    let Some(after) = sessions_after else {
        return Ok(false);
    };
    let valid_from = session
        .get::<i64>(SESSION_VALID_FROM)
        .await
        .map_err(session_error)?
        .unwrap_or(since);
    Ok(valid_from < after)
}

/// Resolves who is asking and asks the policy, inside a server function
/// ([`crate::rpc::call`] is the usual way in). A signed-in user's refusal is
/// written to the audit trail.
pub(crate) async fn require<A: ActionKind>(
    state: &AppState,
    ip: &str,
    action: A,
    object: Object<'_>,
) -> Result<Permit<A>, AppError> {
    let user = current_user(state).await?;
    decide(
        state,
        principal_for(user.as_deref(), state),
        ip,
        action,
        object,
    )
    .await
}

/// The same decision for a handler outside server functions (the CSV
/// exports): the same principal from the session, the same refusals, the
/// same audit record of a refusal.
pub async fn require_for_session<A: ActionKind>(
    session: &Session,
    state: &AppState,
    ip: &str,
    action: A,
    object: Object<'_>,
) -> Result<Permit<A>, AppError> {
    let user = user_of(session, state).await?;
    decide(
        state,
        principal_for(user.as_deref(), state),
        ip,
        action,
        object,
    )
    .await
}

async fn decide<A: ActionKind>(
    state: &AppState,
    (principal, restricted): (Principal, bool),
    ip: &str,
    action: A,
    object: Object<'_>,
) -> Result<Permit<A>, AppError> {
    let own_account = matches!(A::ACTION, Action::ManageOwnAccount | Action::SignIn);
    if restricted && !own_account {
        return Err(AppError::Forbidden(
            crate::error::Problem::ChangePasswordFirst,
        ));
    }
    match authorize(&principal, action, object) {
        Ok(permit) => Ok(permit),
        Err(err) => {
            if let (AppError::Forbidden(_), Some(_)) = (&err, principal.user_id()) {
                let entry = AuditEntry {
                    action: AuditAction::AccessDenied,
                    object_type: "action",
                    object_id: format!("{:?}", A::ACTION),
                    outcome: "denied",
                    ip: ip.to_string(),
                    details: serde_json::json!({}),
                };
                audit::record_refusal(&state.db, &principal, &entry).await?;
            }
            Err(err)
        }
    }
}

/// The client's address as the server's front door decided it (the peer,
/// or behind a trusted proxy the address it forwarded for): put on each
/// request by the server's middleware, read by the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub std::net::IpAddr);

/// The address the request came from.
pub async fn client_ip() -> String {
    if let Ok(axum::Extension(ClientAddr(ip))) =
        leptos_axum::extract::<axum::Extension<ClientAddr>>().await
    {
        return ip.to_string();
    }
    leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_else(|_| "unknown".into())
}
