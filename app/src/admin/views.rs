//! The pages.

use super::*;

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
