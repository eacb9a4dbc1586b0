//! The server functions: each asks the policy first (`crate::rpc`).

use super::*;

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
