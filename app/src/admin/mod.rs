//! Administration: accounts (list, create, roles, reset, unlock, disable)
//! here, and the machine API's clients in [`clients`].

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, ErrorMessage};
use crate::i18n::*;
use crate::identity::{AccountSummary, Role};
#[cfg(feature = "ssr")]
use crate::policy::act;

pub mod clients;

/// The answer to a change that made a password: shown once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedPassword {
    pub username: String,
    pub password: String,
}

crate::debug_redacted!(IssuedPassword { username } hide { password });

/// Every account (auditors and administrators).
#[server(prefix = "/rpc", endpoint = "list_accounts")]
pub async fn list_accounts() -> Result<Vec<AccountSummary>, AppError> {
    crate::rpc::call(act::ReadUsers, |cx| async move {
        crate::identity::store::list_users(&cx.state.db, &cx.permit).await
    })
    .await
}

/// Creates an account with a generated password (shown once).
#[server(prefix = "/rpc", endpoint = "create_account")]
pub async fn create_account(
    username: String,
    display_name: String,
    roles: String,
) -> Result<IssuedPassword, AppError> {
    use crate::identity::{password, store};
    crate::rpc::call(act::ManageUsers, |cx| async move {
        let roles = crate::identity::parse_roles(&roles)?;
        let password = password::generate();
        let new = store::NewUser {
            username: username.clone(),
            display_name,
            roles,
            password: password.clone(),
        };
        store::create_user(&cx.state.db, &cx.permit, &cx.ip, new).await?;
        Ok(IssuedPassword {
            username: username.trim().to_lowercase(),
            password,
        })
    })
    .await
}

/// Replaces an account's roles.
#[server(prefix = "/rpc", endpoint = "set_account_roles")]
pub async fn set_account_roles(username: String, roles: String) -> Result<(), AppError> {
    crate::rpc::call(act::ManageUsers, |cx| async move {
        let roles = crate::identity::parse_roles(&roles)?;
        crate::identity::store::set_roles(&cx.state.db, &cx.permit, &cx.ip, &username, roles).await
    })
    .await
}

/// Gives an account a new password that must be changed at next sign-in.
#[server(prefix = "/rpc", endpoint = "reset_account_password")]
pub async fn reset_account_password(username: String) -> Result<IssuedPassword, AppError> {
    crate::rpc::call(act::ManageUsers, |cx| async move {
        let password =
            crate::identity::store::reset_password(&cx.state.db, &cx.permit, &cx.ip, &username)
                .await?;
        Ok(IssuedPassword {
            username: username.trim().to_lowercase(),
            password,
        })
    })
    .await
}

/// Lifts the lock of repeated failed sign-ins.
#[server(prefix = "/rpc", endpoint = "unlock_account")]
pub async fn unlock_account(username: String) -> Result<(), AppError> {
    crate::rpc::call(act::ManageUsers, |cx| async move {
        crate::identity::store::unlock_user(&cx.state.db, &cx.permit, &cx.ip, &username).await
    })
    .await
}

/// Removes an account's second factor (lost phone).
#[server(prefix = "/rpc", endpoint = "reset_account_totp")]
pub async fn reset_account_totp(username: String) -> Result<(), AppError> {
    crate::rpc::call(act::ManageUsers, |cx| async move {
        crate::identity::store::reset_totp(&cx.state.db, &cx.permit, &cx.ip, &username).await
    })
    .await
}

/// Disables (or re-enables) an account.
#[server(prefix = "/rpc", endpoint = "set_account_disabled")]
pub async fn set_account_disabled(username: String, disabled: bool) -> Result<(), AppError> {
    crate::rpc::call(act::ManageUsers, |cx| async move {
        crate::identity::store::set_disabled(&cx.state.db, &cx.permit, &cx.ip, &username, disabled)
            .await
    })
    .await
}

fn role_label(i18n: leptos_i18n::I18nContext<Locale>, role: Role) -> String {
    match role {
        Role::Investigator => t_string!(i18n, role_investigator),
        Role::Supervisor => t_string!(i18n, role_supervisor),
        Role::Ministry => t_string!(i18n, role_ministry),
        Role::Auditor => t_string!(i18n, role_auditor),
        Role::Monitor => t_string!(i18n, role_monitor),
        Role::Admin => t_string!(i18n, role_admin),
    }
    .to_string()
}

