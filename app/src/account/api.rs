//! The server functions: each asks the policy first (`crate::rpc`).

use super::*;

/// Who is signed in on this browser, or `None`.
#[server(prefix = "/rpc", endpoint = "who_am_i")]
pub async fn who_am_i() -> Result<Option<CurrentUser>, AppError> {
    crate::rpc::call_if_signed_in(act::ManageOwnAccount, |cx| async move {
        Ok(current_user(&cx.state)
            .await?
            .map(|u| u.current(&cx.state.totp_required_roles)))
    })
    .await
    .map(Option::flatten)
}

#[cfg(feature = "ssr")]
async fn session() -> Result<tower_sessions::Session, AppError> {
    leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "no session layer");
            AppError::Internal
        })
}

/// Signs in with a username and password. Every refusal gives the same
/// answer; five failures within 15 minutes lock the account until an
/// administrator unlocks it.
#[server(prefix = "/rpc", endpoint = "sign_in")]
pub async fn sign_in(
    username: String,
    password: String,
    code: Option<String>,
) -> Result<CurrentUser, AppError> {
    crate::rpc::call(act::SignIn, |cx| async move {
        let session = session().await?;
        let user = store::sign_in(
            &cx.state.db,
            &cx.permit,
            &cx.state.secret_key,
            store::Credentials {
                username: &username,
                password: &password,
                code: code.as_deref(),
            },
            &cx.ip,
            &cx.state.totp_required_roles,
        )
        .await?;
        // A new session id at sign-in, holding nothing of the session
        // before: a planted id is worth nothing, and nothing carries over.
        session.clear().await;
        session.cycle_id().await.map_err(|_| AppError::Internal)?;
        session
            .insert(SESSION_USER, user.id)
            .await
            .map_err(|_| AppError::Internal)?;
        session
            .insert(SESSION_SINCE, crate::time::now_ms())
            .await
            .map_err(|_| AppError::Internal)?;
        Ok(user)
    })
    .await
}

/// Signs out: the session ends on the server, not only in the browser.
#[server(prefix = "/rpc", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    crate::rpc::call(act::ManageOwnAccount, |cx| async move {
        session()
            .await?
            .flush()
            .await
            .map_err(|_| AppError::Internal)?;
        store::record_sign_out(&cx.state.db, &cx.permit, &cx.ip).await?;
        // A form the browser sent itself lands where the hydrated page goes
        // (otherwise Leptos sends it back to the page it came from).
        if crate::rpc::plain_form_post() {
            leptos_axum::redirect("/sign-in");
        }
        Ok(())
    })
    .await
}

/// Changes one's own password (required after an administrator reset it).
#[server(prefix = "/rpc", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    crate::rpc::call(act::ManageOwnAccount, |cx| async move {
        let changed = store::change_own_password(
            &cx.state.db,
            &cx.permit,
            &cx.ip,
            &current_password,
            &new_password,
        )
        .await?;
        // The account's other sessions ended; this one goes on, under a new
        // id, valid from the change.
        let session = session().await?;
        session.cycle_id().await.map_err(|_| AppError::Internal)?;
        session
            .insert(SESSION_VALID_FROM, changed)
            .await
            .map_err(|_| AppError::Internal)?;
        Ok(())
    })
    .await
}

/// Starts setting up an authenticator app: a new secret, kept in the
/// session until a code from the app confirms it. Replacing one already
/// set up asks for the password and a code of the current one: a session
/// left open is not enough to take the account's second factor over.
#[server(prefix = "/rpc", endpoint = "begin_totp")]
pub async fn begin_totp(
    password: Option<String>,
    current_code: Option<String>,
) -> Result<TotpEnrolment, AppError> {
    crate::rpc::call(act::ManageOwnAccount, |cx| async move {
        store::prove_for_new_factor(
            &cx.state.db,
            &cx.permit,
            &cx.ip,
            &cx.state.secret_key,
            password.as_deref().unwrap_or(""),
            current_code.as_deref().unwrap_or(""),
        )
        .await?;
        let secret = totp::base32_encode(&totp::new_secret());
        // Sealed in the session store too: a copy of the sessions table
        // gives no one the factor being set up.
        session()
            .await?
            .insert(SESSION_TOTP_PENDING, cx.state.secret_key.seal(&secret))
            .await
            .map_err(|_| AppError::Internal)?;
        let uri = totp::otpauth_uri(cx.permit.label(), &secret);
        Ok(TotpEnrolment {
            qr_svg: totp::qr_svg(&uri),
            secret,
            uri,
        })
    })
    .await
}

/// Confirms the authenticator app with a code it shows; from then on the
/// account signs in with a code.
#[server(prefix = "/rpc", endpoint = "confirm_totp")]
pub async fn confirm_totp(code: String) -> Result<(), AppError> {
    crate::rpc::call(act::ManageOwnAccount, |cx| async move {
        let session = session().await?;
        let secret: String = session
            .get::<String>(SESSION_TOTP_PENDING)
            .await
            .map_err(|_| AppError::Internal)?
            .and_then(|sealed| cx.state.secret_key.open(&sealed))
            .ok_or_else(|| AppError::validation(Field::Code, Problem::TotpNotStarted))?;
        store::enable_totp(
            &cx.state.db,
            &cx.state.secret_key,
            &cx.permit,
            &cx.ip,
            &secret,
            &code,
        )
        .await?;
        session
            .remove::<String>(SESSION_TOTP_PENDING)
            .await
            .map_err(|_| AppError::Internal)?;
        Ok(())
    })
    .await
}
