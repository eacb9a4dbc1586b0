//! The pages.

use super::*;

/// The API clients page: clients, their scopes and use, refused requests;
/// administrators create, change and disable.
#[component]
pub fn ApiClientsPage() -> impl IntoView {
    use crate::identity::Role;
    let i18n = use_i18n();
    let me = expect_context::<Resource<Result<Option<crate::identity::CurrentUser>, AppError>>>();
    let is_admin = move || {
        me.get()
            .and_then(Result::ok)
            .flatten()
            .is_some_and(|u| u.roles.contains(&Role::Admin))
    };
    let create = ServerAction::<CreateApiClient>::new();
    let scopes = ServerAction::<SetApiClientScopes>::new();
    let disable = ServerAction::<SetApiClientDisabled>::new();
    let overview = Resource::new(
        move || {
            (
                create.version().get(),
                scopes.version().get(),
                disable.version().get(),
            )
        },
        |_| list_api_clients(),
    );
    let failure = move || {
        [
            create.value().get().and_then(Result::err),
            scopes.value().get().and_then(Result::err),
            disable.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
    };
    view! {
        <section class="page" aria-labelledby="api-clients-title">
            <h1 id="api-clients-title">{t!(i18n, api_clients_title)}</h1>
            <p class="lede">{t!(i18n, api_clients_intro)}</p>
            {move || create.value().get().and_then(Result::ok).map(|t| view! {
                <div class="notice" role="status" data-testid="issued-token">
                    <p>{t!(i18n, api_token_issued)} " " <strong>{t.name}</strong></p>
                    <p><code class="token">{t.token}</code></p>
                </div>
            })}
            {move || failure().map(|e| view! { <ErrorMessage error=e/> })}
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(o) => view! {
                            <table class="table" data-testid="api-clients">
                                <thead><tr>
                                    <th scope="col">{t!(i18n, api_client_name)}</th>
                                    <th scope="col">{t!(i18n, api_client_token)}</th>
                                    <th scope="col">{t!(i18n, api_client_scopes)}</th>
                                    <th scope="col">{t!(i18n, account_state)}</th>
                                    <th scope="col">{t!(i18n, api_client_last_used)}</th>
                                    <th scope="col">{t!(i18n, api_client_refused)}</th>
                                    <th scope="col"><span class="sr-only">{t!(i18n, actions_label)}</span></th>
                                </tr></thead>
                                <tbody>
                                    {o.clients.into_iter().map(|c| {
                                        let state = if c.disabled { t_string!(i18n, api_client_disabled) } else { t_string!(i18n, api_client_enabled) };
                                        let name = c.name.clone();
                                        let joined = c.scopes.join(",");
                                        view! {
                                            <tr data-client=c.name.clone()>
                                                <td>{c.name.clone()}</td>
                                                <td><code>{format!("{}…", c.token_hint)}</code></td>
                                                <td>{c.scopes.join(", ")}</td>
                                                <td>{state}</td>
                                                <td class="nowrap">{c.last_used.clone().unwrap_or_else(|| "—".into())}</td>
                                                <td>{c.refused}</td>
                                                <td class="row-actions">
                                                    {move || is_admin().then(|| {
                                                        let (n1, n2) = (name.clone(), name.clone());
                                                        let field_id = format!("scopes-{name}");
                                                        let n3 = name.clone();
                                                        let joined = joined.clone();
                                                        view! {
                                                            <ActionForm action=scopes attr:class="inline">
                                                                <input type="hidden" name="name" value=n1/>
                                                                <label class="sr-only" for=field_id.clone()>{t!(i18n, api_client_scopes_of, name = move || n3.clone())}</label>
                                                                <input id=field_id name="scopes" value=joined size="30"/>
                                                                <button type="submit">{t!(i18n, api_client_set_scopes)}</button>
                                                            </ActionForm>
                                                            <ActionForm action=disable attr:class="inline">
                                                                <input type="hidden" name="name" value=n2/>
                                                                <input type="hidden" name="disabled" value=(!c.disabled).to_string()/>
                                                                <button type="submit">{if c.disabled { t_string!(i18n, enable_button) } else { t_string!(i18n, disable_button) }}</button>
                                                            </ActionForm>
                                                        }
                                                    })}
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <h2>{t!(i18n, api_refusals_title)}</h2>
                            {o.refusals.is_empty().then(|| view! { <p class="muted">{t!(i18n, api_refusals_none)}</p> })}
                            <dl class="refusals" data-testid="api-refusals">
                                {o.refusals.into_iter().map(|(reason, n)| view! {
                                    <dt>{reason}</dt><dd>{n}</dd>
                                }).collect_view()}
                            </dl>
                        }.into_any(),
                        Err(e) => view! { <ErrorMessage error=e/> }.into_any(),
                    }
                })}
            </Transition>
            <Transition fallback=|| ()>
            {move || is_admin().then(|| view! {
                <h2>{t!(i18n, api_client_create_title)}</h2>
                <ActionForm action=create attr:class="form">
                    <label for="new-client-name">{t!(i18n, api_client_name)}</label>
                    <input id="new-client-name" name="name" required/>
                    <label for="new-client-scopes">{t!(i18n, api_client_scopes)}</label>
                    <input id="new-client-scopes" name="scopes" placeholder="footage:write,health:write" required/>
                    <p class="hint">{t!(i18n, api_client_scopes_hint)}</p>
                    <button type="submit" class="primary">{t!(i18n, api_client_create_button)}</button>
                </ActionForm>
            })}
            </Transition>
        </section>
    }
}
