//! The machine API's clients, as an administration feature: the scoped
//! bearer tokens the control center's systems use (list, create, change
//! scopes, disable), their server functions and page. Tokens and the
//! refusal counts are kept by [`store`].

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, ErrorMessage};
use crate::i18n::*;
#[cfg(feature = "ssr")]
use crate::policy::act;

#[cfg(feature = "ssr")]
pub mod store;

/// An API client as the admin pages and `vigia api-client list` show it:
/// never its token, only the token's first characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiClientView {
    pub name: String,
    pub token_hint: String,
    pub scopes: Vec<String>,
    pub disabled: bool,
    /// UTC milliseconds.
    pub created_at: i64,
    pub created_by: String,
    pub last_used_at: Option<i64>,
    /// The same in the configured zone, `2026-11-21 14:05 CST`.
    pub last_used: Option<String>,
    /// Requests refused while disabled or out of scope.
    pub refused: i64,
}

/// The clients and the refused requests, for the admin page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiClientsOverview {
    pub clients: Vec<ApiClientView>,
    /// (reason, count): missing, unknown, disabled, scope.
    pub refusals: Vec<(String, i64)>,
}

/// A token as issued: shown once, on the page that made it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedToken {
    pub name: String,
    pub token: String,
}
crate::debug_redacted!(IssuedToken { name } hide { token });

/// Every API client (administrators and auditors).
#[server(prefix = "/rpc", endpoint = "list_api_clients")]
pub async fn list_api_clients() -> Result<ApiClientsOverview, AppError> {
    crate::rpc::call(act::ReadApiClients, |cx| async move {
        Ok(ApiClientsOverview {
            clients: store::list_clients(&cx.state.db, &cx.permit).await?,
            refusals: store::refusal_counts(&cx.state.db, &cx.permit).await?,
        })
    })
    .await
}

/// Creates an API client; its token is in the answer, and nowhere else.
#[server(prefix = "/rpc", endpoint = "create_api_client")]
pub async fn create_api_client(name: String, scopes: String) -> Result<IssuedToken, AppError> {
    crate::rpc::call(act::ManageApiClients, |cx| async move {
        let (client, token) =
            store::create_client(&cx.state.db, &cx.permit, &cx.ip, &name, &scopes).await?;
        Ok(IssuedToken {
            name: client.name,
            token: token.reveal().to_string(),
        })
    })
    .await
}

/// Replaces an API client's scopes.
#[server(prefix = "/rpc", endpoint = "set_api_client_scopes")]
pub async fn set_api_client_scopes(name: String, scopes: String) -> Result<(), AppError> {
    crate::rpc::call(act::ManageApiClients, |cx| async move {
        store::set_scopes(&cx.state.db, &cx.permit, &cx.ip, &name, &scopes).await
    })
    .await
}

/// Disables (or enables again) an API client.
#[server(prefix = "/rpc", endpoint = "set_api_client_disabled")]
pub async fn set_api_client_disabled(name: String, disabled: bool) -> Result<(), AppError> {
    crate::rpc::call(act::ManageApiClients, |cx| async move {
        store::set_disabled(&cx.state.db, &cx.permit, &cx.ip, &name, disabled).await
    })
    .await
}

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
