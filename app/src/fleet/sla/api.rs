//! The server functions: each asks the policy first (`crate::rpc`).

use super::*;

/// The month report (`month` as `YYYY-MM`; the current one by default).
#[server(prefix = "/rpc", endpoint = "sla_report")]
pub async fn sla_report(month: Option<String>) -> Result<SlaView, AppError> {
    crate::rpc::call(act::ReadSlaReports, |cx| async move {
        store::report(
            &cx.state.db,
            &cx.state.caches,
            &cx.permit,
            month.as_deref(),
            cx.state.camera_silent_ms,
            cx.state.sla_target_percent,
        )
        .await
    })
    .await
}
