//! The server functions: each asks the policy first (`crate::rpc`).

use super::*;

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
            // The administrator saw it: its owner sets their own.
            must_change_password: true,
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
