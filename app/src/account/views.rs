//! The pages.

use super::*;

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
    let setup = move |e: TotpEnrolment| {
        view! {
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
        }
    };
    let begun = move || match begin.value().get() {
        Some(Ok(e)) if !matches!(confirm.value().get(), Some(Ok(()))) => Some(e),
        _ => None,
    };
    let begin_error = move |field: Field| {
        move || match begin.value().get() {
            Some(Err(AppError::Validation { field: f, problem })) if f == field => Some(
                view! { <p class="field-error" role="alert">{problem.message(i18n.get_locale())}</p> },
            ),
            _ => None,
        }
    };
    view! {
        <section class="page narrow" aria-labelledby="totp-title">
            <h1 id="totp-title">{t!(i18n, totp_title)}</h1>
            <Transition fallback=|| ()>
                {move || match (begun(), enabled()) {
                    (Some(e), _) => setup(e).into_any(),
                    (None, true) => view! {
                        <p class="notice" role="status" data-testid="totp-enabled">{t!(i18n, totp_enabled)}</p>
                        // Replacing the app: the password and a code of the current one.
                        <h2>{t!(i18n, totp_replace_title)}</h2>
                        <ActionForm action=begin attr:class="form" attr:data-testid="totp-replace">
                            <label for="totp-password">{t!(i18n, field_password)}</label>
                            <input id="totp-password" name="password" type="password" autocomplete="current-password" required/>
                            {begin_error(Field::Password)}
                            <label for="totp-current">{t!(i18n, totp_current_code_label)}</label>
                            <input id="totp-current" name="current_code" inputmode="numeric" autocomplete="one-time-code" required/>
                            {begin_error(Field::Code)}
                            <button type="submit" class="primary">{t!(i18n, totp_replace_button)}</button>
                        </ActionForm>
                    }.into_any(),
                    (None, false) => view! {
                        <p class="lede">{t!(i18n, totp_intro)}</p>
                        <button type="button" class="primary" on:click=move |_| { begin.dispatch(BeginTotp { password: None, current_code: None }); }>
                            {t!(i18n, totp_begin_button)}
                        </button>
                    }.into_any(),
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
