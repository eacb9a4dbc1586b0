//! The signed-in person's own account, as a feature: signing in and out,
//! changing one's password, setting up the second factor, and who am I.
//! The server functions and pages; the work is in [`crate::identity`].

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::error::Problem;
use crate::error::{AppError, Field};
use crate::i18n::*;
#[cfg(feature = "ssr")]
use crate::identity::{
    current_user, store, totp, SESSION_SINCE, SESSION_TOTP_PENDING, SESSION_USER,
};
use crate::identity::{CurrentUser, TotpEnrolment};
#[cfg(feature = "ssr")]
use crate::policy::act;

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
        // A new session id at sign-in: a planted id is worth nothing.
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
        store::change_own_password(
            &cx.state.db,
            &cx.permit,
            &cx.ip,
            &current_password,
            &new_password,
        )
        .await
    })
    .await
}

/// Starts setting up an authenticator app: a new secret, kept in the
/// session until a code from the app confirms it.
#[server(prefix = "/rpc", endpoint = "begin_totp")]
pub async fn begin_totp() -> Result<TotpEnrolment, AppError> {
    crate::rpc::call(act::ManageOwnAccount, |cx| async move {
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

/// The page to set up the second factor.
#[component]
pub fn TotpPage() -> impl IntoView {
    let i18n = use_i18n();
    let begin = ServerAction::<BeginTotp>::new();
    let confirm = ServerAction::<ConfirmTotp>::new();
    let me = expect_context::<Resource<Result<Option<CurrentUser>, AppError>>>();
    let enabled = move || {
        me.get()
            .and_then(Result::ok)
            .flatten()
            .is_some_and(|u| u.totp_enabled)
            || matches!(confirm.value().get(), Some(Ok(())))
    };
    view! {
        <section class="page narrow" aria-labelledby="totp-title">
            <h1 id="totp-title">{t!(i18n, totp_title)}</h1>
            <Transition fallback=|| ()>
                {move || if enabled() {
                    view! { <p class="notice" role="status" data-testid="totp-enabled">{t!(i18n, totp_enabled)}</p> }.into_any()
                } else {
                    view! {
                        <p class="lede">{t!(i18n, totp_intro)}</p>
                        {move || match begin.value().get() {
                            Some(Ok(e)) => view! {
                                <div class="totp-setup">
                                    <div class="qr" inner_html=e.qr_svg.clone()></div>
                                    <p>{t!(i18n, totp_secret_label)} " " <code data-testid="totp-secret">{e.secret.clone()}</code></p>
                                    <ActionForm action=confirm attr:class="form">
                                        <label for="totp-code">{t!(i18n, totp_code_label)}</label>
                                        <input id="totp-code" name="code" inputmode="numeric" autocomplete="one-time-code" required/>
                                        {move || match confirm.value().get() {
                                            Some(Err(AppError::Validation { problem, .. })) => Some(view! { <p class="field-error" role="alert">{problem.message(i18n.get_locale())}</p> }),
                                            _ => None,
                                        }}
                                        <button type="submit" class="primary">{t!(i18n, totp_confirm_button)}</button>
                                    </ActionForm>
                                </div>
                            }.into_any(),
                            _ => view! {
                                <button type="button" class="primary" on:click=move |_| { begin.dispatch(BeginTotp {}); }>
                                    {t!(i18n, totp_begin_button)}
                                </button>
                            }.into_any(),
                        }}
                    }.into_any()
                }}
            </Transition>
        </section>
    }
}

/// The page to change one's password.
#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<ChangePassword>::new();
    let field_error = move |field: Field| {
        move || match action.value().get() {
            Some(Err(AppError::Validation { field: f, problem })) if f == field => Some(view! {
                <p class="field-error" role="alert">{problem.message(i18n.get_locale())}</p>
            }),
            _ => None,
        }
    };
    view! {
        <section class="page narrow" aria-labelledby="password-title">
            <h1 id="password-title">{t!(i18n, change_password_title)}</h1>
            <p class="lede">{t!(i18n, password_rules)}</p>
            {move || matches!(action.value().get(), Some(Ok(()))).then(|| view! {
                <p class="notice" role="status" data-testid="password-changed">{t!(i18n, password_changed)}</p>
            })}
            <ActionForm action=action attr:class="form">
                <label for="current_password">{t!(i18n, current_password_label)}</label>
                <input id="current_password" name="current_password" type="password" autocomplete="current-password" required/>
                {field_error(Field::CurrentPassword)}
                <label for="new_password">{t!(i18n, new_password_label)}</label>
                <input id="new_password" name="new_password" type="password" autocomplete="new-password" minlength="12" required/>
                {field_error(Field::NewPassword)}
                <button type="submit" class="primary">{t!(i18n, change_password_button)}</button>
            </ActionForm>
        </section>
    }
}

/// The sign-in page.
#[component]
pub fn SignInPage() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<SignIn>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            // A full load, so every part of the page sees the new session.
            if window().location().set_href("/").is_err() {
                leptos::logging::warn!("could not leave the sign-in page");
            }
        }
    });
    let needs_code = move || {
        matches!(
            action.value().get(),
            Some(Err(AppError::SecondFactorNeeded))
        )
    };
    let error = move || match action.value().get() {
        Some(Err(AppError::SignInRefused)) => Some(t_string!(i18n, sign_in_refused).to_string()),
        Some(Err(AppError::SecondFactorNeeded)) => None,
        Some(Err(e)) => Some(e.message(i18n.get_locale())),
        _ => None,
    };
    view! {
        <section class="page narrow" aria-labelledby="sign-in-title">
            <h1 id="sign-in-title">{t!(i18n, sign_in_title)}</h1>
            <ActionForm action=action attr:class="form">
                <label for="username">{t!(i18n, username_label)}</label>
                <input id="username" name="username" autocomplete="username" required autofocus/>
                <label for="password">{t!(i18n, password_label)}</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required/>
                {move || needs_code().then(|| view! {
                    <label for="code">{t!(i18n, totp_code_label)}</label>
                    <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required autofocus/>
                })}
                {move || error().map(|e| view! { <p class="error" role="alert" data-testid="sign-in-error">{e}</p> })}
                <button type="submit" class="primary" disabled=move || action.pending().get()>
                    {t!(i18n, sign_in_button)}
                </button>
            </ActionForm>
        </section>
    }
}
