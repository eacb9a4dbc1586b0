//! The audit trail: append-only, hash-chained, written in the same
//! transaction as the change it describes.
//!
//! Each record's hash is SHA-256 over the previous record's hash (hex) and
//! a canonical encoding of the record: a JSON array of its fields in a fixed
//! order, with the details object's keys sorted. `vigia audit verify`
//! recomputes the chain.

#[cfg(feature = "ssr")]
mod chain;
#[cfg(feature = "ssr")]
pub use chain::*;

/// Everything the trail records, by name. An enum, not free text, so that a
/// typo cannot invent a new kind of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum AuditAction {
    SignIn,
    SignInFailed,
    SignOut,
    AccountLocked,
    AccountUnlocked,
    UserCreated,
    RolesChanged,
    PasswordReset,
    PasswordChanged,
    UserDisabled,
    UserEnabled,
    TotpEnabled,
    TotpReset,
    OfficerStatusChanged,
    OfficerCreated,
    OfficerUpdated,
    AssignmentAdded,
    ChipAssigned,
    ChipReturned,
    ConfidenceTestRecorded,
    ConfidenceTestsRead,
    RecordsImported,
    AccessDenied,
    AuditExported,
    ReportExported,
    ApiClientCreated,
    ApiClientScopesChanged,
    ApiClientDisabled,
    ApiClientEnabled,
    FootageIngested,
    HeartbeatsIngested,
    IntegrityConflict,
    FootageRead,
    FootageVerified,
}

impl AuditAction {
    pub const ALL: &'static [AuditAction] = &[
        AuditAction::SignIn,
        AuditAction::SignInFailed,
        AuditAction::SignOut,
        AuditAction::AccountLocked,
        AuditAction::AccountUnlocked,
        AuditAction::UserCreated,
        AuditAction::RolesChanged,
        AuditAction::PasswordReset,
        AuditAction::PasswordChanged,
        AuditAction::UserDisabled,
        AuditAction::UserEnabled,
        AuditAction::TotpEnabled,
        AuditAction::TotpReset,
        AuditAction::OfficerStatusChanged,
        AuditAction::OfficerCreated,
        AuditAction::OfficerUpdated,
        AuditAction::AssignmentAdded,
        AuditAction::ChipAssigned,
        AuditAction::ChipReturned,
        AuditAction::ConfidenceTestRecorded,
        AuditAction::ConfidenceTestsRead,
        AuditAction::RecordsImported,
        AuditAction::AccessDenied,
        AuditAction::AuditExported,
        AuditAction::ReportExported,
        AuditAction::ApiClientCreated,
        AuditAction::ApiClientScopesChanged,
        AuditAction::ApiClientDisabled,
        AuditAction::ApiClientEnabled,
        AuditAction::FootageIngested,
        AuditAction::HeartbeatsIngested,
        AuditAction::IntegrityConflict,
        AuditAction::FootageRead,
        AuditAction::FootageVerified,
    ];

    /// The stored name, e.g. `sign_in.failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::SignIn => "sign_in",
            AuditAction::SignInFailed => "sign_in.failed",
            AuditAction::SignOut => "sign_out",
            AuditAction::AccountLocked => "account.locked",
            AuditAction::AccountUnlocked => "account.unlocked",
            AuditAction::UserCreated => "user.created",
            AuditAction::RolesChanged => "user.roles_changed",
            AuditAction::PasswordReset => "user.password_reset",
            AuditAction::PasswordChanged => "user.password_changed",
            AuditAction::UserDisabled => "user.disabled",
            AuditAction::UserEnabled => "user.enabled",
            AuditAction::TotpEnabled => "user.totp_enabled",
            AuditAction::TotpReset => "user.totp_reset",
            AuditAction::OfficerStatusChanged => "officer.status_changed",
            AuditAction::OfficerCreated => "officer.created",
            AuditAction::OfficerUpdated => "officer.updated",
            AuditAction::AssignmentAdded => "assignment.added",
            AuditAction::ChipAssigned => "chip.assigned",
            AuditAction::ChipReturned => "chip.returned",
            AuditAction::ConfidenceTestRecorded => "confidence_test.recorded",
            AuditAction::ConfidenceTestsRead => "confidence_tests.read",
            AuditAction::RecordsImported => "records.imported",
            AuditAction::AccessDenied => "access.denied",
            AuditAction::AuditExported => "audit.exported",
            AuditAction::ReportExported => "report.exported",
            AuditAction::ApiClientCreated => "api_client.created",
            AuditAction::ApiClientScopesChanged => "api_client.scopes_changed",
            AuditAction::ApiClientDisabled => "api_client.disabled",
            AuditAction::ApiClientEnabled => "api_client.enabled",
            AuditAction::FootageIngested => "footage.ingested",
            AuditAction::HeartbeatsIngested => "heartbeats.ingested",
            AuditAction::IntegrityConflict => "ingest.integrity_conflict",
            AuditAction::FootageRead => "footage.read",
            AuditAction::FootageVerified => "footage.verified",
        }
    }

    /// Whether an administrator may see records of this action (sign-ins
    /// and account events only; auditors see everything).
    pub fn is_account_event(self) -> bool {
        matches!(
            self,
            AuditAction::SignIn
                | AuditAction::SignInFailed
                | AuditAction::SignOut
                | AuditAction::AccountLocked
                | AuditAction::AccountUnlocked
                | AuditAction::UserCreated
                | AuditAction::RolesChanged
                | AuditAction::PasswordReset
                | AuditAction::PasswordChanged
                | AuditAction::UserDisabled
                | AuditAction::UserEnabled
                | AuditAction::TotpEnabled
                | AuditAction::TotpReset
                | AuditAction::ApiClientCreated
                | AuditAction::ApiClientScopesChanged
                | AuditAction::ApiClientDisabled
                | AuditAction::ApiClientEnabled
        )
    }
}