/// Unlock, reset and disable buttons of one account.
#[component]
fn RowActions(
    account: AccountSummary,
    unlock: ServerAction<UnlockAccount>,
    reset: ServerAction<ResetAccountPassword>,
    disable: ServerAction<SetAccountDisabled>,
    set_roles: ServerAction<SetAccountRoles>,
    reset_totp: ServerAction<ResetAccountTotp>,
) -> impl IntoView {
    let i18n = use_i18n();
    let (u1, u2, u3) = (
        account.username.clone(),
        account.username.clone(),
        account.username.clone(),
    );
    let disabled = account.disabled;
    let u4 = account.username.clone();
    let roles_now = account
        .roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let roles_label = format!("{} {}", t_string!(i18n, roles_label), account.username);
    view! {
        <ActionForm action=set_roles attr:class="inline-form">
            <input type="hidden" name="username" value=account.username.clone()/>
            <input name="roles" value=roles_now aria-label=roles_label size="18"/>
            <button type="submit">{t!(i18n, save_roles_button)}</button>
        </ActionForm>
        {account.locked.then(|| view! {
            <button type="button" on:click=move |_| { unlock.dispatch(UnlockAccount { username: u1.clone() }); }>
                {t!(i18n, unlock_button)}
            </button>
        })}
        <button type="button" on:click=move |_| { reset.dispatch(ResetAccountPassword { username: u2.clone() }); }>
            {t!(i18n, reset_password_button)}
        </button>
        {account.totp_enabled.then(|| view! {
            <button type="button" on:click=move |_| { reset_totp.dispatch(ResetAccountTotp { username: u4.clone() }); }>
                {t!(i18n, reset_totp_button)}
            </button>
        })}
        <button type="button" on:click=move |_| { disable.dispatch(SetAccountDisabled { username: u3.clone(), disabled: !disabled }); }>
            {if disabled { t!(i18n, enable_button).into_any() } else { t!(i18n, disable_button).into_any() }}
        </button>
    }
}

/// The accounts page.
#[component]
pub fn AccountsPage() -> impl IntoView {
    let i18n = use_i18n();
    // Controls that write are shown to administrators only (auditors read
    // this page); the server refuses the writes of anyone else regardless.
    let me = expect_context::<Resource<Result<Option<crate::identity::CurrentUser>, AppError>>>();
    let is_admin = move || {
        me.get()
            .and_then(Result::ok)
            .flatten()
            .is_some_and(|u| u.roles.contains(&Role::Admin))
    };
    let create = ServerAction::<CreateAccount>::new();
    let unlock = ServerAction::<UnlockAccount>::new();
    let reset = ServerAction::<ResetAccountPassword>::new();
    let disable = ServerAction::<SetAccountDisabled>::new();
    let set_roles = ServerAction::<SetAccountRoles>::new();
    let reset_totp = ServerAction::<ResetAccountTotp>::new();
    let accounts = Resource::new(
        move || {
            (
                create.version().get(),
                unlock.version().get(),
                reset.version().get(),
                disable.version().get(),
                set_roles.version().get(),
                reset_totp.version().get(),
            )
        },
        |_| list_accounts(),
    );
    let issued = move || {
        create
            .value()
            .get()
            .and_then(Result::ok)
            .or_else(|| reset.value().get().and_then(Result::ok))
    };
    let failure = move || {
        [
            create.value().get().and_then(Result::err),
            unlock.value().get().and_then(Result::err),
            reset.value().get().and_then(Result::err),
            disable.value().get().and_then(Result::err),
            set_roles.value().get().and_then(Result::err),
            reset_totp.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
    };
    view! {
        <section class="page" aria-labelledby="accounts-title">
            <h1 id="accounts-title">{t!(i18n, accounts_title)}</h1>
            {move || issued().map(|p| view! {
                <p class="notice" role="status" data-testid="issued-password">
                    {t!(i18n, issued_password_for)} " " <strong>{p.username}</strong> ": "
                    <code>{p.password}</code>
                </p>
            })}
            {move || failure().map(|e| view! { <ErrorMessage error=e/> })}
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match accounts.await {
                        Ok(list) => view! {
                            <table class="table" data-testid="accounts">
                                <thead><tr>
                                    <th scope="col">{t!(i18n, username_label)}</th>
                                    <th scope="col">{t!(i18n, display_name_label)}</th>
                                    <th scope="col">{t!(i18n, roles_label)}</th>
                                    <th scope="col">{t!(i18n, account_state)}</th>
                                    <th scope="col"><span class="sr-only">{t!(i18n, actions_label)}</span></th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|a| {
                                        let roles = a.roles.iter().map(|r| role_label(i18n, *r)).collect::<Vec<_>>().join(", ");
                                        let state = if a.disabled { t_string!(i18n, state_disabled) }
                                            else if a.locked { t_string!(i18n, state_locked) }
                                            else { t_string!(i18n, state_active) };
                                        view! {
                                            <tr data-username=a.username.clone()>
                                                <td>{a.username.clone()}</td>
                                                <td>{a.display_name.clone()}</td>
                                                <td>{roles}</td>
                                                <td>{state}</td>
                                                <td class="row-actions">
                                                    {let a = a.clone(); move || is_admin().then(|| view! {
                                                        <RowActions account=a.clone() unlock reset disable set_roles reset_totp/>
                                                    })}
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => view! { <ErrorMessage error=e/> }.into_any(),
                    }
                })}
            </Transition>
            <Transition fallback=|| ()>
            {move || is_admin().then(|| view! {
            <h2>{t!(i18n, create_account_title)}</h2>
            <ActionForm action=create attr:class="form">
                <label for="new-username">{t!(i18n, username_label)}</label>
                <input id="new-username" name="username" required/>
                <label for="new-display-name">{t!(i18n, display_name_label)}</label>
                <input id="new-display-name" name="display_name" required/>
                <label for="new-roles">{t!(i18n, roles_label)}</label>
                <input id="new-roles" name="roles" placeholder="investigator,supervisor" required/>
                <p class="hint">{t!(i18n, roles_hint)}</p>
                <button type="submit" class="primary">{t!(i18n, create_account_button)}</button>
            </ActionForm>
            })}
            </Transition>
        </section>
    }
}
