//! The server functions: each asks the policy first (`crate::rpc`).

use super::*;

/// The month report (`month` as `YYYY-MM`; the current one by default),
/// with the worst [`BELOW_SHOWN`] cameras below the target (the CSV has
/// them all): the page carries its data, and a thousand lines it does not
/// show made it the slowest of the fleet's pages.
#[server(prefix = "/rpc", endpoint = "sla_report")]
pub async fn sla_report(month: Option<String>) -> Result<SlaView, AppError> {
    crate::rpc::call(act::ReadSlaReports, |cx| async move {
        let mut report = store::report(
            &cx.state.db,
            &cx.state.caches,
            &cx.permit,
            month.as_deref(),
            cx.state.camera_silent_ms,
            cx.state.sla_target_percent,
        )
        .await?;
        report.below.truncate(BELOW_SHOWN);
        Ok(report)
    })
    .await
}