#[cfg(feature = "ssr")]
pub mod query;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::i18n::*;

/// What to look for in the trail; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditSearch {
    /// Exact username (or `anonymous`, `system`, `operator`).
    pub actor: Option<String>,
    /// Exact action name, e.g. `sign_in.failed`.
    pub action: Option<String>,
    /// Exact object id, e.g. a username.
    pub object: Option<String>,
    /// First day, `YYYY-MM-DD`, in the configured time zone.
    pub from: Option<String>,
    /// Last day, inclusive.
    pub to: Option<String>,
}

/// One record as the page and the export show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub seq: i64,
    /// In the configured time zone.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub outcome: String,
    pub ip: String,
    pub details: String,
}

/// A page of the trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

pub const PAGE_SIZE: i64 = 50;

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
    use crate::policy::Action;
    async {
        let reader =
            crate::identity::require_any(&[Action::ReadAuditTrail, Action::ReadAccountAudit])
                .await?;
        let state = crate::state::AppState::current()?;
        let search = AuditSearch {
            actor,
            action,
            object,
            from,
            to,
        };
        let q = query::Query::new(&search, &reader, &state.timezone)?;
        let total = q.count(&state.db).await?;
        let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
        let page = page.unwrap_or(1).clamp(1, pages);
        let rows = q
            .fetch(
                &state.db,
                PAGE_SIZE,
                (page - 1) * PAGE_SIZE,
                &state.timezone,
            )
            .await?;
        Ok(AuditPage {
            rows,
            total,
            page,
            pages,
        })
    }
    .await
    .map_err(AppError::respond)
}

/// The audit trail page: filters, a page of records, paging, CSV export.
#[component]
pub fn AuditTrailPage() -> impl IntoView {
    use leptos_router::components::Form;
    use leptos_router::hooks::use_query_map;

    let i18n = use_i18n();
    let query = use_query_map();
    let param = move |k: &str| query.with(|q| q.get(k)).filter(|v| !v.is_empty());
    let page = Resource::new(
        move || query.get(),
        move |q| {
            let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
            list_audit(
                get("actor"),
                get("action"),
                get("object"),
                get("from"),
                get("to"),
                get("page").and_then(|p| p.parse().ok()),
            )
        },
    );
    let export_href = move || {
        let q = query.get().to_query_string();
        format!("/audit/export.csv{q}")
    };
    let page_href = move |n: i64| {
        let mut q = query.get();
        q.replace("page", n.to_string());
        format!("/audit{}", q.to_query_string())
    };
    view! {
        <section class="page" aria-labelledby="audit-title">
            <h1 id="audit-title">{t!(i18n, audit_title)}</h1>
            <p class="lede">{t!(i18n, audit_intro)}</p>
            <Form method="GET" action="" attr:class="filters">
                <label>{t!(i18n, audit_actor)}<input name="actor" value=move || param("actor")/></label>
                <label>{t!(i18n, audit_action)}<input name="action" value=move || param("action") placeholder="sign_in.failed"/></label>
                <label>{t!(i18n, audit_object)}<input name="object" value=move || param("object")/></label>
                <label>{t!(i18n, audit_from)}<input name="from" type="date" value=move || param("from")/></label>
                <label>{t!(i18n, audit_to)}<input name="to" type="date" value=move || param("to")/></label>
                <button type="submit" class="primary">{t!(i18n, audit_search)}</button>
                <a class="button-link" href=export_href data-testid="audit-export" rel="external">{t!(i18n, audit_export)}</a>
            </Form>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(p) => {
                            let (current, pages, total) = (p.page, p.pages, p.total);
                            view! {
                                <p class="muted" data-testid="audit-total">
                                    {t!(i18n, audit_total, count = move || crate::status::format_count(total))}
                                </p>
                                <table class="table audit" data-testid="audit-table">
                                    <thead><tr>
                                        <th scope="col">"#"</th>
                                        <th scope="col">{t!(i18n, audit_time)}</th>
                                        <th scope="col">{t!(i18n, audit_actor)}</th>
                                        <th scope="col">{t!(i18n, audit_action)}</th>
                                        <th scope="col">{t!(i18n, audit_object)}</th>
                                        <th scope="col">{t!(i18n, audit_outcome)}</th>
                                        <th scope="col">"IP"</th>
                                        <th scope="col">{t!(i18n, audit_details)}</th>
                                    </tr></thead>
                                    <tbody>
                                        {p.rows.into_iter().map(|r| view! {
                                            <tr data-action=r.action.clone() data-seq=r.seq>
                                                <td>{r.seq}</td>
                                                <td class="nowrap">{r.at}</td>
                                                <td>{r.actor}</td>
                                                <td><code>{r.action.clone()}</code></td>
                                                <td>{r.object}</td>
                                                <td>{r.outcome}</td>
                                                <td>{r.ip}</td>
                                                <td><code class="details">{r.details}</code></td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                <nav class="pager" aria-label=move || t_string!(i18n, audit_pages)>
                                    {(current > 1).then(|| view! { <a href=page_href(current - 1)>{t!(i18n, page_previous)}</a> })}
                                    <span>{format!("{current} / {pages}")}</span>
                                    {(current < pages).then(|| view! { <a href=page_href(current + 1)>{t!(i18n, page_next)}</a> })}
                                </nav>
                            }.into_any()
                        }
                        Err(AppError::Validation { field, reason }) => view! {
                            <p class="error" role="alert">{format!("{field}: {reason}")}</p>
                        }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
