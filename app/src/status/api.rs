//! The server functions: each asks the policy first (`crate::rpc`).

use super::*;

/// Reads the system status: any signed-in user may.
#[server(prefix = "/rpc", endpoint = "get_status")]
pub async fn get_status() -> Result<SystemStatus, AppError> {
    crate::rpc::call(crate::policy::act::ReadSystemStatus, |cx| async move {
        store::system_status(&cx.state.db, &cx.permit).await
    })
    .await
}
