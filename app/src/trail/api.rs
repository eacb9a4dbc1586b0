//! The server functions: each asks the policy first (`crate::rpc`).

use super::*;

/// Searches the trail, newest first, a page at a time. Auditors and
/// supervisors read all of it; administrators sign-in and account events.
#[server(prefix = "/rpc", endpoint = "list_audit")]
pub async fn list_audit(
    actor: Option<String>,
    action: Option<String>,
    object: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<i64>,
) -> Result<AuditPage, AppError> {
    crate::rpc::call(crate::policy::act::ReadAuditTrail, |cx| async move {
        let search = AuditSearch {
            actor,
            action,
            object,
            from,
            to,
        };
        let db = &cx.state.db;
        let q = store::Query::new(&search, &cx.permit)?;
        let total = q.count(db).await?;
        let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
        let page = page.unwrap_or(1).clamp(1, pages);
        let rows = q.fetch(db, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
        Ok(AuditPage {
            rows,
            total,
            page,
            pages,
        })
    })
    .await
}
