//! The pages.

use super::*;

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
                                    {t!(i18n, audit_total, count = move || crate::format::format_count(total))}
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
                        Err(e) => view! { <ErrorMessage error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
